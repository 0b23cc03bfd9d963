//! The word lists of the rules: word classes and phrase lists, one data file per rule
//! family in `data/words/` (`foods.txt`, `negators.txt`, `defects.tsv`, ...). `build.rs`
//! turns each `[NAME]` list into the constant `NAME` here, so a family can be reviewed
//! and edited without reading Rust, the rules keep plain `&[&str]` slices and nothing is
//! parsed at run time. A mistake in a file (capitals, a duplicate, a list with no comment)
//! stops the build with its file and line.

include!(concat!(env!("OUT_DIR"), "/word_lists.rs"));

/// The build script's reader of the data files, checked here on small examples.
#[cfg(test)]
#[path = "../../build/word_lists.rs"]
mod reader;

#[cfg(test)]
mod tests {
    use super::reader::{generate, Source};

    fn file(path: &str, text: &str) -> Source {
        Source {
            path: path.to_owned(),
            text: text.to_owned(),
        }
    }

    fn errors_of(sources: &[Source]) -> Vec<String> {
        generate(sources).expect_err("the lists have mistakes")
    }

    #[test]
    fn lists_become_documented_constants() {
        let code = generate(&[
            file(
                "words/foods.txt",
                "# Dishes.\n\n# Served hot.\n[HOT_FOODS]\ncoffee  # the usual\ntea\n\n\
                 # Markers.\n[MARKERS: phrases]\nyet again\n",
            ),
            file(
                "words/defects.tsv",
                "# Defects.\n# Cold dishes.\n[DEFECTS]\ncold\thot_food\teither\n\
                 lukewarm\thot_food, cold_food\tafter\n",
            ),
        ])
        .expect("valid lists");
        assert!(
            code.contains("/// Served hot.\n///\n/// From `words/foods.txt` line 4.\n"),
            "{code}"
        );
        assert!(
            code.contains("pub(crate) const HOT_FOODS: &[&str] = &[\"coffee\", \"tea\"];"),
            "{code}"
        );
        assert!(
            code.contains("pub(crate) const MARKERS: &[&[&str]] = &[&[\"yet\", \"again\"]];"),
            "{code}"
        );
        assert!(
            code.contains(
                "pub(crate) const DEFECTS: &[(&str, u8, bool)] = &[(\"cold\", \
                 super::words::HOT_FOOD, true), (\"lukewarm\", super::words::HOT_FOOD | \
                 super::words::COLD_FOOD, false)];"
            ),
            "{code}"
        );
        // The file's opening comment belongs to the family, not to the first list.
        assert!(!code.contains("/// Dishes."), "{code}");
    }

    #[test]
    fn every_mistake_is_reported_with_its_file_and_line() {
        let errors = errors_of(&[file(
            "w/a.txt",
            "# Family.\n\n# Words.\n[WORDS]\nhold\nHold\nhold\n\n[UNDOCUMENTED]\nx\n",
        )]);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("w/a.txt:6: \"Hold\" has capitals")
                && errors[0].contains("write it as \"hold\""),
            "{errors:?}"
        );
        assert_eq!(
            errors[1],
            "w/a.txt:7: \"hold\" is already in WORDS on line 5; list each entry once"
        );
        assert!(
            errors[2].starts_with("w/a.txt:9: the list UNDOCUMENTED needs a comment line"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_file_needs_its_family_comment_and_lists_need_headers() {
        let errors = errors_of(&[file("w/b.txt", "coffee\n# Hot.\n[HOT]\n")]);
        assert!(
            errors[0].starts_with("w/b.txt:1: the file must start with a comment"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("w/b.txt:1: \"coffee\" comes before any [NAME] line"),
            "{errors:?}"
        );
        assert_eq!(
            errors[2],
            "w/b.txt:3: the list HOT is empty; add entries or remove it"
        );
        let errors = errors_of(&[file("w/c.txt", "# F.\n# Bad.\n[hot foods]\nx\n")]);
        assert!(
            errors[0].starts_with("w/c.txt:3: \"hot foods\" is not a list name"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_name_is_defined_once_across_files() {
        let errors = errors_of(&[
            file("w/a.txt", "# F.\n# One.\n[ONE]\nx\n"),
            file("w/b.txt", "# G.\n\n# Again.\n[ONE]\ny\n"),
        ]);
        assert_eq!(
            errors,
            [
                "w/b.txt:4: the list ONE is already defined in w/a.txt line 3; give each list \
              its own name"
            ]
        );
    }

    #[test]
    fn table_rows_are_checked_cell_by_cell() {
        let errors = errors_of(&[file(
            "w/defects.tsv",
            "# Defects.\n# Rows.\n[DEFECTS]\ncold\thot_food\nstale\tbread\teither\n\
             soggy\tfood\tbefore\n",
        )]);
        assert!(
            errors[0].starts_with("w/defects.tsv:4: expected 3 columns"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("w/defects.tsv:5: unknown noun class \"bread\"; use hot_food"),
            "{errors:?}"
        );
        assert!(
            errors[2].starts_with("w/defects.tsv:6: unknown position \"before\""),
            "{errors:?}"
        );
        let errors = errors_of(&[file("w/t.tsv", "# T.\n# Other.\n[OTHER]\na\tb\n")]);
        assert!(
            errors[0].starts_with("w/t.tsv:3: build.rs knows no table OTHER"),
            "{errors:?}"
        );
    }
}
