//! Property-style tests of the public sentiment API (no proptest dependency):
//! the score is finite and in [-1, 1], deterministic, insensitive to
//! whitespace and letter case (except whole words in capitals), safe to
//! share between threads, and quick on pathological input.

use std::sync::OnceLock;

use earshot::sentiment::{Analyzer, Options};

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::new(Options::default()))
}

/// Property-style: varied generated texts, with no proptest dependency.
fn generated_texts() -> Vec<String> {
    const PARTS: &[&str] = &[
        "good",
        "not",
        "very",
        "BAD",
        "!!!",
        "but",
        "waited",
        "45",
        "minutes",
        "\u{1F644}",
        ":)",
        "2/5",
        "never",
        "again",
        "too",
        "salty",
        "",
        " ",
        "\t",
        "don't",
        "nobody",
        "called",
        "back",
        "10/10",
        "stars",
        "1",
        "yet",
        "again",
        "\u{2764}\u{FE0F}",
        "?",
        "oh",
        "great",
        ",",
        ".",
        "x\u{301}",
        "\u{0}",
        "sooo",
        "WORST",
        "ever",
        "however",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::new();
    for _ in 0..400 {
        let mut text = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 24) as usize;
        for k in 0..len {
            let idx = ((seed >> (k % 8 * 8)) as usize + k * 7) % PARTS.len();
            text.push_str(PARTS[idx]);
            text.push(if k % 3 == 0 { '\t' } else { ' ' });
        }
        out.push(text);
    }
    out.push("!".repeat(10_000));
    out.push("bad ".repeat(5_000));
    out
}

#[test]
fn property_score_is_finite_and_in_range() {
    let a = analyzer();
    for text in generated_texts() {
        let s = a.score(&text);
        assert!(
            s.value.is_finite() && (-1.0..=1.0).contains(&s.value),
            "{text:?} -> {}",
            s.value
        );
        assert!(s.terms.iter().all(|t| t.weight.is_finite()));
        for stars in [
            None,
            Some(1.0),
            Some(3.5),
            Some(5.0),
            Some(-7.0),
            Some(f32::INFINITY),
        ] {
            let r = a.score_with_rating(&text, stars);
            assert!((-1.0..=1.0).contains(&r.value), "{text:?} {stars:?}");
        }
    }
}

#[test]
fn property_star_rating_guarantees_hold() {
    use earshot::sentiment::Label;
    let a = analyzer();
    let mut texts = generated_texts();
    texts.extend(
        [
            "Absolutely wonderful, best bakery in town!!!",
            "Worst service ever, rude and filthy, never again!",
            "The coffee was a bit cold.",
            "",
        ]
        .map(String::from),
    );
    for text in &texts {
        let alone = a.score(text).value;
        for stars in [1.0, 1.5, 2.0] {
            let s = a.score_with_rating(text, Some(stars));
            assert_ne!(s.label, Label::Positive, "{text:?} {stars}");
        }
        for stars in [4.0, 4.5, 5.0] {
            let s = a.score_with_rating(text, Some(stars));
            if alone >= -0.5 {
                assert_ne!(s.label, Label::Negative, "{text:?} {stars} {alone}");
            }
        }
    }
}

#[test]
fn property_score_is_deterministic() {
    let (a, b) = (analyzer(), analyzer());
    for text in generated_texts() {
        assert_eq!(a.score(&text), a.score(&text));
        assert_eq!(a.score(&text), b.score(&text));
    }
}

#[test]
fn property_whitespace_and_case_insensitive() {
    let a = analyzer();
    for text in generated_texts() {
        let spaced: String = text.split_whitespace().collect::<Vec<_>>().join("  \n ");
        assert_eq!(a.score(&text), a.score(&spaced), "{text:?}");
        // Case does not matter except for whole words in capitals (emphasis).
        let lower = text.to_lowercase();
        let title: String = lower
            .split(' ')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
            })
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(a.score(&lower).value, a.score(&title).value, "{title:?}");
    }
    assert_eq!(
        a.score("The Food Was Good").value,
        a.score("the food was good").value
    );
}

#[test]
fn pathological_texts_finish_quickly() {
    let a = analyzer();
    let start = std::time::Instant::now();
    for unit in ["but bad ", "back not ", "too x ", "bad. ", "\u{1F644} "] {
        let s = a.score(&unit.repeat(50_000));
        assert!(s.value.is_finite());
    }
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}
