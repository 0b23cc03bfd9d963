//! Names as people sign them, folded into words for matching: case, accents, apostrophes,
//! hyphens and dots do not count ("siobhan oneill" is "Siobhán O'Neill"), "MJ" is two
//! initials, and what platforms add around a name ("via Google", "Local Guide",
//! "Verified Buyer", "(Edited)", a trailing town, emoji) is dropped.
//!
//! Nicknames ("Bob" for Robert) come from `nicknames.csv` beside this file.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The nickname list: formal name first, then its nicknames (see the file's header).
const NICKNAMES_CSV: &str = include_str!("nicknames.csv");

/// Phrases platforms put around a reviewer's name, as folded words.
const DECORATIONS: &[&[&str]] = &[
    &["via", "google"],
    &["via", "facebook"],
    &["via", "tripadvisor"],
    &["via", "yelp"],
    &["via", "trustpilot"],
    &["local", "guide"],
    &["top", "contributor"],
    &["verified", "buyer"],
    &["verified", "purchase"],
    &["verified", "owner"],
    &["verified", "customer"],
    &["verified", "reviewer"],
    &["verified"],
    &["edited"],
    &["reviewer"],
    &["reviews"],
    &["review"],
    &["photos"],
    &["photo"],
    &["level"],
];

/// Titles and suffixes that say nothing about who it is.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "jr", "sr", "ii", "iii", "iv", "phd",
];

/// Name particles a person may leave out ("Jan Berg" for "Jan van der Berg").
pub const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "la", "le", "du", "des", "del", "della", "di", "da", "dos", "das",
    "von", "zu", "ter", "ten", "bin", "binti", "ibn", "al", "el", "y",
];

/// The words of a name: ASCII, lowercase, apostrophes removed, split at spaces, hyphens,
/// dots and other punctuation; a 2–3 letter capitalised word beside ordinary ones ("MJ
/// Watson") is read as initials.
pub fn tokens(text: &str) -> Vec<String> {
    words(text, false)
}

/// Like [`tokens`], but a hyphenated word stays one ("maryjane"), for the second key
/// a hyphenated name is known by.
pub fn tokens_joined(text: &str) -> Vec<String> {
    words(text, true)
}

fn words(text: &str, join_hyphens: bool) -> Vec<String> {
    let kept: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace() || c.is_ascii_punctuation())
        .collect();
    let folded: String = deunicode::deunicode(&kept)
        .chars()
        .filter(|&c| c != '\'' && c != '`' && !(join_hyphens && c == '-'))
        .collect();
    let raw: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let upper = |w: &str| {
        w.bytes().any(|b| b.is_ascii_alphabetic()) && !w.bytes().any(|b| b.is_ascii_lowercase())
    };
    let all_upper = raw
        .iter()
        .filter(|w| w.bytes().any(|b| b.is_ascii_alphabetic()))
        .all(|w| upper(w));
    let mut out = Vec::with_capacity(raw.len());
    for word in raw {
        let initials = !all_upper
            && (2..=3).contains(&word.len())
            && word.bytes().all(|b| b.is_ascii_uppercase());
        if initials {
            out.extend(word.chars().map(|c| c.to_ascii_lowercase().to_string()));
        } else {
            out.push(word.to_ascii_lowercase());
        }
    }
    out
}

/// A name folded to a key that ignores word order: [`tokens`], sorted, space-joined
/// ("Turner, William" and "william turner" both give "turner william").
pub fn normalize_name(text: &str) -> String {
    key(&tokens(text))
}

/// The order-free key of some words.
pub fn key<S: AsRef<str>>(words: &[S]) -> String {
    let mut sorted: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    sorted.join(" ")
}

/// What an author line may mean as a name: all its parts together ("Turner, William"),
/// then without the last part ("Rob S., Leeds" → "Rob S."), then the first alone. Each
/// is a list of words with decorations, titles and numbers removed; empty ones dropped.
pub fn author_readings(author: &str) -> Vec<Vec<String>> {
    let spaced = author.replace(" - ", ",").replace(" / ", ",");
    let parts: Vec<Vec<String>> = spaced
        .split([',', '|', '·', '•', '–', '—', '(', ')', '[', ']', '\n'])
        .map(|part| undecorated(tokens(part)))
        .filter(|words| !words.is_empty())
        .collect();
    let mut readings = Vec::new();
    if parts.is_empty() {
        return readings;
    }
    readings.push(parts.concat());
    if parts.len() > 1 {
        readings.push(parts[..parts.len() - 1].concat());
    }
    if parts.len() > 2 {
        readings.push(parts[0].clone());
    }
    readings
}

/// Words without the platform's decorations, titles or bare numbers.
fn undecorated(mut words: Vec<String>) -> Vec<String> {
    for phrase in DECORATIONS {
        let mut at = 0;
        while at + phrase.len() <= words.len() {
            if words[at..at + phrase.len()]
                .iter()
                .zip(phrase.iter())
                .all(|(w, p)| w == p)
            {
                words.drain(at..at + phrase.len());
            } else {
                at += 1;
            }
        }
    }
    let named = words.len();
    words.retain(|w| {
        let number = w.bytes().all(|b| b.is_ascii_digit());
        let title = named > 1 && TITLES.contains(&w.as_str());
        !number && !title
    });
    words
}

/// The formal names a given name may stand for ("bob" → ["robert"]); empty when it is
/// no known nickname. A formal name maps to nothing: it is its own form.
pub fn formal_names(word: &str) -> &'static [String] {
    nicknames().get(word).map(Vec::as_slice).unwrap_or_default()
}

fn nicknames() -> &'static HashMap<String, Vec<String>> {
    static TABLE: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    TABLE.get_or_init(|| parse_nicknames(NICKNAMES_CSV))
}

fn parse_nicknames(text: &str) -> HashMap<String, Vec<String>> {
    let mut table: HashMap<String, Vec<String>> = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut names = line.split(',').map(|n| n.trim().to_ascii_lowercase());
        let Some(formal) = names.next() else { continue };
        for nick in names.filter(|n| !n.is_empty() && *n != formal) {
            let forms = table.entry(nick).or_default();
            if !forms.contains(&formal) {
                forms.push(formal.clone());
            }
        }
    }
    table
}

/// True for a word that is an initial ("r" of "R. Smith").
pub fn is_initial(word: &str) -> bool {
    word.len() == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn case_accents_apostrophes_hyphens_and_dots_fold_away() {
        assert_eq!(normalize_name("Siobhán O'Neill"), "oneill siobhan");
        assert_eq!(normalize_name("siobhan oneill"), "oneill siobhan");
        assert_eq!(normalize_name("SIOBHÁN O’NEILL"), "oneill siobhan");
        assert_eq!(normalize_name("Zoë-Anne d'Arcy"), "anne darcy zoe");
        assert_eq!(normalize_name("J.R.R. Tolkien"), "j r r tolkien");
        assert_eq!(tokens_joined("Mary-Jane Watson"), ["maryjane", "watson"]);
    }

    #[test]
    fn word_order_does_not_count() {
        assert_eq!(
            normalize_name("Turner, William"),
            normalize_name("William Turner")
        );
        assert_eq!(normalize_name("Wei Li"), normalize_name("Li Wei"));
        assert_eq!(normalize_name("李伟"), "li wei");
    }

    #[test]
    fn short_capitals_beside_a_name_are_initials_but_not_in_a_shouted_name() {
        assert_eq!(tokens("MJ Watson"), ["m", "j", "watson"]);
        assert_eq!(tokens("Watson MJ"), ["watson", "m", "j"]);
        assert_eq!(tokens("LI WEI"), ["li", "wei"]);
        assert_eq!(tokens("Bo Li"), ["bo", "li"]);
    }

    #[test]
    fn platform_decorations_titles_and_trailing_places_are_dropped() {
        let first = |a: &str| author_readings(a).last().cloned().unwrap_or_default();
        assert_eq!(first("Priya Natarajan via Google"), ["priya", "natarajan"]);
        assert_eq!(
            first("Tomasz Kowalski · Local Guide · 112 reviews"),
            ["tomasz", "kowalski"]
        );
        assert_eq!(first("Verified Buyer Ana Lima"), ["ana", "lima"]);
        assert_eq!(first("Ana Lima (Edited)"), ["ana", "lima"]);
        assert_eq!(first("Ana Lima ⭐⭐⭐⭐⭐ 🎂"), ["ana", "lima"]);
        assert_eq!(first("Dr. Ana Lima"), ["ana", "lima"]);
        assert_eq!(first("Rob S., Leeds"), ["rob", "s"]);
        assert_eq!(first("Ann B. - Manchester"), ["ann", "b"]);
        assert_eq!(author_readings("Turner, William")[0], ["turner", "william"]);
        assert_eq!(
            author_readings("Dubois, Amélie - Lyon")[1],
            ["dubois", "amelie"]
        );
        assert!(author_readings("Verified Purchase").is_empty());
    }

    #[test]
    fn nicknames_map_to_formal_names_from_the_shipped_list() {
        assert_eq!(formal_names("bob"), ["robert"]);
        assert_eq!(formal_names("bill"), ["william"]);
        assert!(formal_names("cathy").contains(&"catherine".to_owned()));
        assert!(formal_names("peggy").contains(&"margaret".to_owned()));
        assert!(formal_names("robert").is_empty());
        assert!(formal_names("zebedee").is_empty());
    }

    proptest! {
        #[test]
        fn normalising_is_idempotent_and_ignores_word_order(
            words in proptest::collection::vec("[A-Za-zÀ-ÿ'’.-]{1,8}|[A-Z]{2,3}|😀", 1..5),
            rotate in 0usize..5,
        ) {
            let text = words.join(" ");
            let once = normalize_name(&text);
            prop_assert_eq!(normalize_name(&once), once.clone());
            let mut turned = words.clone();
            let by = rotate % turned.len();
            turned.rotate_left(by);
            turned.reverse();
            prop_assert_eq!(normalize_name(&turned.join(" ")), once);
        }
    }
}
