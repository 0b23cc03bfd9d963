//! Customers in the store: import, lookup, linking mentions to them, and re-triage when a
//! link changes (a second complaint within the window is urgent).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};

use super::{parse_ts, ts, Store, StoreError};
use crate::config::TriageSettings;
use crate::customers::{
    name_key, split_handles, Candidate, CustomerIndex, CustomerRecord, MatchResult,
};
use crate::model::{Label, Mention};
use crate::triage::{triage, CustomerFacts};

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Customers added.
    pub added: usize,
    /// Existing customers updated (matched by email, else by name).
    pub updated: usize,
    /// Mentions linked to a customer after the import.
    pub mentions_linked: usize,
}

/// A customer as listed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CustomerSummary {
    /// Id.
    pub id: i64,
    /// The record.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Handles.
    pub handles: Vec<String>,
    /// Tier.
    pub tier: Option<String>,
    /// Lifetime value.
    pub lifetime_value: Option<f64>,
    /// Notes.
    pub notes: Option<String>,
    /// Mentions linked.
    pub mentions: i64,
    /// Negative mentions linked.
    pub negative: i64,
    /// Cases still open (negative and not resolved).
    pub open_cases: i64,
    /// Complaints that were resolved and then edited to neutral/positive by the author.
    pub recovered: i64,
}

/// A customer with their mentions, for `customers show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CustomerDetail {
    /// The customer.
    #[serde(flatten)]
    pub summary: CustomerSummary,
    /// Their mentions, newest first.
    pub mentions: Vec<Mention>,
}

/// One mention with the customer it is linked to: what staff and alerts show of a case.
#[derive(Debug, Clone)]
pub struct CaseFile {
    /// The mention, its priority reasons and history.
    pub detail: super::StoredDetail,
    /// The linked customer, if any.
    pub customer: Option<CustomerSummary>,
}

const SELECT_CUSTOMER: &str =
    "SELECT c.id, c.name, c.email, c.phone, c.handles, c.tier, c.lifetime_value, c.notes, \
    COUNT(m.id), COALESCE(SUM(m.label = 'negative'), 0), \
    COALESCE(SUM(m.label = 'negative' AND m.status NOT IN ('resolved', 'recovered')), 0), \
    COALESCE(SUM(m.status = 'recovered'), 0) \
    FROM customers c LEFT JOIN mentions m ON m.customer_id = c.id";

impl Store {
    /// Import customers in one transaction, updating those matched by email or name, then
    /// link every mention that staff have not linked by hand.
    pub fn import_customers(
        &mut self,
        records: &[CustomerRecord],
        rules: &TriageSettings,
        now: DateTime<Utc>,
    ) -> Result<ImportSummary, StoreError> {
        let mut summary = ImportSummary::default();
        let tx = self.conn.transaction()?;
        for record in records {
            match existing_customer(&tx, record)? {
                Some(id) => {
                    update_customer(&tx, id, record, now)?;
                    summary.updated += 1;
                }
                None => {
                    insert_customer(&tx, record, now)?;
                    summary.added += 1;
                }
            }
        }
        tx.commit()?;
        self.customer_cache = None;
        let index = self.customer_index()?;
        let tx = self.conn.transaction()?;
        summary.mentions_linked = relink_all(&tx, &index, rules)?;
        tx.commit()?;
        Ok(summary)
    }

    /// All customers in an index for matching (cached until customers change).
    pub fn customer_index(&mut self) -> Result<Arc<CustomerIndex>, StoreError> {
        if let Some(index) = &self.customer_cache {
            return Ok(index.clone());
        }
        let mut index = CustomerIndex::default();
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, email, handles FROM customers")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                CustomerRecord {
                    name: r.get(1)?,
                    email: r.get(2)?,
                    handles: split_handles(&r.get::<_, String>(3)?),
                    ..Default::default()
                },
            ))
        })?;
        for row in rows {
            let (id, record) = row?;
            index.insert(id, &record);
        }
        drop(stmt);
        let index = Arc::new(index);
        self.customer_cache = Some(index.clone());
        Ok(index)
    }

    /// Customers whose name, email or handles contain `search` (all when None), by name.
    pub fn customers(&self, search: Option<&str>) -> Result<Vec<CustomerSummary>, StoreError> {
        let pattern = format!("%{}%", search.unwrap_or("").trim());
        let sql = format!(
            "{SELECT_CUSTOMER} WHERE c.name LIKE ?1 OR c.email LIKE ?1 OR c.handles LIKE ?1 \
             GROUP BY c.id ORDER BY c.name, c.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([pattern], summary_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One customer with their mentions.
    pub fn customer_detail(&self, id: i64) -> Result<CustomerDetail, StoreError> {
        let summary = self
            .conn
            .query_row(
                &format!("{SELECT_CUSTOMER} WHERE c.id = ?1 GROUP BY c.id"),
                [id],
                summary_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchCustomer(id))?;
        let mentions = self.mentions_of_customer(id)?;
        Ok(CustomerDetail { summary, mentions })
    }

    /// A mention with its linked customer.
    pub fn case_file(&self, mention_id: i64) -> Result<CaseFile, StoreError> {
        let detail = self.mention_detail(mention_id)?;
        let customer = match &detail.mention.customer {
            Some(c) => Some(self.customer_detail(c.id)?.summary),
            None => None,
        };
        Ok(CaseFile { detail, customer })
    }

    /// Link (or re-link) one mention automatically and re-triage what the link touches.
    /// Mentions staff linked or unlinked by hand are left alone.
    pub fn link_and_triage(
        tx: &Transaction<'_>,
        mention_id: i64,
        index: &CustomerIndex,
        rules: &TriageSettings,
    ) -> Result<Option<i64>, StoreError> {
        let (author, locked, old): (Option<String>, bool, Option<i64>) = tx.query_row(
            "SELECT author, link_locked, customer_id FROM mentions WHERE id = ?1",
            [mention_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if locked {
            retriage_around(tx, mention_id, old, old, rules)?;
            return Ok(old);
        }
        let result = index.match_author(author.as_deref().unwrap_or(""));
        let new = result.link.as_ref().map(|c| c.customer_id);
        save_link(tx, mention_id, &result)?;
        retriage_around(tx, mention_id, old, new, rules)?;
        Ok(new)
    }

    /// Staff override: link a mention to a customer (or unlink with None); kept across
    /// re-polls and re-imports.
    pub fn set_link(
        &mut self,
        mention_id: i64,
        customer_id: Option<i64>,
        by: &str,
        rules: &TriageSettings,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let old: Option<i64> = tx
            .query_row(
                "SELECT customer_id FROM mentions WHERE id = ?1",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchMention(mention_id))?;
        let note = match customer_id {
            Some(id) => {
                let name: String = tx
                    .query_row("SELECT name FROM customers WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })
                    .optional()?
                    .ok_or(StoreError::NoSuchCustomer(id))?;
                format!("linked to {name} (#{id})")
            }
            None => "unlinked from customer".to_owned(),
        };
        tx.execute(
            "UPDATE mentions SET customer_id = ?2, link_confidence = NULL, link_locked = 1, link_suggestions = '[]' WHERE id = ?1",
            params![mention_id, customer_id],
        )?;
        super::mentions::record_event(&tx, mention_id, now, "link", Some(note), None, Some(by))?;
        retriage_around(&tx, mention_id, old, customer_id, rules)?;
        tx.commit()?;
        Ok(())
    }

    /// The suggested (unlinked) customers of a mention.
    pub fn link_suggestions(&self, mention_id: i64) -> Result<Vec<Candidate>, StoreError> {
        let json: String = self
            .conn
            .query_row(
                "SELECT link_suggestions FROM mentions WHERE id = ?1",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchMention(mention_id))?;
        Ok(serde_json::from_str(&json).unwrap_or_default())
    }
}

fn existing_customer(
    tx: &Transaction<'_>,
    record: &CustomerRecord,
) -> Result<Option<i64>, StoreError> {
    if let Some(email) = &record.email {
        let found = tx
            .query_row(
                "SELECT id FROM customers WHERE email = ?1 ORDER BY id LIMIT 1",
                [email],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    // By name only when the name is unique and the stored customer has no other email.
    let mut stmt = tx.prepare("SELECT id, email FROM customers WHERE name_key = ?1")?;
    let rows: Vec<(i64, Option<String>)> = stmt
        .query_map([name_key(&record.name)], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(match rows.as_slice() {
        [(id, email)] if email.is_none() || record.email.is_none() => Some(*id),
        _ => None,
    })
}

fn insert_customer(
    tx: &Transaction<'_>,
    r: &CustomerRecord,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO customers (name, email, phone, handles, tier, lifetime_value, notes, name_key, imported_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![r.name, r.email, r.phone, r.handles.join(" "), r.tier, r.lifetime_value, r.notes, name_key(&r.name), ts(now)],
    )?;
    Ok(())
}

fn update_customer(
    tx: &Transaction<'_>,
    id: i64,
    r: &CustomerRecord,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE customers SET name = ?2, email = COALESCE(?3, email), phone = ?4, handles = ?5, tier = ?6, \
         lifetime_value = ?7, notes = ?8, name_key = ?9, imported_at = ?10 WHERE id = ?1",
        params![id, r.name, r.email, r.phone, r.handles.join(" "), r.tier, r.lifetime_value, r.notes, name_key(&r.name), ts(now)],
    )?;
    Ok(())
}

/// Re-run automatic linking over every unlocked mention, then re-triage everything.
fn relink_all(
    tx: &Transaction<'_>,
    index: &CustomerIndex,
    rules: &TriageSettings,
) -> Result<usize, StoreError> {
    let mut stmt = tx.prepare("SELECT id, author FROM mentions WHERE link_locked = 0")?;
    let rows: Vec<(i64, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut linked = 0;
    for (id, author) in rows {
        let result = index.match_author(author.as_deref().unwrap_or(""));
        linked += usize::from(result.link.is_some());
        save_link(tx, id, &result)?;
    }
    retriage_all(tx, rules)?;
    Ok(linked)
}

/// Store an automatic match; a row whose link did not change is not rewritten.
fn save_link(tx: &Transaction<'_>, id: i64, result: &MatchResult) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE mentions SET customer_id = ?2, link_confidence = ?3, link_suggestions = ?4 WHERE id = ?1 \
         AND (customer_id IS NOT ?2 OR link_confidence IS NOT ?3 OR link_suggestions IS NOT ?4)",
    )?
    .execute(params![
        id,
        result.link.as_ref().map(|c| c.customer_id),
        result.link.as_ref().map(|c| c.confidence),
        suggestions_json(&result.suggestions)
    ])?;
    Ok(())
}

fn suggestions_json(suggestions: &[Candidate]) -> String {
    serde_json::to_string(suggestions).unwrap_or_else(|_| "[]".into())
}

/// Re-triage the mention and everything of the customers it moved between.
fn retriage_around(
    tx: &Transaction<'_>,
    mention_id: i64,
    old: Option<i64>,
    new: Option<i64>,
    rules: &TriageSettings,
) -> Result<(), StoreError> {
    if new.is_none() {
        retriage_unlinked(tx, mention_id, rules)?;
    }
    for customer in [old, new].into_iter().flatten() {
        retriage_customer(tx, customer, rules)?;
        if old == new {
            break;
        }
    }
    Ok(())
}

fn retriage_unlinked(
    tx: &Transaction<'_>,
    mention_id: i64,
    rules: &TriageSettings,
) -> Result<(), StoreError> {
    let label: Label = tx.query_row(
        "SELECT label FROM mentions WHERE id = ?1",
        [mention_id],
        |r| r.get(0),
    )?;
    save_unlinked_verdict(tx, mention_id, label, rules)
}

/// A mention without a customer: its priority follows its label alone.
fn save_unlinked_verdict(
    tx: &Transaction<'_>,
    id: i64,
    label: Label,
    rules: &TriageSettings,
) -> Result<(), StoreError> {
    let verdict = triage(label, None, rules);
    save_verdict(tx, id, &verdict)
}

/// Recompute the priority of each of a customer's mentions, oldest first, counting earlier
/// negatives within the repeat window.
pub(crate) fn retriage_customer(
    tx: &Transaction<'_>,
    customer_id: i64,
    rules: &TriageSettings,
) -> Result<(), StoreError> {
    let (tier, value): (Option<String>, Option<f64>) = tx.query_row(
        "SELECT tier, lifetime_value FROM customers WHERE id = ?1",
        [customer_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = tx.prepare_cached(
        "SELECT id, label, COALESCE(published_at, fetched_at) AS at FROM mentions WHERE customer_id = ?1 ORDER BY at, id",
    )?;
    let rows: Vec<(i64, Label, String)> = stmt
        .query_map([customer_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let window =
        chrono::Duration::from_std(rules.repeat_window).unwrap_or(chrono::Duration::days(90));
    let mut negatives: Vec<DateTime<Utc>> = Vec::new();
    for (id, label, at) in rows {
        let at = parse_ts(&at).unwrap_or_default();
        let prior = negatives
            .iter()
            .filter(|&&earlier| at - earlier <= window)
            .count();
        let facts = CustomerFacts {
            tier: tier.clone(),
            lifetime_value: value,
            prior_negatives_in_window: prior,
        };
        save_verdict(tx, id, &triage(label, Some(&facts), rules))?;
        if label == Label::Negative {
            negatives.push(at);
        }
    }
    Ok(())
}

fn retriage_all(tx: &Transaction<'_>, rules: &TriageSettings) -> Result<(), StoreError> {
    let unlinked: Vec<(i64, Label)> = tx
        .prepare("SELECT id, label FROM mentions WHERE customer_id IS NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (id, label) in unlinked {
        save_unlinked_verdict(tx, id, label, rules)?;
    }
    let customers: Vec<i64> = tx
        .prepare("SELECT DISTINCT customer_id FROM mentions WHERE customer_id IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in customers {
        retriage_customer(tx, id, rules)?;
    }
    Ok(())
}

fn save_verdict(
    tx: &Transaction<'_>,
    id: i64,
    verdict: &crate::triage::Verdict,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE mentions SET priority = ?2, priority_reasons = ?3 WHERE id = ?1 \
         AND (priority IS NOT ?2 OR priority_reasons IS NOT ?3)",
    )?
    .execute(params![
        id,
        verdict.priority,
        serde_json::to_string(&verdict.reasons).unwrap_or_else(|_| "[]".into())
    ])?;
    Ok(())
}

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CustomerSummary> {
    Ok(CustomerSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        handles: split_handles(&r.get::<_, String>(4)?),
        tier: r.get(5)?,
        lifetime_value: r.get(6)?,
        notes: r.get(7)?,
        mentions: r.get(8)?,
        negative: r.get(9)?,
        open_cases: r.get(10)?,
        recovered: r.get(11)?,
    })
}
