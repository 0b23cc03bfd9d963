//! The business's known customers: reading the CSV list, and matching a mention's author
//! to a customer by handle, email or name, with a confidence.
//!
//! Pure code: the store loads customers into a [`CustomerIndex`] and asks it; `import`
//! reads the CSV, all or nothing.

pub mod eval;
pub mod handles;
mod import;
mod matcher;
pub mod names;

pub use import::{
    parse_csv, parse_csv_bytes, parse_customers, read_customers, ColumnMap, CustomerFile,
    ImportError,
};
pub use matcher::CustomerIndex;

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
    /// Handles, lowercased (`@jdoe`, `bluesky:@jdoe`, `mastodon:@jdoe@mastodon.social`, `reddit:u/jdoe`).
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
    fn names_match_across_case_accents_punctuation_and_order() {
        assert_eq!(linked("jane doe").map(|l| l.0), Some(1));
        assert_eq!(linked("Jose Alvarez").map(|l| l.0), Some(2));
        assert_eq!(linked("JOSÉ ÁLVAREZ").map(|l| l.0), Some(2));
        assert_eq!(linked("Doe, Jane").map(|l| l.0), Some(1));
        assert_eq!(linked("Okafor Mara"), Some((5, 0.95)));
    }

    /// Eight customers and the ways people sign: the set issue 14 was reported with.
    fn signers() -> CustomerIndex {
        index(&[
            (
                1,
                "Robert Smith",
                "rob@smith.test",
                "bluesky:@robsmith.bsky.social",
            ),
            (2, "William Turner", "", "reddit:u/wturner"),
            (3, "Mary-Jane Watson", "", "mastodon:@mj@social.example"),
            (4, "Siobhán O'Neill", "siobhan@oneill.test", ""),
            (5, "Li Wei", "", "@liwei"),
            (6, "Catherine Zeta", "", ""),
            (7, "Amélie Dubois", "", ""),
            (8, "Margaret van der Berg", "", ""),
        ])
    }

    fn link_of(author: &str) -> Option<i64> {
        signers().match_author(author).link.map(|c| c.customer_id)
    }

    fn suggested(author: &str) -> Vec<i64> {
        let result = signers().match_author(author);
        assert_eq!(result.link, None, "{author} should not link");
        result.suggestions.iter().map(|c| c.customer_id).collect()
    }

    #[test]
    fn apostrophes_accents_and_word_order_link() {
        assert_eq!(link_of("siobhan oneill"), Some(4));
        assert_eq!(link_of("O’Neill, Siobhan"), Some(4));
        assert_eq!(link_of("Wei Li"), Some(5));
        assert_eq!(link_of("LI WEI"), Some(5));
        assert_eq!(link_of("Turner, William"), Some(2));
        assert_eq!(link_of("mary jane watson"), Some(3));
        assert_eq!(link_of("Maryjane Watson"), Some(3));
    }

    #[test]
    fn nicknames_from_the_list_link_to_the_formal_name() {
        for author in ["Bob Smith", "Rob Smith", "Robbie Smith"] {
            assert_eq!(link_of(author), Some(1), "{author}");
        }
        assert_eq!(link_of("Bill Turner"), Some(2));
        assert_eq!(link_of("Will Turner"), Some(2));
        assert_eq!(link_of("Cathy Zeta"), Some(6));
        assert_eq!(link_of("Peggy van der Berg"), Some(8));
        assert_eq!(link_of("Margaret Berg"), Some(8));
        assert_eq!(link_of("Liz Smith"), None);
    }

    #[test]
    fn initials_on_either_side_only_suggest() {
        assert_eq!(suggested("R. Smith"), [1]);
        assert_eq!(suggested("Smith R."), [1]);
        assert_eq!(suggested("MJ Watson"), [3]);
        assert_eq!(suggested("Dubois A."), [7]);
        assert_eq!(suggested("Rob S."), [1]);
        assert_eq!(suggested("Amélie D"), [7]);
        assert_eq!(suggested("C. Zeta"), [6]);
    }

    #[test]
    fn decorations_and_trailing_places_are_ignored() {
        assert_eq!(link_of("Robert Smith via Google"), Some(1));
        assert_eq!(
            link_of("Catherine Zeta · Local Guide · 48 reviews"),
            Some(6)
        );
        assert_eq!(link_of("Verified Buyer: Amélie Dubois"), Some(7));
        assert_eq!(link_of("Amelie Dubois (Edited)"), Some(7));
        assert_eq!(link_of("William Turner 🍰✨"), Some(2));
        assert_eq!(link_of("Bill Turner, Leeds"), Some(2));
        assert_eq!(link_of("Li Wei - Manchester"), Some(5));
        assert_eq!(suggested("Rob S., Leeds"), [1]);
        assert_eq!(suggested("Ann B. - Manchester"), Vec::<i64>::new());
    }

    #[test]
    fn handles_link_on_their_own_platform_and_plain_ones_on_any() {
        assert_eq!(link_of("@robsmith.bsky.social"), Some(1));
        assert_eq!(link_of("@robsmith"), Some(1));
        assert_eq!(link_of("u/wturner"), Some(2));
        assert_eq!(link_of("@wturner"), None);
        assert_eq!(link_of("@mj@social.example"), Some(3));
        assert_eq!(suggested("@mj"), [3]);
        assert_eq!(link_of("u/liwei"), Some(5));
        assert_eq!(link_of("@liwei@mastodon.example"), Some(5));
    }

    #[test]
    fn bare_emails_link_by_the_customers_email() {
        assert_eq!(link_of("rob@smith.test"), Some(1));
        assert_eq!(link_of("SIOBHAN@ONEILL.TEST"), Some(4));
        assert_eq!(link_of("siobhan@oneill.test Someone Else"), Some(4));
        assert_eq!(link_of("stranger@elsewhere.test"), None);
    }

    #[test]
    fn part_of_a_name_or_one_word_only_suggests() {
        assert_eq!(suggested("Mary Watson"), [3]);
        assert_eq!(suggested("Margaret"), [8]);
        assert_eq!(suggested("Robert"), [1]);
        assert_eq!(suggested("Catherine Zeta Jones"), [6]);
        assert_eq!(suggested("Robert Smithson"), Vec::<i64>::new());
    }

    #[test]
    fn two_customers_who_both_fit_are_never_linked() {
        let index = index(&[
            (1, "Robert Smith", "", ""),
            (2, "Bob Smith", "", ""),
            (3, "Rachel Smith", "", ""),
        ]);
        let bob = index.match_author("Bob Smith");
        assert_eq!(bob.link, None);
        assert_eq!(bob.suggestions.len(), 2);
        assert!(bob.suggestions[0].why.contains("several customers"));
        let r = index.match_author("R. Smith");
        assert_eq!(r.link, None);
        // Rachel, Robert, and Bob (a Robert too).
        assert_eq!(r.suggestions.len(), 3);
        assert_eq!(index.match_author("Robert Smith").link, None);
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
        assert_eq!(sample().match_author("Jane D.").link, None);
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
    fn unknown_columns_are_set_aside_and_a_missing_name_column_is_refused() {
        let file =
            parse_customers("name,birthday\nAnn,May\n", "c.csv", &ColumnMap::default()).unwrap();
        assert_eq!(file.records[0].name, "Ann");
        assert_eq!(file.ignored, ["birthday"]);
        let no_name = parse_csv("email\nx@y.test\n", "c.csv").unwrap_err();
        assert_eq!(
            no_name,
            ImportError::NoNameColumn {
                path: "c.csv".into()
            }
        );
    }

    #[test]
    fn handles_with_an_unknown_platform_are_refused_naming_the_forms() {
        let good = parse_csv(
            "name,handles\nAnn,bluesky:@ann.bsky.social;mastodon:@ann@m.example reddit:u/ann @ann\n",
            "c.csv",
        )
        .unwrap();
        assert_eq!(good[0].handles.len(), 4);
        let bad = parse_csv("name,handles\nAnn,twitter:@ann\n", "c.csv").unwrap_err();
        let text = bad.to_string();
        assert!(text.contains("line 2: handle 'twitter:@ann'"), "{text}");
        assert!(text.contains("reddit:u/name"), "{text}");
    }

    #[test]
    fn name_key_is_idempotent() {
        let once = name_key("  José  Álvarez-Ruiz, Jr. ");
        assert_eq!(once, "jose alvarez ruiz jr");
        assert_eq!(name_key(&once), once);
    }
}
