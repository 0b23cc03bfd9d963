//! Star-rating blend: combines a source's 1–5 star rating with the text's
//! score (the rule is documented on `Analyzer::score_with_rating`).

/// Rating share when the text is neutral.
const RATING_SHARE_MAX: f32 = 0.7;
/// How much a strong text reduces the rating's share.
const RATING_SHARE_TEXT_DROP: f32 = 0.4;

/// Blends `text_value` with `stars`; returns the value and the explaining term.
pub(crate) fn blend(text_value: f32, stars: f32) -> (f32, (String, f32)) {
    let stars = stars.clamp(1.0, 5.0);
    let r = (stars - 3.0) / 2.0;
    let share = RATING_SHARE_MAX - RATING_SHARE_TEXT_DROP * text_value.abs().min(1.0);
    let value = (share * r + (1.0 - share) * text_value).clamp(-1.0, 1.0);
    (value, (format!("\u{2605}{stars}/5"), r * 4.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_dominates_weak_text() {
        let (v, (term, w)) = blend(0.0, 1.0);
        assert!((v + 0.7).abs() < 1e-6);
        assert_eq!(term, "\u{2605}1/5");
        assert_eq!(w, -4.0);
    }

    #[test]
    fn strong_text_outweighs_the_rating() {
        let (v, _) = blend(-0.9, 5.0);
        assert!(v < 0.0, "{v}");
    }

    #[test]
    fn fractional_and_out_of_range_stars() {
        let (_, (term, _)) = blend(0.0, 4.5);
        assert_eq!(term, "\u{2605}4.5/5");
        let (v, _) = blend(0.0, 9.0);
        assert!((v - 0.7).abs() < 1e-6);
    }
}
