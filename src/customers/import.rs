//! Reading the customer CSV, all or nothing: the bytes are decoded (UTF-8, or UTF-16 with
//! a byte-order mark), every row is checked, and any problem (a quote never closed, a row
//! with too many or too few cells, an email that is not one, two rows for one customer
//! that disagree) refuses the whole file, naming the line and the column.
//!
//! Files come as a till or booking system exports them: the delimiter (`,` `;` or tab) is
//! read off the header line, the column headings may be the system's own ("Full Name",
//! "E-mail") when `[customers.columns]` maps them ([`ColumnMap`]), and columns Earshot
//! has no use for are set aside and named once ([`CustomerFile::notice`]).

use std::collections::HashMap;

use super::{name_key, split_handles, CustomerRecord, COLUMNS};

/// Why a customer file cannot be imported. Nothing is imported when any row is bad.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ImportError {
    /// The file could not be read or is not CSV.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The bytes are not text Earshot can read.
    #[error("{path} line {line}: {reason}; nothing imported. In Excel use Save As → \"CSV UTF-8 (Comma delimited)\"; in other programs choose the UTF-8 encoding")]
    Encoding {
        /// The file.
        path: String,
        /// 1-based line of the first unreadable byte.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The header line does not fit the column mapping.
    #[error("{path} line 1: {message}")]
    Header {
        /// The file.
        path: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// No `name` column.
    #[error("{path} line 1: the header has no 'name' column; the first line must name the columns, e.g. name,email,tier,lifetime_value (or, for a file exported from another system, name its column in config: [customers.columns] name = \"Full Name\")")]
    NoNameColumn {
        /// The file.
        path: String,
    },
    /// Bad rows, each with its line number and what is wrong.
    #[error("{path}: nothing imported, fix these rows and import again:\n{}", .problems.join("\n"))]
    BadRows {
        /// The file.
        path: String,
        /// "line 7: missing name" …
        problems: Vec<String>,
    },
}

/// Which column of a customer file holds which field: the heading `[customers.columns]`
/// gives, else the field's own name (`email`). Headings match without regard to case,
/// spaces, dashes or underscores ("Lifetime Value" is `lifetime_value`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnMap {
    mapped: Vec<(&'static str, String)>,
}

impl ColumnMap {
    /// Read `field` from the column headed `heading`; `Err` names the field that column
    /// is already mapped to.
    pub fn map(&mut self, field: &'static str, heading: &str) -> Result<(), &'static str> {
        if let Some((other, _)) = self.mapped.iter().find(|(_, h)| fold(h) == fold(heading)) {
            return Err(other);
        }
        self.mapped.push((field, heading.to_owned()));
        Ok(())
    }

    /// The heading `field` is read from, and whether the owner chose it.
    fn heading(&self, field: &'static str) -> (&str, bool) {
        match self.mapped.iter().find(|(f, _)| *f == field) {
            Some((_, heading)) => (heading, true),
            None => (field, false),
        }
    }
}

/// A heading as compared: lowercase, with spaces, dashes and underscores alike.
fn fold(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// A customer file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerFile {
    /// Its customers, validated.
    pub records: Vec<CustomerRecord>,
    /// Headings of the columns no field is read from, as written in the file.
    pub ignored: Vec<String>,
}

impl CustomerFile {
    /// One line naming the columns set aside, if any.
    pub fn notice(&self) -> Option<String> {
        if self.ignored.is_empty() {
            return None;
        }
        let n = self.ignored.len();
        let names: Vec<String> = self.ignored.iter().map(|h| format!("'{h}'")).collect();
        Some(format!(
            "Ignored {n} column{} Earshot does not use: {}. To import one, name it in config under [customers.columns], e.g. tier = \"{}\" (the fields are {}).",
            if n == 1 { "" } else { "s" },
            names.join(", "),
            self.ignored[0],
            COLUMNS.join(", ")
        ))
    }
}

/// Decode a customer file's bytes (UTF-8, with or without a BOM, or UTF-16 with a BOM as
/// Excel's "Unicode text" writes) and parse it with [`parse_csv`].
pub fn parse_csv_bytes(bytes: &[u8], path: &str) -> Result<Vec<CustomerRecord>, ImportError> {
    read_customers(bytes, path, &ColumnMap::default()).map(|file| file.records)
}

/// Decode and parse a customer file exported from another system, its columns mapped by
/// `columns`.
pub fn read_customers(
    bytes: &[u8],
    path: &str,
    columns: &ColumnMap,
) -> Result<CustomerFile, ImportError> {
    let text = decode(bytes).map_err(|(line, reason)| ImportError::Encoding {
        path: path.into(),
        line,
        reason,
    })?;
    parse_customers(&text, path, columns)
}

fn decode(bytes: &[u8]) -> Result<String, (usize, String)> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            let at = text.find('\u{FFFD}').unwrap_or(0);
            return Err((
                line_at(&text, at),
                format!("this line is not valid {} text", encoding.name()),
            ));
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains('\0') => Err((
            line_at(text, text.find('\0').unwrap_or(0)),
            "the file looks like UTF-16 text without a byte-order mark".into(),
        )),
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            Err((
                line,
                format!(
                    "this line is not UTF-8 text (byte {} of the file; perhaps an accented letter saved in another encoding)",
                    e.valid_up_to() + 1
                ),
            ))
        }
    }
}

/// The line a record starts on. In a file with Windows (CRLF) line ends the csv reader
/// ends a record at its `\r` and counts the `\n` into the next one, so its own line
/// number is one short: count from the byte offset, past that `\n`.
fn line_of(text: &str, position: Option<&csv::Position>) -> u64 {
    let bytes = text.as_bytes();
    let offset = position.map_or(0, |p| p.byte());
    let mut offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    if offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n') {
        offset += 1;
    }
    bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Parse a customer CSV with the plain column names (all rows validated; any bad row
/// fails the whole file; columns Earshot does not use are ignored).
pub fn parse_csv(text: &str, path: &str) -> Result<Vec<CustomerRecord>, ImportError> {
    parse_customers(text, path, &ColumnMap::default()).map(|file| file.records)
}

/// Parse customer text, its columns mapped by `columns`.
pub fn parse_customers(
    text: &str,
    path: &str,
    columns: &ColumnMap,
) -> Result<CustomerFile, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff_delimiter(text);
    if let Some(line) = unclosed_quote(text, delimiter) {
        return Err(ImportError::BadRows {
            path: path.into(),
            problems: vec![format!(
                "line {line}: a quote (\") opened on this line is never closed, so the rows after it would be read as part of one cell; close it, or write a quote inside a value as two (\"\")"
            )],
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Read {
            path: path.into(),
            reason: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let layout = Layout::of(&header, columns).map_err(|message| match message {
        None => ImportError::NoNameColumn { path: path.into() },
        Some(message) => ImportError::Header {
            path: path.into(),
            message,
        },
    })?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(csv_problem(&e, &header, delimiter, text));
                continue;
            }
        };
        let line = line_of(text, row.position());
        if row.iter().all(|f| f.is_empty()) {
            continue;
        }
        let field = |name: &str| {
            layout
                .column(name)
                .and_then(|i| row.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if let Some(column) = layout
            .fields
            .iter()
            .filter(|(f, _)| *f != "notes")
            .find(|(_, i)| row.get(*i).is_some_and(|v| v.contains(['\r', '\n'])))
            .map(|(f, _)| f)
        {
            problems.push(format!(
                "line {line}: the {column} has a line break in it; only notes may span lines (is a quote (\") on this line misplaced?)"
            ));
            continue;
        }
        match record_from(field) {
            Ok(record) => rows.push((line, record)),
            Err(problem) => problems.push(format!("line {line}: {problem}")),
        }
    }
    let records = merge_duplicates(rows, &mut problems);
    if problems.is_empty() {
        Ok(CustomerFile {
            records,
            ignored: layout.ignored,
        })
    } else {
        Err(ImportError::BadRows {
            path: path.into(),
            problems,
        })
    }
}

/// Where each field is in a file, and the columns no field reads.
struct Layout {
    fields: Vec<(&'static str, usize)>,
    ignored: Vec<String>,
}

impl Layout {
    /// Match the header against the mapping. `Err(None)`: there is no name column;
    /// `Err(Some(message))`: a mapped heading is missing or a heading is there twice.
    fn of(header: &[String], columns: &ColumnMap) -> Result<Layout, Option<String>> {
        let mut fields = Vec::new();
        for &field in COLUMNS {
            let (heading, chosen) = columns.heading(field);
            let found: Vec<usize> = (0..header.len())
                .filter(|&i| fold(&header[i]) == fold(heading))
                .collect();
            match (found.as_slice(), chosen) {
                ([], false) if field == "name" => return Err(None),
                ([], false) => {}
                ([], true) => {
                    return Err(Some(format!(
                        "there is no column '{heading}', which [customers.columns] {field} names; the file's columns are: {}. Correct the heading in the config, or remove the line to import no {field}",
                        header.join(", ")
                    )))
                }
                ([i], _) => fields.push((field, *i)),
                ([first, second, ..], _) => {
                    return Err(Some(format!(
                        "columns {} and {} are both headed '{}'; rename one so Earshot knows which holds the {field}",
                        first + 1,
                        second + 1,
                        header[*first]
                    )))
                }
            }
        }
        let ignored = (0..header.len())
            .filter(|i| fields.iter().all(|(_, used)| used != i))
            .map(|i| match header[i].as_str() {
                "" => format!("column {} (no heading)", i + 1),
                heading => heading.to_owned(),
            })
            .collect();
        Ok(Layout { fields, ignored })
    }

    fn column(&self, field: &str) -> Option<usize> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, i)| *i)
    }
}

/// The delimiter the header line uses most: `,` `;` or tab (outside quotes), `,` when
/// none or on a tie.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    for b in header.bytes() {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            if let Some(count) = counts.iter_mut().find(|(d, _)| *d == b) {
                count.1 += 1;
            }
        }
    }
    // Stable: the first of equal counts (the comma) wins.
    counts
        .iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| *d)
}

/// The delimiter as a person names it.
fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    }
}

fn csv_problem(error: &csv::Error, header: &[String], delimiter: u8, text: &str) -> String {
    let name = delimiter_name(delimiter);
    let line = line_of(text, error.position());
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            let what = if len > expected_len {
                let example = match delimiter {
                    b';' => "\"Smith; Ann\"",
                    b'\t' => "\"Smith Ann\"",
                    _ => "\"Smith, Ann\"",
                };
                format!("a {name} inside a value needs the value in double quotes, e.g. {example}")
            } else {
                format!("add the missing cells (leave them empty between {name}s if unknown)")
            };
            let count = len;
            format!(
                "line {line}: {count} cells, but the header has {expected_len} ({}); {what}",
                header.join(", ")
            )
        }
        _ => format!("line {line}: not valid CSV ({error})"),
    }
}

/// The line of a quote that opens a quoted cell and is still open at the end of the text,
/// read as the csv reader reads (a quote opens a cell only at its start; `""` inside a
/// quoted cell is a quote).
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut line, mut opened_on) = (1, 0);
    let (mut in_quotes, mut at_start) = (false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
        }
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
        } else if b == delimiter || matches!(b, b'\n' | b'\r') {
            at_start = true;
        } else if b == b'"' && at_start {
            in_quotes = true;
            opened_on = line;
            at_start = false;
        } else {
            at_start = false;
        }
        i += 1;
    }
    in_quotes.then_some(opened_on)
}

/// Who a row is about, as the store matches it: the email, or without one the name.
fn identity(record: &CustomerRecord) -> String {
    match &record.email {
        Some(email) => format!("the email {email}"),
        None => format!("the name '{}' (no email)", name_key(&record.name)),
    }
}

/// Rows identical in every field are one customer, kept once. Two rows about one customer
/// that disagree are refused: importing both would keep only the last, silently. So is a
/// row without an email that shares its name with another row, which the store would merge.
fn merge_duplicates(
    rows: Vec<(u64, CustomerRecord)>,
    problems: &mut Vec<String>,
) -> Vec<CustomerRecord> {
    let mut seen: HashMap<String, (u64, usize)> = HashMap::new();
    let mut names: HashMap<String, (u64, bool)> = HashMap::new();
    let mut records: Vec<CustomerRecord> = Vec::with_capacity(rows.len());
    for (line, record) in rows {
        let key = identity(&record);
        if let Some(&(earlier, index)) = seen.get(&key) {
            if records[index] != record {
                problems.push(format!(
                    "line {line}: {key} is also on line {earlier}, with different details; keep one row per customer"
                ));
            }
            continue;
        }
        let has_email = record.email.is_some();
        let name = name_key(&record.name);
        match names.get(&name) {
            Some(&(earlier, earlier_has_email)) if !has_email || !earlier_has_email => {
                problems.push(format!(
                    "line {line}: '{}' has the same name as line {earlier} and one of them has no email, so the import would merge the two; add the missing email, or delete one of the rows",
                    record.name
                ));
                continue;
            }
            Some(_) => {}
            None => {
                names.insert(name, (line, has_email));
            }
        }
        seen.insert(key, (line, records.len()));
        records.push(record);
    }
    records
}

fn record_from<'a>(field: impl Fn(&str) -> Option<&'a str>) -> Result<CustomerRecord, String> {
    let name = field("name").ok_or("missing name (the name column is required)")?;
    let lifetime_value = field("lifetime_value").map(parse_money).transpose()?;
    let email = field("email").map(str::to_lowercase);
    if let Some(email) = &email {
        check_email(email)?;
    }
    let handles = field("handles").map(split_handles).unwrap_or_default();
    if let Some((handle, platform)) = handles
        .iter()
        .find_map(|h| super::handles::unknown_platform(h).map(|p| (h, p)))
    {
        return Err(format!(
            "handle '{handle}' names the platform '{platform}', which Earshot does not know; write bluesky:@name, mastodon:@name@server, reddit:u/name, or a plain @name for any platform"
        ));
    }
    Ok(CustomerRecord {
        name: name.to_owned(),
        email,
        phone: field("phone").map(str::to_owned),
        handles,
        tier: field("tier").map(str::to_owned),
        lifetime_value,
        notes: field("notes").map(str::to_owned),
    })
}

/// `name@domain.tld`, one address, no spaces: what matching and mail can use.
fn check_email(email: &str) -> Result<(), String> {
    let shown: String = email
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let fix = "write one address like ann@example.com, or leave the cell empty";
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "email '{shown}' has spaces or line breaks in it; {fix}"
        ));
    }
    let Some((user, domain)) = email.split_once('@') else {
        return Err(format!("email '{shown}' has no @; {fix}"));
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if user.is_empty() || !domain_ok || user.contains(['<', '>', ',', ';', '"']) {
        return Err(format!("email '{shown}' is not an email address; {fix}"));
    }
    Ok(())
}

/// "3200", "$3,200.50", "3 200 €" → a number; anything else is an error owners can fix.
fn parse_money(text: &str) -> Result<f64, String> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '$' | '€' | '£' | ',' | ' ' | '\u{a0}'))
        .collect();
    match cleaned.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!(
            "lifetime_value '{text}' is not a number (write it like 3200 or 3200.50)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse_csv(text, "c.csv") {
            Err(ImportError::BadRows { problems, .. }) => problems,
            other => panic!("expected bad rows, got {other:?}"),
        }
    }

    const HEADER: &str = "name,email,tier\n";

    #[test]
    fn unterminated_quote_swallowing_the_following_rows_is_refused() {
        let text = format!("{HEADER}Ann,\"ann@x.test,A\nBob,bob@x.test,B\nCid,cid@x.test,C\n");
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("line 2: a quote (\") opened on this line is never closed"),
            "{found:?}"
        );
        // In the last column too, where the cell count would still look right.
        let found = problems("name,notes\nAnn,\"likes rye\nBob,regular\n");
        assert!(found[0].starts_with("line 2: a quote"), "{found:?}");
        // A quote closed on a later line turns an email into multi-line text.
        let found = problems(&format!("{HEADER}Ann,\"ann@x.test\nBob\",A\n"));
        assert!(
            found[0].starts_with("line 2: the email has a line break"),
            "{found:?}"
        );
    }

    #[test]
    fn quoted_cells_with_commas_doubled_quotes_and_multiline_notes_still_import() {
        let text = "name,email,notes\n\"Smith, Ann\",ann@x.test,\"Says \"\"hi\"\"\nevery day\"\nBob,bob@x.test,\n";
        let records = parse_csv(text, "c.csv").unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].name, "Smith, Ann");
        assert_eq!(records[0].notes.as_deref(), Some("Says \"hi\"\nevery day"));
    }

    #[test]
    fn rows_with_too_many_or_too_few_columns_are_refused() {
        let found = problems(&format!(
            "{HEADER}Ann,ann@x.test,A\nSmith, Bob,bob@x.test,B\nCid,cid@x.test\n"
        ));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("line 3: 4 cells, but the header has 3 (name, email, tier)")
                && found[0].contains("double quotes"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("line 4: 2 cells, but the header has 3"),
            "{found:?}"
        );
    }

    #[test]
    fn emails_at_sign_alone_no_domain_spaces_and_line_breaks_are_refused() {
        for (email, why) in [
            ("@", "is not an email address"),
            ("ann@", "is not an email address"),
            ("@example.com", "is not an email address"),
            ("ann@example", "is not an email address"),
            ("ann@@example.com", "is not an email address"),
            ("ann", "has no @"),
            ("ann @ example . com", "has spaces or line breaks"),
            ("ann@x.test\r\nBcc: eve@x.test", "line break"),
        ] {
            let text = format!("name,email\nAnn,\"{email}\"\n");
            let found = problems(&text);
            assert_eq!(found.len(), 1, "{email:?}: {found:?}");
            assert!(
                found[0].starts_with("line 2: ") && found[0].contains(why),
                "{email:?}: {found:?}"
            );
            assert!(!found[0].contains('\n'), "{found:?}");
        }
        let ok = parse_csv("name,email\nAnn,Ann.Lee+cakes@Mail.Example.com\n", "c.csv").unwrap();
        assert_eq!(
            ok[0].email.as_deref(),
            Some("ann.lee+cakes@mail.example.com")
        );
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        let text = "name,email\nJosé Álvarez,jose@x.test\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for bytes in [le, be] {
            let records = parse_csv_bytes(&bytes, "c.csv").unwrap();
            assert_eq!(records[0].name, "José Álvarez");
        }
        let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
        utf8_bom.extend(text.as_bytes());
        assert_eq!(parse_csv_bytes(&utf8_bom, "c.csv").unwrap().len(), 1);
    }

    #[test]
    fn utf16_without_a_bom_and_invalid_utf8_name_the_line() {
        let utf16: Vec<u8> = "name\nAnn\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let err = parse_csv_bytes(&utf16, "c.csv").unwrap_err().to_string();
        assert!(
            err.starts_with("c.csv line 1: the file looks like UTF-16"),
            "{err}"
        );
        assert!(err.contains("CSV UTF-8"), "{err}");
        let latin1 = b"name,email\nAnn,ann@x.test\nJos\xe9,jose@x.test\n";
        let err = parse_csv_bytes(latin1, "c.csv").unwrap_err().to_string();
        assert!(
            err.starts_with("c.csv line 3: this line is not UTF-8"),
            "{err}"
        );
    }

    fn mapped(pairs: &[(&'static str, &str)]) -> ColumnMap {
        let mut map = ColumnMap::default();
        for (field, heading) in pairs {
            map.map(field, heading).unwrap();
        }
        map
    }

    #[test]
    fn the_delimiter_is_read_off_the_header_line() {
        assert_eq!(sniff_delimiter("name,email\n"), b',');
        assert_eq!(sniff_delimiter("name;email;tier\nAnn;a@x.test;A\n"), b';');
        assert_eq!(sniff_delimiter("name\temail\n"), b'\t');
        // A delimiter inside a quoted heading does not count; no delimiter at all is CSV.
        assert_eq!(sniff_delimiter("\"Name; full\",email\n"), b',');
        assert_eq!(sniff_delimiter("name\nAnn\n"), b',');
        for text in [
            "name;email;notes\nSmith, Ann;ann@x.test;\"likes; rye\"\n",
            "name\temail\tnotes\nSmith, Ann\tann@x.test\tlikes; rye\n",
        ] {
            let records = parse_csv(text, "c.csv").unwrap();
            assert_eq!(records[0].name, "Smith, Ann", "{text}");
            assert_eq!(records[0].notes.as_deref(), Some("likes; rye"), "{text}");
        }
    }

    #[test]
    fn an_export_is_read_through_the_column_mapping_and_extra_columns_are_named_once() {
        let text = "\u{feff}Customer ID;Full Name;E-mail;Loyalty Tier;Total Spend;Birthday\n\
                    17;Priya Nair;Priya@x.test;Gold;\"1.250\";03-04\n";
        let columns = mapped(&[
            ("name", "Full Name"),
            ("email", "e-mail"),
            ("tier", "Loyalty Tier"),
            ("lifetime_value", "Total Spend"),
        ]);
        let file = parse_customers(text, "export.csv", &columns).unwrap();
        assert_eq!(file.records.len(), 1);
        let priya = &file.records[0];
        assert_eq!(
            (
                priya.name.as_str(),
                priya.email.as_deref(),
                priya.tier.as_deref()
            ),
            ("Priya Nair", Some("priya@x.test"), Some("Gold"))
        );
        assert_eq!(file.ignored, ["Customer ID", "Birthday"]);
        let notice = file.notice().unwrap();
        assert!(!notice.contains('\n'), "{notice}");
        assert!(
            notice
                .starts_with("Ignored 2 columns Earshot does not use: 'Customer ID', 'Birthday'.")
                && notice.contains("[customers.columns]"),
            "{notice}"
        );
        // Without extra columns there is nothing to say.
        let plain = parse_customers(
            "Name,Lifetime Value\nAnn,5\n",
            "c.csv",
            &ColumnMap::default(),
        )
        .unwrap();
        assert_eq!(plain.records[0].lifetime_value, Some(5.0));
        assert_eq!(plain.notice(), None);
    }

    #[test]
    fn a_mapped_heading_missing_from_the_file_or_a_heading_twice_is_refused() {
        let columns = mapped(&[("name", "Full Name"), ("email", "E-mail")]);
        let err = parse_customers("Full Name;Email\nAnn;a@x.test\n", "c.csv", &columns)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("c.csv line 1: there is no column 'E-mail', which [customers.columns] email names; the file's columns are: Full Name, Email."),
            "{err}"
        );
        let err = parse_customers(
            "name,email,Email\nAnn,a,b\n",
            "c.csv",
            &ColumnMap::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("columns 2 and 3 are both headed 'email'"),
            "{err}"
        );
        let err = parse_customers("Full Name\nAnn\n", "c.csv", &ColumnMap::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[customers.columns] name = \"Full Name\""),
            "{err}"
        );
    }

    #[test]
    fn rows_of_a_file_with_windows_line_ends_are_named_by_their_own_line() {
        let found = problems("name,email\r\nAnn,a@x.test\r\nBob,b@x.test\r\n,c@x.test\r\nCid\r\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("line 4: missing name"), "{found:?}");
        assert!(found[1].starts_with("line 5: 1 cells"), "{found:?}");
    }

    #[test]
    fn a_bad_row_in_a_semicolon_file_is_refused_with_its_line_and_delimiter() {
        let found =
            problems("name;email;tier\nAnn;ann@x.test;A\nBob;bob@;B\nCid;c@x.test;C;extra\n");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("line 3: email 'bob@'"), "{found:?}");
        assert!(
            found[1].starts_with("line 4: 4 cells, but the header has 3")
                && found[1].contains("a semicolon inside a value"),
            "{found:?}"
        );
    }

    #[test]
    fn identical_duplicate_rows_merge_quietly() {
        let text = format!("{HEADER}Ann,ann@x.test,A\nBob,,B\nAnn,ANN@x.test,A\nBob,,B\n");
        let records = parse_csv(&text, "c.csv").unwrap();
        let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Ann", "Bob"]);
    }

    #[test]
    fn duplicate_rows_for_one_email_that_disagree_are_refused_naming_both_lines() {
        let found = problems(&format!(
            "{HEADER}Ann,ann@x.test,A\nBob,bob@x.test,B\nAnn Lee,ann@x.test,C\n"
        ));
        assert_eq!(
            found,
            ["line 4: the email ann@x.test is also on line 2, with different details; keep one row per customer"]
        );
        // Without an email the store matches by name: the same merge, just as silent.
        let found = problems(&format!("{HEADER}Sam Lee,sam@x.test,A\nsam lee,,B\n"));
        assert!(
            found[0].starts_with("line 3: 'sam lee' has the same name as line 2"),
            "{found:?}"
        );
        // Two customers of one name, each with an email, are two customers.
        let two = parse_csv(
            &format!("{HEADER}Sam Lee,a@x.test,A\nSam Lee,b@x.test,B\n"),
            "c.csv",
        );
        assert_eq!(two.unwrap().len(), 2);
    }
}
