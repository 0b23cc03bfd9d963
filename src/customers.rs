//! The business's known customers: reading the CSV list, and matching a mention's author
//! to a customer by handle, email or name, with a confidence.
//!
//! Pure code: the store loads customers into a [`CustomerIndex`] and asks it; `import`
//! reads the CSV, all or nothing.

mod import;

use std::collections::HashMap;

pub use import::{parse_csv, parse_csv_bytes, ImportError};

/// Below this confidence a match is only a suggestion for staff, not a link.
pub const LINK_THRESHOLD: f32 = 0.7;

/// Columns the CSV may have (any order; only `name` is required).
pub const COLUMNS: &[&str] = &[
    "name",
    "email",
    "phone",
    "handles",
    "tier",
    "lifetime_value",
    "notes",
];

/// One customer row, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomerRecord {
    /// Full name.
    pub name: String,
    /// Email, lowercased.
    pub email: Option<String>,
    /// Phone as written.
    pub phone: Option<String>,
    /// Handles, lowercased (`@jdoe`, `jdoe@mastodon.social`).
    pub handles: Vec<String>,
    /// Tier, e.g. "A".
    pub tier: Option<String>,
    /// Lifetime value in the business's currency.
    pub lifetime_value: Option<f64>,
    /// Free notes.
    pub notes: Option<String>,
}

/// Handles are space- or `;`-separated; kept lowercase.
pub fn split_handles(text: &str) -> Vec<String> {
    text.split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .map(|h| h.trim().to_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// A name folded for matching: ASCII, lowercase, words only ("José Álvarez-Ruiz" → "jose alvarez ruiz").
pub fn name_key(name: &str) -> String {
    deunicode::deunicode(name)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A candidate customer for a mention.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Candidate {
    /// Customer id.
    pub customer_id: i64,
    /// Customer name.
    pub name: String,
    /// How sure, in [0, 1].
    pub confidence: f32,
    /// Why ("same handle", "initials").
    pub why: String,
}

/// What matching decided for one author.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MatchResult {
    /// The customer to link, when one is clearly meant.
    pub link: Option<Candidate>,
    /// Weaker or ambiguous candidates to show staff.
    pub suggestions: Vec<Candidate>,
}

/// Suggestions listed at most for a first name alone.
const MAX_SUGGESTIONS: usize = 5;

/// Customers indexed by handle, email and name, so every lookup is a hash probe.
#[derive(Debug, Default)]
pub struct CustomerIndex {
    names: HashMap<i64, String>,
    by_handle: HashMap<String, Vec<i64>>,
    by_email: HashMap<String, Vec<i64>>,
    /// The whole folded name.
    by_name: HashMap<String, Vec<i64>>,
    /// "first last" (middle names dropped).
    by_first_last: HashMap<String, Vec<i64>>,
    /// "first l" (initial of the last name).
    by_initial: HashMap<String, Vec<i64>>,
    /// First name alone.
    by_first: HashMap<String, Vec<i64>>,
}

impl CustomerIndex {
    /// Add a customer.
    pub fn insert(&mut self, id: i64, record: &CustomerRecord) {
        self.names.insert(id, record.name.clone());
        for handle in &record.handles {
            self.by_handle
                .entry(handle_key(handle))
                .or_default()
                .push(id);
        }
        if let Some(email) = &record.email {
            self.by_email
                .entry(email.to_lowercase())
                .or_default()
                .push(id);
        }
        let key = name_key(&record.name);
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        if let (Some(first), Some(last)) = (words.first(), words.last()) {
            self.by_first.entry(first.to_string()).or_default().push(id);
            if words.len() > 1 {
                let initial = &last[..1];
                self.by_first_last
                    .entry(format!("{first} {last}"))
                    .or_default()
                    .push(id);
                self.by_initial
                    .entry(format!("{first} {initial}"))
                    .or_default()
                    .push(id);
            }
        }
        self.by_name.entry(key).or_default().push(id);
    }

    /// Number of customers indexed.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no customers are known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Match a mention's author (a name, a handle, an email, or "name (email)").
    pub fn match_author(&self, author: &str) -> MatchResult {
        if self.is_empty() || author.trim().is_empty() {
            return MatchResult::default();
        }
        for word in
            author.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | ','))
        {
            let word =
                word.trim_matches(|c: char| matches!(c, '.' | ':' | ';' | '!' | '?' | '"' | '\''));
            if word.is_empty() {
                continue;
            }
            if word.starts_with('@') || (word.contains('@') && !looks_like_email(word)) {
                if let Some(found) =
                    self.exact(&self.by_handle, &handle_key(word), 1.0, "same handle")
                {
                    return found;
                }
            } else if looks_like_email(word) {
                let email = word.to_lowercase();
                if let Some(found) = self.exact(&self.by_email, &email, 1.0, "same email") {
                    return found;
                }
                if let Some(found) =
                    self.exact(&self.by_handle, &handle_key(&email), 1.0, "same handle")
                {
                    return found;
                }
            }
        }
        self.match_name(&name_key(&strip_contacts(author)))
    }

    fn exact(
        &self,
        index: &HashMap<String, Vec<i64>>,
        key: &str,
        confidence: f32,
        why: &str,
    ) -> Option<MatchResult> {
        let ids = index.get(key)?;
        Some(
            self.decide(
                ids.iter()
                    .map(|&id| (id, confidence, why.to_owned()))
                    .collect(),
            ),
        )
    }

    fn match_name(&self, key: &str) -> MatchResult {
        if key.is_empty() {
            return MatchResult::default();
        }
        if let Some(ids) = self.by_name.get(key) {
            return self.decide(
                ids.iter()
                    .map(|&id| (id, 0.95, "same name".to_owned()))
                    .collect(),
            );
        }
        let words: Vec<&str> = key.split(' ').collect();
        let (first, last) = (words[0], words[words.len() - 1]);
        let (index, confidence, why) = match words.len() {
            1 => (&self.by_first, 0.4, "same first name".to_owned()),
            _ if last.len() == 1 => (
                &self.by_initial,
                0.8,
                format!("initial {}.", last.to_uppercase()),
            ),
            _ => (
                &self.by_first_last,
                0.85,
                "same first and last name".to_owned(),
            ),
        };
        let probe = if words.len() == 1 {
            first.to_owned()
        } else {
            format!("{first} {last}")
        };
        let ids = index.get(&probe).map(Vec::as_slice).unwrap_or_default();
        let found = ids
            .iter()
            .take(MAX_SUGGESTIONS)
            .map(|&id| (id, confidence, why.clone()))
            .collect();
        self.decide(found)
    }

    /// One clear best candidate above the threshold links; ties and weak ones are suggestions.
    fn decide(&self, mut found: Vec<(i64, f32, String)>) -> MatchResult {
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.dedup_by_key(|f| f.0);
        let candidates: Vec<Candidate> = found
            .into_iter()
            .map(|(id, confidence, why)| Candidate {
                customer_id: id,
                name: self.names.get(&id).cloned().unwrap_or_default(),
                confidence,
                why,
            })
            .collect();
        let Some(best) = candidates.first() else {
            return MatchResult::default();
        };
        let tied = candidates
            .iter()
            .filter(|c| c.confidence >= best.confidence)
            .count()
            > 1;
        if best.confidence >= LINK_THRESHOLD && !tied {
            MatchResult {
                link: Some(best.clone()),
                suggestions: candidates[1..].to_vec(),
            }
        } else {
            let suggestions = candidates
                .into_iter()
                .map(|mut c| {
                    if tied {
                        c.why = format!("{} (several customers have this name)", c.why);
                    }
                    c
                })
                .collect();
            MatchResult {
                link: None,
                suggestions,
            }
        }
    }
}

fn looks_like_email(word: &str) -> bool {
    match word.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.')
        }
        None => false,
    }
}

/// Handles compare without the leading `@` and in lowercase.
fn handle_key(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

/// "Jane Doe (jane@x.test)" → "Jane Doe": contacts are matched separately.
fn strip_contacts(author: &str) -> String {
    author
        .split_whitespace()
        .filter(|w| !w.contains('@'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(rows: &[(i64, &str, &str, &str)]) -> CustomerIndex {
        let mut index = CustomerIndex::default();
        for &(id, name, email, handles) in rows {
            let record = CustomerRecord {
                name: name.into(),
                email: Some(email.to_owned()).filter(|e| !e.is_empty()),
                handles: split_handles(handles),
                ..Default::default()
            };
            index.insert(id, &record);
        }
        index
    }

    fn sample() -> CustomerIndex {
        index(&[
            (1, "Jane Doe", "jane@doe.test", "@janed"),
            (2, "José Álvarez", "", ""),
            (3, "Sam Lee", "sam@a.test", ""),
            (4, "Sam Lee", "sam@b.test", ""),
            (
                5,
                "Mara Okafor",
                "",
                "@mara_eats mara_eats@mastodon.example",
            ),
        ])
    }

    fn linked(author: &str) -> Option<(i64, f32)> {
        sample()
            .match_author(author)
            .link
            .map(|c| (c.customer_id, c.confidence))
    }

    #[test]
    fn handles_and_emails_link_with_full_confidence() {
        assert_eq!(linked("@JaneD"), Some((1, 1.0)));
        assert_eq!(linked("jane@doe.test (Jane)"), Some((1, 1.0)));
        assert_eq!(linked("mara_eats@mastodon.example"), Some((5, 1.0)));
        assert_eq!(linked("@mara_eats"), Some((5, 1.0)));
    }

    #[test]
    fn names_match_across_case_accents_punctuation_and_initials() {
        assert_eq!(linked("jane doe").map(|l| l.0), Some(1));
        assert_eq!(linked("Jose Alvarez").map(|l| l.0), Some(2));
        assert_eq!(linked("JOSÉ ÁLVAREZ").map(|l| l.0), Some(2));
        assert_eq!(linked("Jane D.").map(|l| l.0), Some(1));
        assert_eq!(linked("Mara O"), Some((5, 0.8)));
    }

    #[test]
    fn ambiguous_names_only_suggest_both() {
        let result = sample().match_author("Sam Lee");
        assert_eq!(result.link, None);
        let ids: Vec<i64> = result.suggestions.iter().map(|c| c.customer_id).collect();
        assert_eq!(ids, [3, 4]);
        assert!(result.suggestions[0].why.contains("several customers"));
    }

    #[test]
    fn weak_or_absent_matches_do_not_link() {
        let first_only = sample().match_author("Jane");
        assert_eq!(first_only.link, None);
        assert_eq!(first_only.suggestions[0].customer_id, 1);
        assert_eq!(sample().match_author("Jane Smith"), MatchResult::default());
        assert_eq!(sample().match_author("@nobody"), MatchResult::default());
        assert_eq!(sample().match_author(""), MatchResult::default());
    }

    #[test]
    fn csv_rows_are_validated_with_line_numbers() {
        let text = "name,email,lifetime_value\nAnn,ann@x.test,\"$3,200\"\n,b@x.test,10\nCid,c@x.test,lots\n";
        match parse_csv(text, "c.csv") {
            Err(ImportError::BadRows { problems, .. }) => {
                assert_eq!(problems.len(), 2);
                assert!(
                    problems[0].starts_with("line 3: missing name"),
                    "{problems:?}"
                );
                assert!(
                    problems[1].starts_with("line 4: lifetime_value 'lots'"),
                    "{problems:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let good = parse_csv(
            "name,lifetime_value,handles\nAnn,\"$3,200.50\",@a;@b\n",
            "c.csv",
        )
        .unwrap();
        assert_eq!(good[0].lifetime_value, Some(3200.5));
        assert_eq!(good[0].handles, ["@a", "@b"]);
    }

    #[test]
    fn unknown_columns_and_missing_name_column_are_refused() {
        let unknown = parse_csv("name,birthday\nAnn,May\n", "c.csv").unwrap_err();
        assert!(unknown.to_string().contains("unknown column 'birthday'"));
        let no_name = parse_csv("email\nx@y.test\n", "c.csv").unwrap_err();
        assert_eq!(
            no_name,
            ImportError::NoNameColumn {
                path: "c.csv".into()
            }
        );
    }

    #[test]
    fn name_key_is_idempotent() {
        let once = name_key("  José  Álvarez-Ruiz, Jr. ");
        assert_eq!(once, "jose alvarez ruiz jr");
        assert_eq!(name_key(&once), once);
    }
}
