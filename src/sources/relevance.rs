//! Does an item name the business? Case- and accent-insensitive, whole words, handles.

/// The business's names, pre-normalised for fast matching.
#[derive(Debug, Clone)]
pub struct Relevance {
    /// Each name as " tok tok " so a substring match is a whole-word match.
    patterns: Vec<String>,
}

impl Relevance {
    /// Build from the business name and aliases.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Relevance {
        let patterns = names
            .into_iter()
            .map(normalise)
            .filter(|p| p.trim() != "")
            .collect();
        Relevance { patterns }
    }

    /// True when any of the texts names the business.
    pub fn mentions<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> bool {
        // No names (an empty `[business] exclude`): nothing to fold the texts for.
        if self.patterns.is_empty() {
            return false;
        }
        texts.into_iter().any(|text| {
            let haystack = normalise(text);
            self.patterns.iter().any(|p| haystack.contains(p.as_str()))
        })
    }
}

/// Fold to " token token " form: ASCII-folded, lowercase, split on anything but letters and
/// digits; `@` starts a handle token only at a word start (so `a@b.com` is not `@b`).
pub fn normalise(text: &str) -> String {
    let folded = deunicode::deunicode(text).to_lowercase();
    let mut out = String::with_capacity(folded.len() + 2);
    out.push(' ');
    let mut prev_alnum = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_alnum = true;
        } else {
            if !out.ends_with(' ') {
                out.push(' ');
            }
            if c == '@' && !prev_alnum {
                out.push('@');
            }
            prev_alnum = false;
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bakery() -> Relevance {
        Relevance::new(["Harbor Street Bakery", "Harbor St Bakery", "@harborbakery"])
    }

    #[test]
    fn matches_case_and_accent_insensitively() {
        assert!(bakery().mentions(["Loved HARBOR STREET BAKERY today"]));
        assert!(bakery().mentions(["Hârbor Street Bâkery's buns"]));
        assert!(bakery().mentions(["harbor st. bakery again"]));
    }

    #[test]
    fn matches_handles_only_as_handles() {
        assert!(bakery().mentions(["thanks @HarborBakery!"]));
        assert!(!bakery().mentions(["mail me at ann@harborbakery.test"]));
    }

    #[test]
    fn requires_whole_words() {
        assert!(!bakery().mentions(["Harbor Street Bakeryland opens"]));
        assert!(!bakery().mentions(["Harbor Street Books is closing"]));
        assert!(!bakery().mentions(["a lovely harbor"]));
    }

    #[test]
    fn normalise_is_idempotent() {
        let once = normalise("Café @Harbor, St.");
        assert_eq!(normalise(&once), once);
    }
}
