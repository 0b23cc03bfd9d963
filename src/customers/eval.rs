//! Measuring customer linking on a labelled file: each line is `author<TAB>email`, the
//! email of the customer the author is, or nothing for a stranger. Precision and recall
//! are of automatic links; "suggested" counts the right customer linked or suggested.

use super::CustomerIndex;

/// Why a labelled file cannot be evaluated.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EvalError {
    /// A line is not `author<TAB>email`.
    #[error("{path} line {line}: expected `author<TAB>email` (leave the email empty for someone who is not a customer)")]
    BadLine {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
    },
    /// The expected email belongs to no customer.
    #[error("{path} line {line}: no customer has the email '{email}'; import the matching customer file first (`earshot customers import FILE`)")]
    UnknownEmail {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// The email.
        email: String,
    },
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkEval {
    /// Labelled authors read.
    pub authors: usize,
    /// Authors labelled with a customer.
    pub customers: usize,
    /// Automatic links made.
    pub linked: usize,
    /// Automatic links to the labelled customer.
    pub right: usize,
    /// Authors whose customer was linked or suggested.
    pub suggested: usize,
    /// "author: linked to X, expected Y" for every wrong link.
    pub wrong: Vec<String>,
    /// Authors whose customer was suggested but not linked.
    pub only_suggested: Vec<String>,
    /// Authors whose customer was neither linked nor suggested.
    pub missed: Vec<String>,
}

impl LinkEval {
    /// Right links among all automatic links (1 when none were made).
    pub fn precision(&self) -> f64 {
        ratio(self.right, self.linked)
    }

    /// Customers' authors linked to them automatically.
    pub fn recall(&self) -> f64 {
        ratio(self.right, self.customers)
    }

    /// Customers' authors whose customer was linked or suggested.
    pub fn suggested_share(&self) -> f64 {
        ratio(self.suggested, self.customers)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// Evaluate `index` on the labelled `text` read from `path`.
pub fn evaluate(index: &CustomerIndex, text: &str, path: &str) -> Result<LinkEval, EvalError> {
    let mut by_email = std::collections::HashSet::new();
    let mut eval = LinkEval::default();
    for (number, line) in text.lines().enumerate() {
        let line_no = number + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((author, email)) = line.split_once('\t') else {
            return Err(EvalError::BadLine {
                path: path.into(),
                line: line_no,
            });
        };
        if email.contains('\t') || author.trim().is_empty() {
            return Err(EvalError::BadLine {
                path: path.into(),
                line: line_no,
            });
        }
        let email = email.trim().to_lowercase();
        let result = index.match_author(author);
        eval.authors += 1;
        let linked_email = result
            .link
            .as_ref()
            .and_then(|c| index.email(c.customer_id));
        if result.link.is_some() {
            eval.linked += 1;
        }
        if email.is_empty() {
            if let Some(link) = &result.link {
                eval.wrong.push(format!(
                    "{author}: linked to {}, expected no one",
                    link.name
                ));
            }
            continue;
        }
        if by_email.is_empty() {
            by_email = index.emails().map(str::to_owned).collect();
        }
        if !by_email.contains(&email) {
            return Err(EvalError::UnknownEmail {
                path: path.into(),
                line: line_no,
                email,
            });
        }
        eval.customers += 1;
        let is_right = |id: i64| index.email(id) == Some(email.as_str());
        match &result.link {
            Some(_) if linked_email == Some(email.as_str()) => eval.right += 1,
            Some(link) => eval.wrong.push(format!(
                "{author}: linked to {}, expected {email}",
                link.name
            )),
            None => {}
        }
        let offered = result.link.iter().chain(&result.suggestions);
        if offered.clone().any(|c| is_right(c.customer_id)) {
            eval.suggested += 1;
            if result.link.is_none() {
                eval.only_suggested
                    .push(format!("{author}: expected {email}"));
            }
        } else {
            eval.missed.push(format!("{author}: expected {email}"));
        }
    }
    Ok(eval)
}

/// The evaluation as a few lines for the terminal.
pub fn report(eval: &LinkEval) -> String {
    let mut text = format!(
        "{} authors, {} of them customers.\n\
         Automatic links: {} made, {} right: precision {:.3}, recall {:.3}.\n\
         Right customer linked or suggested: {} of {} ({:.3}).\n",
        eval.authors,
        eval.customers,
        eval.linked,
        eval.right,
        eval.precision(),
        eval.recall(),
        eval.suggested,
        eval.customers,
        eval.suggested_share()
    );
    for (title, lines) in [
        ("Wrong links", &eval.wrong),
        ("Suggested, not linked", &eval.only_suggested),
        ("Not linked or suggested", &eval.missed),
    ] {
        if !lines.is_empty() {
            text.push_str(&format!("{title}:\n"));
            for line in lines {
                text.push_str(&format!("  {line}\n"));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::CustomerRecord;

    fn index() -> CustomerIndex {
        let mut index = CustomerIndex::default();
        for (id, name, email) in [
            (1, "Ines Duarte", "ines@x.test"),
            (2, "Odile Roux", "odile@x.test"),
        ] {
            let record = CustomerRecord {
                name: name.into(),
                email: Some(email.into()),
                ..Default::default()
            };
            index.insert(id, &record);
        }
        index
    }

    #[test]
    fn links_suggestions_and_strangers_are_counted() {
        let text = "# comment\nInes Duarte\tines@x.test\nO. Roux\todile@x.test\nOdile\t\nIvo Roux\tines@x.test\n";
        let eval = evaluate(&index(), text, "l.tsv").unwrap();
        assert_eq!(
            (eval.authors, eval.customers, eval.linked, eval.right),
            (4, 3, 1, 1)
        );
        assert_eq!(eval.suggested, 2);
        assert_eq!(eval.precision(), 1.0);
        assert!((eval.recall() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(eval.missed, ["Ivo Roux: expected ines@x.test"]);
        assert!(report(&eval).contains("precision 1.000, recall 0.333"));
    }

    #[test]
    fn bad_lines_and_unknown_emails_name_the_line() {
        let bad = evaluate(&index(), "Ines Duarte ines@x.test\n", "l.tsv").unwrap_err();
        assert_eq!(bad.to_string().split(':').next(), Some("l.tsv line 1"));
        let unknown = evaluate(&index(), "\nInes\tnobody@x.test\n", "l.tsv").unwrap_err();
        assert!(unknown
            .to_string()
            .starts_with("l.tsv line 2: no customer has the email 'nobody@x.test'"));
    }
}
