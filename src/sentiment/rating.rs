//! Star-rating blend: combines a source's 1–5 star rating with the text's
//! score (the rule is documented on `Analyzer::score_with_rating`).

/// Rating share when the text is neutral (1–2 and 4–5 stars).
const RATING_SHARE_MAX: f32 = 0.7;
/// How much a strong text reduces the rating's share.
const RATING_SHARE_TEXT_DROP: f32 = 0.4;
/// Rating share for a middle rating (above 2, below 4 stars): the text leads.
const MIDDLE_RATING_SHARE: f32 = 0.3;
/// At or below this many stars the result is never Positive.
pub(crate) const LOW_STARS: f32 = 2.0;
/// At or above this many stars the result is never Negative unless the
/// text alone is below [`STRONG_NEGATIVE_TEXT`].
pub(crate) const HIGH_STARS: f32 = 4.0;
/// A text value below this can pull a 4–5 star mention to Negative.
pub(crate) const STRONG_NEGATIVE_TEXT: f32 = -0.5;

/// Blends `text_value` with `stars`; returns the value and the explaining
/// term. `negative_below` and `positive_above` are the label thresholds,
/// so that the guarantees hold for any thresholds.
pub(crate) fn blend(
    text_value: f32,
    stars: f32,
    negative_below: f32,
    positive_above: f32,
) -> (f32, (String, f32)) {
    let stars = stars.clamp(1.0, 5.0);
    let r = (stars - 3.0) / 2.0;
    let text = text_value.clamp(-1.0, 1.0);
    let share = if stars > LOW_STARS && stars < HIGH_STARS {
        MIDDLE_RATING_SHARE
    } else {
        RATING_SHARE_MAX - RATING_SHARE_TEXT_DROP * text.abs()
    };
    let mut value = (share * r + (1.0 - share) * text).clamp(-1.0, 1.0);
    if stars <= LOW_STARS {
        // The author's own verdict is low: never Positive.
        value = value.min(positive_above.min(0.0));
    } else if stars >= HIGH_STARS && text >= STRONG_NEGATIVE_TEXT {
        // A high verdict: never Negative unless the text is strongly so.
        value = value.max(negative_below.max(0.0));
    }
    (value, (format!("\u{2605}{stars}/5"), r * 4.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEG: f32 = -0.05;
    const POS: f32 = 0.05;

    fn v(text: f32, stars: f32) -> f32 {
        blend(text, stars, NEG, POS).0
    }

    #[test]
    fn rating_dominates_weak_text() {
        let (v, (term, w)) = blend(0.0, 1.0, NEG, POS);
        assert!((v + 0.7).abs() < 1e-6);
        assert_eq!(term, "\u{2605}1/5");
        assert_eq!(w, -4.0);
    }

    #[test]
    fn low_stars_are_never_positive() {
        for stars in [1.0, 1.5, 2.0] {
            for text in [-1.0, -0.3, 0.0, 0.13, 0.5, 0.9, 1.0] {
                assert!(
                    v(text, stars) <= POS,
                    "{stars} {text} -> {}",
                    v(text, stars)
                );
            }
        }
        // Thresholds below zero still hold.
        assert!(blend(1.0, 2.0, -0.5, -0.2).0 <= -0.2);
    }

    #[test]
    fn high_stars_are_never_negative_unless_the_text_is_strongly_negative() {
        for stars in [4.0, 4.5, 5.0] {
            for text in [-0.5, -0.3, 0.0, 0.5, 1.0] {
                assert!(v(text, stars) >= NEG, "{stars} {text}");
            }
        }
        assert!(v(-0.95, 4.0) < NEG, "{}", v(-0.95, 4.0));
    }

    #[test]
    fn three_stars_lean_on_the_text() {
        assert!(v(0.6, 3.0) > POS);
        assert!(v(-0.6, 3.0) < NEG);
        assert!(v(0.0, 3.0).abs() < 1e-6);
        assert!(v(0.6, 3.0) < 0.6);
    }

    #[test]
    fn fractional_and_out_of_range_stars() {
        let (_, (term, _)) = blend(0.0, 4.5, NEG, POS);
        assert_eq!(term, "\u{2605}4.5/5");
        assert!((v(0.0, 9.0) - 0.7).abs() < 1e-6);
        assert!((v(0.0, -3.0) + 0.7).abs() < 1e-6);
    }
}
