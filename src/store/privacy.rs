//! A customer's data on request: everything held about them read out (`customers export`),
//! and their erasure (`customers forget`) as one data change. Which customers to export or
//! erase is the caller's to say; this module only reads and rewrites rows.
//!
//! The export reads whole rows (`SELECT *`), so a column added later is exported without
//! anyone remembering to add it here.

use super::sql::{params, Conn, Dialect, OptionalExtension, ToSql, Tx, Value as SqlValue};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::{parse_ts, ts, Store, StoreError};
use crate::customers::Candidate;
use crate::model::{OutboxKind, OutboxStatus};

/// What an erased author, case note or subject reads as afterwards.
pub const ERASED: &str = "(erased)";

/// A stored row as JSON: column name to value (JSON columns parsed, bytes only counted).
pub type HeldRow = Map<String, Value>;

/// Columns holding JSON text, exported as JSON rather than as a string of it.
const JSON_COLUMNS: &[&str] = &[
    "terms",
    "priority_reasons",
    "link_suggestions",
    "recipients",
];

/// Everything stored about some customers (those sharing one email).
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeldData {
    /// The customer rows, every column.
    pub customers: Vec<HeldRow>,
    /// Their mentions: linked to them, or only suggested as theirs.
    pub mentions: Vec<HeldMention>,
}

/// How a mention is tied to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// Linked to the customer (by matching or by staff).
    Linked,
    /// Not linked: matching only suggested the customer as a possible author.
    Suggested,
}

/// One mention with its case history and the emails about it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HeldMention {
    /// Linked or only suggested.
    pub relation: Relation,
    /// The customer it is linked to or suggested for.
    pub customer_id: i64,
    /// The mention row, every column.
    pub mention: HeldRow,
    /// Its case history, oldest first: kind, at, note, due, by.
    pub history: Vec<HeldRow>,
    /// Emails and pushes sent or queued about it (never the message bytes).
    pub emails: Vec<HeldRow>,
}

/// An email about an erased customer that had already left (or was leaving) when they
/// were erased: it cannot be recalled.
#[derive(Debug, Clone, PartialEq)]
pub struct SentEmail {
    /// Accepted by the server (None while it was still being sent).
    pub sent_at: Option<DateTime<Utc>>,
    /// Alert, reminder, digest…
    pub kind: OutboxKind,
    /// Sent, or still being sent at the moment of the erasure.
    pub status: OutboxStatus,
    /// Who received it.
    pub recipients: Vec<String>,
    /// Its subject as sent.
    pub subject: Option<String>,
}

/// What an erasure changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Erasure {
    /// Customer rows deleted.
    pub customers: usize,
    /// Mentions unlinked with their author fields erased.
    pub mentions: usize,
    /// Case notes erased.
    pub notes: usize,
    /// Other mentions that only suggested the customer, suggestion removed.
    pub suggestions: usize,
    /// Emails not yet sent whose stored rendering was dropped (rendered again from the
    /// erased mention before sending).
    pub rerender: usize,
    /// Emails that had already left, oldest first.
    pub sent: Vec<SentEmail>,
    /// Why the database file could not be rewritten afterwards (old copies of the erased
    /// text may stay in its free space until it is), if it could not.
    pub not_compacted: Option<String>,
}

/// A customer about to be erased: what identifies them in stored text.
struct Erased {
    id: i64,
    name: String,
    email: Option<String>,
}

impl Store {
    /// The ids of the customers whose email is `email`, ignoring case and surrounding
    /// spaces, oldest first. (Compared here, not in SQL: SQLite's LOWER knows only ASCII.)
    pub fn customers_with_email(&self, email: &str) -> Result<Vec<i64>, StoreError> {
        let wanted = email.trim().to_lowercase();
        let mut stmt = self
            .conn()
            .prepare("SELECT id, email FROM customers WHERE email IS NOT NULL ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)))?;
        let mut ids = Vec::new();
        for row in rows {
            let (id, stored) = row?;
            if stored.trim().to_lowercase() == wanted {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Everything stored about these customers: their rows, their linked mentions and the
    /// mentions that suggest them, each with its history and emails.
    pub fn customer_data(&self, ids: &[i64]) -> Result<HeldData, StoreError> {
        let mut held = HeldData {
            customers: Vec::new(),
            mentions: Vec::new(),
        };
        for &id in ids {
            let customer = rows_as_json(&self.conn(), "SELECT * FROM customers WHERE id = ?1", id)?;
            if customer.is_empty() {
                return Err(StoreError::NoSuchCustomer(id));
            }
            held.customers.extend(customer);
            let linked = rows_as_json(
                &self.conn(),
                "SELECT * FROM mentions WHERE customer_id = ?1 ORDER BY id",
                id,
            )?;
            let suggested_only = format!(
                "SELECT * FROM mentions m WHERE {} AND m.customer_id IS DISTINCT FROM ?1 \
                 ORDER BY id",
                suggests(self.conn().dialect())
            );
            let suggested = rows_as_json(&self.conn(), &suggested_only, id)?;
            let related = [(Relation::Linked, linked), (Relation::Suggested, suggested)];
            for (relation, rows) in related {
                for mention in rows {
                    let mention = self.held_mention(relation, id, mention)?;
                    held.mentions.push(mention);
                }
            }
        }
        Ok(held)
    }

    fn held_mention(
        &self,
        relation: Relation,
        customer_id: i64,
        mention: HeldRow,
    ) -> Result<HeldMention, StoreError> {
        let mention_id = mention
            .get("id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        let history = rows_as_json(
            &self.conn(),
            "SELECT kind, at, note, due_at AS due, \"by\" FROM mention_events \
             WHERE mention_id = ?1 ORDER BY id",
            mention_id,
        )?;
        let emails = rows_as_json(
            &self.conn(),
            "SELECT id, kind, channel, status, subject, recipients, created_at, sent_at, \
             detail FROM outbox WHERE mention_id = ?1 ORDER BY id",
            mention_id,
        )?;
        Ok(HeldMention {
            relation,
            customer_id,
            mention,
            history,
            emails,
        })
    }

    /// Erase these customers, all or nothing: delete their rows; unlink their mentions
    /// (locked, so matching never links them again) with the author fields and case notes
    /// erased; take them out of every mention's suggestions; drop the stored rendering of
    /// every email not yet sent about them (rendered again, without them, when it goes)
    /// and the message bytes of those already sent (listed in the result first). Records
    /// that an erasure happened, when and by whom, and nothing about who was erased.
    /// The posts' own text stays: it is public content. `then` runs in the same
    /// transaction with the unlinked mentions (the pipeline re-decides their priority).
    pub fn erase_customers(
        &mut self,
        ids: &[i64],
        by: &str,
        now: DateTime<Utc>,
        then: impl FnOnce(&Tx<'_>, &[i64]) -> Result<(), StoreError>,
    ) -> Result<Erasure, StoreError> {
        // Freed pages are overwritten with zeros, so the erased text is not left in the
        // file's free space.
        if let Some(sqlite) = self.sqlite() {
            sqlite.pragma_update(None, "secure_delete", "ON")?;
        }
        let result = self.transaction(|tx| {
            let mut erasure = Erasure::default();
            let mut unlinked = Vec::new();
            for &id in ids {
                let customer = erased_customer(tx, id)?;
                unlinked.extend(erase_one(tx, &customer, by, now, &mut erasure)?);
            }
            then(tx, &unlinked)?;
            tx.execute(
                "INSERT INTO erasures (at, \"by\", mentions) VALUES (?1, ?2, ?3)",
                params![ts(now), by, erasure.mentions as i64],
            )?;
            // Merge SQLite's full-text index so the erased author's words are gone from
            // it, not only marked deleted (PostgreSQL's index is of generated columns).
            if tx.dialect() == Dialect::Sqlite {
                tx.execute(
                    "INSERT INTO mentions_fts (mentions_fts) VALUES ('optimize')",
                    [],
                )?;
            }
            Ok(erasure)
        });
        self.customer_cache = None;
        if let Some(sqlite) = self.sqlite() {
            sqlite.pragma_update(None, "secure_delete", "OFF")?;
        }
        let mut erasure = result?;
        erasure.sent.sort_by_key(|e| e.sent_at);
        // Earlier updates of these rows (an alert claimed, then sent) left old copies in
        // the file's free space; rewriting the file leaves none. Then empty the
        // write-ahead log, which holds old pages too.
        if let Err(error) = self.conn().execute_batch("VACUUM") {
            erasure.not_compacted = Some(error.to_string());
        }
        if let Some(sqlite) = self.sqlite() {
            let _ = sqlite.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        }
        Ok(erasure)
    }

    /// How many erasures were recorded, and when the last was.
    pub fn erasures(&self) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*), MAX(at) FROM erasures", [], |r| {
                Ok((r.get(0)?, r.get::<Option<String>>(1)?))
            })
            .map(|(n, at)| (n, at.as_deref().and_then(parse_ts)))?)
    }
}

/// `m.link_suggestions` (a JSON array) names the customer `?1`.
fn suggests(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "EXISTS (SELECT 1 FROM json_each(m.link_suggestions) j \
             WHERE json_extract(j.value, '$.customer_id') = ?1)"
        }
        Dialect::Postgres => {
            "EXISTS (SELECT 1 FROM jsonb_array_elements(CAST(m.link_suggestions AS jsonb)) j \
             WHERE CAST(j.value ->> 'customer_id' AS BIGINT) = ?1)"
        }
    }
}

fn erased_customer(tx: &Tx<'_>, id: i64) -> Result<Erased, StoreError> {
    tx.query_row(
        "SELECT id, name, email FROM customers WHERE id = ?1",
        [id],
        |r| {
            Ok(Erased {
                id: r.get(0)?,
                name: r.get(1)?,
                email: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or(StoreError::NoSuchCustomer(id))
}

/// Erase one customer; returns the mentions that were theirs.
fn erase_one(
    tx: &Tx<'_>,
    customer: &Erased,
    by: &str,
    now: DateTime<Utc>,
    erasure: &mut Erasure,
) -> Result<Vec<i64>, StoreError> {
    let linked: Vec<i64> = tx
        .prepare("SELECT id FROM mentions WHERE customer_id = ?1 ORDER BY id")?
        .query_map([customer.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for &mention in &linked {
        erasure
            .sent
            .extend(sent_emails(tx, "mention_id = ?1", mention)?);
        erasure.rerender += forget_emails_about(tx, mention, customer)?;
        erasure.notes += tx.execute(
            "UPDATE mention_events SET note = ?2 WHERE mention_id = ?1 AND note IS NOT NULL \
             AND note != ?2",
            params![mention, ERASED],
        )?;
        // The update trigger replaces the full-text row, so the author is unsearchable.
        tx.execute(
            "UPDATE mentions SET customer_id = NULL, link_confidence = NULL, link_locked = 1, \
             author = ?2, author_email = NULL WHERE id = ?1",
            params![mention, ERASED],
        )?;
        super::mentions::record_event(tx, mention, now, "erased", None, None, Some(by))?;
    }
    erasure.mentions += linked.len();
    // A staff link elsewhere, since undone, named them in its note.
    erasure.notes += tx.execute(
        "UPDATE mention_events SET note = ?2 WHERE kind = 'link' AND note = ?1",
        params![
            format!("linked to {} (#{})", customer.name, customer.id),
            ERASED
        ],
    )?;
    erasure.suggestions += drop_suggestions(tx, customer.id)?;
    erasure.rerender += forget_summaries_naming(tx, customer, erasure)?;
    erasure.customers += tx.execute("DELETE FROM customers WHERE id = ?1", [customer.id])?;
    Ok(linked)
}

/// The sent (or being sent) rows matching `clause` (with `?1`).
fn sent_emails(tx: &Tx<'_>, clause: &str, arg: impl ToSql) -> Result<Vec<SentEmail>, StoreError> {
    let mut stmt = tx.prepare(&format!(
        "SELECT sent_at, kind, status, recipients, subject FROM outbox \
         WHERE {clause} AND status IN (?2, ?3) ORDER BY id"
    ))?;
    let rows = stmt.query_map(
        params![arg, OutboxStatus::Sent, OutboxStatus::Sending],
        |r| {
            Ok(SentEmail {
                sent_at: r.get::<Option<String>>(0)?.as_deref().and_then(parse_ts),
                kind: r.get(1)?,
                status: r.get(2)?,
                recipients: r
                    .get::<Option<String>>(3)?
                    .and_then(|json| serde_json::from_str(&json).ok())
                    .unwrap_or_default(),
                subject: r.get(4)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The emails about one of the customer's mentions: those not sent lose their stored
/// rendering (it is made again from the erased mention); those sent lose their message
/// bytes (never read again); all lose the name in their subject and detail. Returns how
/// many not sent.
fn forget_emails_about(tx: &Tx<'_>, mention: i64, customer: &Erased) -> Result<usize, StoreError> {
    let unsent = tx.execute(
        "UPDATE outbox SET subject = NULL, recipients = NULL, message = NULL \
         WHERE mention_id = ?1 AND status NOT IN (?2, ?3) AND message IS NOT NULL",
        params![mention, OutboxStatus::Sent, OutboxStatus::Sending],
    )?;
    tx.execute(
        "UPDATE outbox SET message = NULL WHERE mention_id = ?1 AND status IN (?2, ?3)",
        params![mention, OutboxStatus::Sent, OutboxStatus::Sending],
    )?;
    // A sent subject, and why an urgent email was queued ("staff linked it to …").
    tx.execute(
        "UPDATE outbox SET subject = REPLACE(REPLACE(subject, ?2, ?3), ?4, ?3), \
         detail = REPLACE(REPLACE(detail, ?2, ?3), ?4, ?3) WHERE mention_id = ?1",
        params![
            mention,
            customer.name,
            ERASED,
            customer.email.as_deref().unwrap_or(&customer.name),
        ],
    )?;
    Ok(unsent)
}

/// Digests and flood summaries are about many mentions, so they are found by the
/// customer's name or email in their stored message (quoted-printable line breaks
/// joined; a name with accents is encoded there and not found): one already sent is
/// listed and loses its bytes, one not sent is rendered again. Returns how many not sent.
fn forget_summaries_naming(
    tx: &Tx<'_>,
    customer: &Erased,
    erasure: &mut Erasure,
) -> Result<usize, StoreError> {
    let mut rerender = 0;
    let needles = std::iter::once(customer.name.as_str()).chain(customer.email.as_deref());
    for needle in needles.filter(|n| !n.trim().is_empty()) {
        // The message's text with quoted-printable soft line breaks undone.
        let names = match tx.dialect() {
            Dialect::Sqlite => {
                "mention_id IS NULL AND message IS NOT NULL \
                 AND instr(REPLACE(CAST(message AS TEXT), '=' || char(13, 10), ''), ?1) > 0"
            }
            Dialect::Postgres => {
                "mention_id IS NULL AND message IS NOT NULL AND strpos(REPLACE(\
                 convert_from(message, 'UTF8'), '=' || chr(13) || chr(10), ''), ?1) > 0"
            }
        };
        erasure.sent.extend(sent_emails(tx, names, needle)?);
        rerender += tx.execute(
            &format!("UPDATE outbox SET message = NULL WHERE {names} AND status NOT IN (?2, ?3)"),
            params![needle, OutboxStatus::Sent, OutboxStatus::Sending],
        )?;
        tx.execute(
            &format!("UPDATE outbox SET message = NULL WHERE {names}"),
            [needle],
        )?;
    }
    Ok(rerender)
}

/// Remove the customer from every mention's suggested links; returns how many mentions.
fn drop_suggestions(tx: &Tx<'_>, customer_id: i64) -> Result<usize, StoreError> {
    let rows: Vec<(i64, String)> = tx
        .prepare(&format!(
            "SELECT m.id, m.link_suggestions FROM mentions m WHERE {}",
            suggests(tx.dialect())
        ))?
        .query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (mention, json) in &rows {
        let kept: Vec<Candidate> = serde_json::from_str::<Vec<Candidate>>(json)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.customer_id != customer_id)
            .collect();
        tx.execute(
            "UPDATE mentions SET link_suggestions = ?2 WHERE id = ?1",
            params![
                mention,
                serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into())
            ],
        )?;
    }
    Ok(rows.len())
}

/// Each row of `sql` (one `?1` parameter) as column name to JSON value.
fn rows_as_json(conn: &Conn<'_>, sql: &str, arg: i64) -> Result<Vec<HeldRow>, StoreError> {
    let rows = conn.query_map(sql, [arg], |row| {
        let mut map = Map::new();
        for i in 0..row.column_count() {
            let name = row.column_name(i);
            // PostgreSQL's search columns are an index of the others, not data.
            if !name.starts_with("fts_") {
                let value = json_value(row.value(i)?, &name);
                map.insert(name, value);
            }
        }
        Ok(map)
    })?;
    Ok(rows)
}

fn json_value(value: SqlValue, column: &str) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Int(n) => n.into(),
        SqlValue::Real(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        SqlValue::Text(text) => {
            if JSON_COLUMNS.contains(&column) {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            } else {
                Value::String(text)
            }
        }
        SqlValue::Blob(bytes) => Value::String(format!("({} bytes)", bytes.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::CustomerRecord;
    use crate::model::{Label, Priority};
    use crate::store::{CaseAction, MentionFilter, NewMention};
    use crate::test_support::at;

    fn complaint(key: &str, author: &str, text: &str) -> NewMention {
        NewMention {
            author_email: author
                .starts_with("Nora")
                .then(|| "nora@quill.test".to_owned()),
            source: "reviews".into(),
            key: key.into(),
            content_hash: format!("h{key}"),
            url: Some(format!("https://reviews.test/{key}")),
            author: Some(author.into()),
            title: None,
            text: text.into(),
            published_at: None,
            rating: Some(1.0),
            score: -0.6,
            label: Label::Negative,
            language: None,
            terms: vec![],
            priority: Priority::High,
            priority_reasons: vec![],
            location: None,
        }
    }

    /// Nora (two linked complaints, a case with notes, a sent and a waiting alert, a sent
    /// digest naming her) and a stranger's post that only suggests her.
    fn store_with_nora() -> (Store, i64, [i64; 3]) {
        let mut store = crate::test_support::test_store();
        let now = at("2026-11-01T09:00:00Z");
        let nora = CustomerRecord {
            name: "Nora Quill".into(),
            email: Some("Nora@Quill.test".into()),
            tier: Some("A".into()),
            notes: Some("prefers rye".into()),
            ..Default::default()
        };
        let other = CustomerRecord {
            name: "Otto Bell".into(),
            email: Some("otto@bell.test".into()),
            ..Default::default()
        };
        store.save_customers(&[nora, other], now).unwrap();
        let customer = store.customers_with_email("nora@quill.test").unwrap()[0];
        let first = crate::test_support::store_decided(
            &mut store,
            &complaint("1", "Nora Quill", "cold coffee"),
            now,
        );
        let second = crate::test_support::store_decided(
            &mut store,
            &complaint("2", "Nora Quill", "stale bread"),
            now,
        );
        let stranger = crate::test_support::store_decided(
            &mut store,
            &complaint("3", "N. Q.", "long queue"),
            now,
        );
        store
            .transaction(|tx| {
                for id in [first, second] {
                    Store::set_manual_link(tx, id, Some(customer), "priya", now)?;
                }
                let suggestions = format!(
                    r#"[{{"customer_id":{customer},"name":"Nora Quill","confidence":0.4,"why":"initials"}},
                       {{"customer_id":99,"name":"Someone Else","confidence":0.3,"why":"initials"}}]"#
                );
                tx.execute(
                    "UPDATE mentions SET link_suggestions = ?2 WHERE id = ?1",
                    params![stranger, suggestions],
                )?;
                tx.execute(
                    "UPDATE outbox SET status = 'sent', sent_at = ?2, subject = ?3, \
                     recipients = '[\"owner@bakery.test\"]', message = ?4 \
                     WHERE mention_id = ?1",
                    params![
                        first,
                        "2026-11-01T09:01:00Z",
                        "[Negative] Nora Quill (A-list): \"cold coffee\"",
                        b"Subject: Nora Quill\r\n\r\nNora Quill wrote".to_vec()
                    ],
                )?;
                tx.execute(
                    "UPDATE outbox SET subject = 'x', recipients = '[]', message = ?2, \
                     detail = 'staff linked it to Nora Quill' WHERE mention_id = ?1",
                    params![second, b"Nora Quill wrote".to_vec()],
                )?;
                tx.execute(
                    "INSERT INTO outbox (kind, dedupe_key, status, created_at, next_attempt_at, \
                     sent_at, subject, recipients, message) VALUES ('digest', 'digest:1', 'sent', \
                     ?1, ?1, ?1, 'Weekly digest', '[\"owner@bakery.test\"]', ?2)",
                    params!["2026-11-02T08:00:00Z", b"... Nora Qu=\r\nill (A-list) ...".to_vec()],
                )?;
                Ok(())
            })
            .unwrap();
        for (action, note) in [
            (CaseAction::Acknowledge, "called Nora Quill back"),
            (
                CaseAction::Promise {
                    due: at("2026-11-03T17:00:00Z"),
                },
                "refund to nora@quill.test",
            ),
            (CaseAction::Resolve, "refunded"),
        ] {
            crate::pipeline::update_case(&mut store, first, action, Some(note), "priya", now)
                .unwrap();
        }
        (store, customer, [first, second, stranger])
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn an_email_matches_whatever_its_case_and_spaces() {
        let (store, customer, _) = store_with_nora();
        assert_eq!(
            store.customers_with_email("  NORA@quill.TEST ").unwrap(),
            [customer]
        );
        assert!(store.customers_with_email("nora@quill").unwrap().is_empty());
    }

    #[test]
    fn customers_sharing_an_email_are_all_exported_and_all_erased() {
        let (mut store, customer, _) = store_with_nora();
        store
            .conn()
            .execute(
                "INSERT INTO customers (name, email) VALUES ('Nora Q. (old list)', 'nora@quill.test ')",
                [],
            )
            .unwrap();
        let both = store.customers_with_email("nora@quill.test").unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[0], customer);
        let held = store.customer_data(&both).unwrap();
        let names: Vec<&Value> = held.customers.iter().map(|c| &c["name"]).collect();
        assert_eq!(names, ["Nora Quill", "Nora Q. (old list)"]);
        let erasure = store
            .erase_customers(&both, "owner", at("2026-11-05T10:00:00Z"), |_, _| Ok(()))
            .unwrap();
        assert_eq!(erasure.customers, 2);
        assert!(store
            .customers_with_email("nora@quill.test")
            .unwrap()
            .is_empty());
        assert_eq!(
            store.erasures().unwrap().0,
            1,
            "one erasure, however many rows"
        );
    }

    #[test]
    fn the_export_holds_the_record_mentions_history_and_emails() {
        let (store, customer, [first, second, stranger]) = store_with_nora();
        let held = store.customer_data(&[customer]).unwrap();
        assert_eq!(held.customers.len(), 1);
        assert_eq!(held.customers[0]["name"], "Nora Quill");
        assert_eq!(held.customers[0]["notes"], "prefers rye");
        let ids: Vec<(i64, Relation)> = held
            .mentions
            .iter()
            .map(|m| (m.mention["id"].as_i64().unwrap(), m.relation))
            .collect();
        assert_eq!(
            ids,
            [
                (first, Relation::Linked),
                (second, Relation::Linked),
                (stranger, Relation::Suggested)
            ]
        );
        let case = &held.mentions[0];
        assert_eq!(case.mention["text"], "cold coffee");
        assert_eq!(case.mention["rating"], 1.0);
        assert_eq!(case.mention["status"], "resolved");
        let notes: Vec<&Value> = case.history.iter().map(|e| &e["note"]).collect();
        assert!(
            notes.contains(&&Value::from("refund to nora@quill.test")),
            "{notes:?}"
        );
        let promise = case
            .history
            .iter()
            .find(|e| e["kind"] == "promised")
            .unwrap();
        assert_eq!(promise["due"], "2026-11-03T17:00:00Z");
        assert_eq!(promise["by"], "priya");
        assert_eq!(case.emails[0]["status"], "sent");
        assert_eq!(
            case.emails[0]["recipients"],
            serde_json::json!(["owner@bakery.test"])
        );
        assert!(case.emails[0].get("message").is_none());
        // Suggestions stay JSON, not a string of it.
        assert_eq!(
            held.mentions[2].mention["link_suggestions"][0]["name"],
            "Nora Quill"
        );
    }

    #[test]
    fn an_erasure_leaves_no_name_or_email_but_the_fact_and_lists_what_left() {
        let (mut store, customer, [first, second, stranger]) = store_with_nora();
        let erasure = store
            .erase_customers(&[customer], "owner", at("2026-11-05T10:00:00Z"), |_, _| {
                Ok(())
            })
            .unwrap();
        assert_eq!(
            (
                erasure.mentions,
                erasure.notes,
                erasure.suggestions,
                erasure.rerender
            ),
            (2, 5, 1, 1),
            "{erasure:?}"
        );
        let sent: Vec<(OutboxKind, Option<&str>)> = erasure
            .sent
            .iter()
            .map(|e| (e.kind, e.subject.as_deref()))
            .collect();
        assert_eq!(
            sent,
            [
                (
                    OutboxKind::Alert,
                    Some("[Negative] Nora Quill (A-list): \"cold coffee\"")
                ),
                (OutboxKind::Digest, Some("Weekly digest"))
            ]
        );
        assert_eq!(erasure.sent[0].recipients, ["owner@bakery.test"]);

        for table_column in [
            "customers.name",
            "customers.email",
            "customers.notes",
            "mentions.author",
            "mentions.author_email",
            "mentions.link_suggestions",
            "mention_events.note",
            "outbox.subject",
            "outbox.detail",
            "outbox.message",
        ] {
            let (table, column) = table_column.split_once('.').unwrap();
            let sql =
                format!("SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE '%quill%'");
            assert_eq!(count(&store, &sql), 0, "{table_column} still names her");
        }
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM customers"),
            1,
            "Otto stays"
        );
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM outbox WHERE message IS NOT NULL"
            ),
            0,
            "the sent digest named her across a line break"
        );
        let search = |text: &str| {
            store
                .mentions(&MentionFilter {
                    search: Some(text.into()),
                    ..Default::default()
                })
                .unwrap()
                .len()
        };
        assert_eq!(search("Quill"), 0);
        assert_eq!(search("coffee"), 1, "the public text stays searchable");
        let detail = store.mention_detail(first).unwrap();
        assert_eq!(detail.mention.author.as_deref(), Some(ERASED));
        assert_eq!(detail.mention.customer, None);
        assert_eq!(detail.mention.text, "cold coffee");
        assert_eq!(detail.events.last().unwrap().kind, "erased");
        assert_eq!(detail.events.last().unwrap().by.as_deref(), Some("owner"));
        assert_eq!(
            count(
                &store,
                &format!("SELECT link_locked FROM mentions WHERE id = {second}")
            ),
            1,
            "matching never links it again"
        );
        let left = store.link_suggestions(stranger).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].customer_id, 99);
        // The waiting alert is rendered again when it goes; the sent one keeps its subject.
        let waiting = store.outbox(None).unwrap();
        let waiting = waiting
            .iter()
            .find(|e| e.mention_id == Some(second))
            .unwrap();
        assert_eq!(waiting.status, OutboxStatus::Pending);
        assert_eq!(store.outbox_rendered(waiting.id).unwrap(), None);
        let subjects: Vec<Option<String>> = store
            .outbox(None)
            .unwrap()
            .into_iter()
            .map(|e| e.subject)
            .collect();
        assert!(
            subjects.contains(&Some(
                "[Negative] (erased) (A-list): \"cold coffee\"".into()
            )),
            "{subjects:?}"
        );
        assert_eq!(
            store.erasures().unwrap(),
            (1, Some(at("2026-11-05T10:00:00Z")))
        );
        let fact: (String, i64) = store
            .conn()
            .query_row("SELECT \"by\", mentions FROM erasures", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(fact, ("owner".into(), 2));
    }

    #[test]
    fn an_erasure_that_fails_changes_nothing() {
        let (mut store, customer, [first, ..]) = store_with_nora();
        let err = store
            .erase_customers(
                &[customer, 12345],
                "owner",
                at("2026-11-05T10:00:00Z"),
                |_, _| Ok(()),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::NoSuchCustomer(12345)), "{err:?}");
        assert_eq!(
            store.customers_with_email("nora@quill.test").unwrap(),
            [customer]
        );
        assert_eq!(
            store
                .mention_detail(first)
                .unwrap()
                .mention
                .author
                .as_deref(),
            Some("Nora Quill")
        );
        assert_eq!(store.erasures().unwrap(), (0, None));
    }
}
