//! Star ratings as review pages print them ("4 stars", "8/10", "★★★☆☆",
//! "Rated 4,5 von 5"), normalised to 1..=5.

/// Longest text `parse_rating` looks at; ratings are short, page text is not.
const MAX_RATING_CHARS: usize = 200;

/// A piece of a rating text.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f32),
    Word(String),
    Slash,
    Percent,
}

/// Stars 1..=5 from text like "4 stars", "4.0 out of 5", "Rated 2 of 5",
/// "3/5", "★★★☆☆", "8/10" (scaled to 5), "five stars", "80%" (only when it is
/// the only number) or a bare number up to 5. `None` when not understood.
pub fn parse_rating(s: &str) -> Option<f32> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_RATING_CHARS {
        return None;
    }
    if let Some(stars) = star_glyphs(s) {
        return Some(stars);
    }
    let tokens = tokenize_rating(&s.to_lowercase());
    ratio_rating(&tokens)
        .or_else(|| stars_word_rating(&tokens))
        .or_else(|| percent_rating(&tokens))
        .or_else(|| bare_rating(&tokens))
}

/// "★★★☆☆": filled stars out of all stars drawn.
fn star_glyphs(s: &str) -> Option<f32> {
    let filled = s.chars().filter(|c| matches!(c, '★' | '⭐')).count();
    let empty = s.chars().filter(|c| *c == '☆').count();
    let total = filled + empty;
    if filled == 0 {
        return None;
    }
    let scale = if total > 5 { total as f32 } else { 5.0 };
    clamp_stars(filled as f32 / scale * 5.0)
}

fn tokenize_rating(s: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || is_decimal_mark(&chars, i)) {
                i += 1;
            }
            let num: String = chars[start..i]
                .iter()
                .map(|c| if *c == ',' { '.' } else { *c })
                .collect();
            tokens.extend(num.parse().ok().map(Token::Num));
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(word_number(&word).map_or(Token::Word(word), Token::Num));
            continue;
        }
        match c {
            '/' => tokens.push(Token::Slash),
            '%' => tokens.push(Token::Percent),
            _ => {}
        }
        i += 1;
    }
    tokens
}

/// A `.` or `,` between a digit and one or two more digits ("4.5", "4,5"; not "1,234").
fn is_decimal_mark(chars: &[char], i: usize) -> bool {
    if !matches!(chars[i], '.' | ',') || i == 0 || !chars[i - 1].is_ascii_digit() {
        return false;
    }
    let digits = chars[i + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    digits >= 1 && (chars[i] == '.' || digits <= 2)
}

fn word_number(w: &str) -> Option<f32> {
    let n = match w {
        "zero" => 0.0,
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "ten" => 10.0,
        _ => return None,
    };
    Some(n)
}

/// "4 out of 5", "2 of 5", "8/10".
fn ratio_rating(tokens: &[Token]) -> Option<f32> {
    tokens.iter().enumerate().find_map(|(i, t)| {
        let Token::Num(value) = t else { return None };
        let rest = &tokens[i + 1..];
        let best = match rest {
            [Token::Slash, Token::Num(b), ..] => *b,
            [Token::Word(o), Token::Word(f), Token::Num(b), ..] if o == "out" && f == "of" => *b,
            [Token::Word(o), Token::Num(b), ..] if o == "of" || o == "von" || o == "sur" => *b,
            _ => return None,
        };
        (best > 0.0 && *value <= best)
            .then(|| normalise_rating(*value, Some(best), None))
            .flatten()
    })
}

/// "4 stars", "4.5-star", "five stars".
fn stars_word_rating(tokens: &[Token]) -> Option<f32> {
    tokens.windows(2).find_map(|w| match w {
        [Token::Num(n), Token::Word(word)] if word.starts_with("star") && *n <= 5.0 => {
            clamp_stars(*n)
        }
        _ => None,
    })
}

/// "80%", only when it is the only number in the text.
fn percent_rating(tokens: &[Token]) -> Option<f32> {
    let nums = tokens.iter().filter(|t| matches!(t, Token::Num(_))).count();
    match tokens.windows(2).find(|w| w[1] == Token::Percent) {
        Some([Token::Num(p), _]) if nums == 1 && *p <= 100.0 => clamp_stars(p / 100.0 * 5.0),
        _ => None,
    }
}

/// The first number, when it can only be stars (above 0, at most 5).
fn bare_rating(tokens: &[Token]) -> Option<f32> {
    match tokens.iter().find(|t| matches!(t, Token::Num(_))) {
        Some(Token::Num(n)) if *n > 0.0 && *n <= 5.0 => clamp_stars(*n),
        _ => None,
    }
}

/// A plain number, with `,` read as the decimal mark ("4,5").
pub(super) fn parse_number(s: &str) -> Option<f32> {
    s.trim()
        .replace(',', ".")
        .parse::<f32>()
        .ok()
        .filter(|n| n.is_finite())
}

/// Maps `value` on the scale `worst..=best` (schema.org defaults 1..=5) to
/// 1..=5. Without a positive `worstRating` the scale is read as a fraction of
/// `best` (8 of 10 is 4 stars), as people read it.
pub(super) fn normalise_rating(value: f32, best: Option<f32>, worst: Option<f32>) -> Option<f32> {
    let best = best.filter(|b| *b > 0.0).unwrap_or(5.0);
    let stars = match worst {
        Some(w) if w > 0.0 && w < best => 1.0 + (value - w) / (best - w) * 4.0,
        _ => value / best * 5.0,
    };
    clamp_stars(stars)
}

/// Rounded to two decimals and held to 1..=5; `None` for negative or NaN.
fn clamp_stars(stars: f32) -> Option<f32> {
    (stars.is_finite() && stars >= 0.0).then(|| ((stars.clamp(1.0, 5.0)) * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_in_many_wordings() {
        let cases = [
            ("4 stars", Some(4.0)),
            ("4.0 out of 5", Some(4.0)),
            ("Rated 2 of 5", Some(2.0)),
            ("Rated 4.5 out of 5 stars", Some(4.5)),
            ("3/5", Some(3.0)),
            ("8/10", Some(4.0)),
            ("★★★☆☆", Some(3.0)),
            ("⭐⭐⭐⭐⭐", Some(5.0)),
            ("5", Some(5.0)),
            ("4,5 von 5", Some(4.5)),
            ("five stars", Some(5.0)),
            ("1-star review", Some(1.0)),
            ("width: 80%", Some(4.0)),
            ("Rating: 4.5 (1,234 reviews)", Some(4.5)),
            ("12 reviews, 4 stars", Some(4.0)),
            ("8", None),
            ("excellent", None),
            ("", None),
            ("0 stars", Some(1.0)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_rating(text), want, "{text:?}");
        }
    }
}
