//! Customers in the store: import, lookup, and the links between mentions and customers.
//! Which links to make and what they mean for priorities is the pipeline's to decide.

use std::sync::Arc;

use super::sql::{params, OptionalExtension, SqlResult, Tx};
use chrono::{DateTime, Utc};

use super::{ts, Store, StoreError};
use crate::customers::{
    name_key, split_handles, Candidate, CustomerIndex, CustomerRecord, MatchResult,
};
use crate::model::{CaseStatus, Label, Mention};

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

/// ?2 and ?3 take `Label::Negative` and `CaseStatus::Recovered` (counted per customer).
const SELECT_CUSTOMER: &str =
    "SELECT c.id, c.name, c.email, c.phone, c.handles, c.tier, c.lifetime_value, c.notes, \
    COUNT(m.id), COALESCE(SUM(CASE WHEN m.label = ?2 THEN 1 ELSE 0 END), 0), \
    COALESCE(SUM(m.open), 0), \
    COALESCE(SUM(CASE WHEN m.status = ?3 THEN 1 ELSE 0 END), 0) \
    FROM customers c LEFT JOIN mentions m ON m.customer_id = c.id";

impl Store {
    /// Save imported customers in one transaction, updating those matched by email or
    /// name. Linking their mentions is the pipeline's next step.
    pub fn save_customers(
        &mut self,
        records: &[CustomerRecord],
        now: DateTime<Utc>,
    ) -> Result<ImportSummary, StoreError> {
        let summary = self.transaction(|tx| {
            let mut summary = ImportSummary::default();
            for record in records {
                match existing_customer(tx, record)? {
                    Some(id) => {
                        update_customer(tx, id, record, now)?;
                        summary.updated += 1;
                    }
                    None => {
                        insert_customer(tx, record, now)?;
                        summary.added += 1;
                    }
                }
            }
            Ok(summary)
        })?;
        self.customer_cache = None;
        Ok(summary)
    }

    /// Every mention whose link staff have not fixed by hand, with its author as matching
    /// reads it (email first, then the name).
    pub fn unlocked_authors(tx: &Tx<'_>) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = tx.prepare(
            "SELECT id, TRIM(COALESCE(author_email, '') || ' ' || COALESCE(author, '')) \
             FROM mentions WHERE link_locked = 0 ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// All customers in an index for matching (cached until customers change).
    pub fn customer_index(&mut self) -> Result<Arc<CustomerIndex>, StoreError> {
        if let Some(index) = &self.customer_cache {
            return Ok(index.clone());
        }
        let mut index = CustomerIndex::default();
        let mut stmt = self
            .conn()
            .prepare("SELECT id, name, email, handles FROM customers")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<i64>(0)?,
                CustomerRecord {
                    name: r.get(1)?,
                    email: r.get(2)?,
                    handles: split_handles(&r.get::<String>(3)?),
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
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(
            params![pattern, Label::Negative, CaseStatus::Recovered],
            summary_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One customer with their mentions.
    pub fn customer_detail(&self, id: i64) -> Result<CustomerDetail, StoreError> {
        let summary = self
            .conn()
            .query_row(
                &format!("{SELECT_CUSTOMER} WHERE c.id = ?1 GROUP BY c.id"),
                params![id, Label::Negative, CaseStatus::Recovered],
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

    /// Staff override: link a mention to a customer (or unlink with None), kept across
    /// re-polls and re-imports, with a history entry. Returns the customer's name.
    pub fn set_manual_link(
        tx: &Tx<'_>,
        mention_id: i64,
        customer_id: Option<i64>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        Store::mention_link(tx, mention_id)?;
        let name = match customer_id {
            Some(id) => Some(
                tx.query_row("SELECT name FROM customers WHERE id = ?1", [id], |r| {
                    r.get::<String>(0)
                })
                .optional()?
                .ok_or(StoreError::NoSuchCustomer(id))?,
            ),
            None => None,
        };
        let note = match (&name, customer_id) {
            (Some(name), Some(id)) => format!("linked to {name} (#{id})"),
            _ => "unlinked from customer".to_owned(),
        };
        tx.execute(
            "UPDATE mentions SET customer_id = ?2, link_confidence = NULL, link_locked = 1, link_suggestions = '[]' WHERE id = ?1",
            params![mention_id, customer_id],
        )?;
        super::mentions::record_event(tx, mention_id, now, "link", Some(note), None, Some(by))?;
        Ok(name)
    }

    /// The suggested (unlinked) customers of a mention.
    pub fn link_suggestions(&self, mention_id: i64) -> Result<Vec<Candidate>, StoreError> {
        let json: String = self
            .conn()
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

fn existing_customer(tx: &Tx<'_>, record: &CustomerRecord) -> Result<Option<i64>, StoreError> {
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

fn insert_customer(tx: &Tx<'_>, r: &CustomerRecord, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO customers (name, email, phone, handles, tier, lifetime_value, notes, name_key, imported_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![r.name, r.email, r.phone, r.handles.join(" "), r.tier, r.lifetime_value, r.notes, name_key(&r.name), ts(now)],
    )?;
    Ok(())
}

fn update_customer(
    tx: &Tx<'_>,
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

impl Store {
    /// Store an automatic match; a row whose link did not change is not rewritten.
    pub fn save_link(tx: &Tx<'_>, id: i64, result: &MatchResult) -> Result<(), StoreError> {
        tx.prepare_cached(
        "UPDATE mentions SET customer_id = ?2, link_confidence = ?3, link_suggestions = ?4 WHERE id = ?1 \
         AND (customer_id IS DISTINCT FROM ?2 OR link_confidence IS DISTINCT FROM ?3 OR link_suggestions IS DISTINCT FROM ?4)",
    )?
    .execute(params![
        id,
        result.link.as_ref().map(|c| c.customer_id),
        result.link.as_ref().map(|c| c.confidence),
        suggestions_json(&result.suggestions)
    ])?;
        Ok(())
    }
}

fn suggestions_json(suggestions: &[Candidate]) -> String {
    serde_json::to_string(suggestions).unwrap_or_else(|_| "[]".into())
}

fn summary_from_row(r: &super::sql::Row<'_>) -> SqlResult<CustomerSummary> {
    Ok(CustomerSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        handles: split_handles(&r.get::<String>(4)?),
        tier: r.get(5)?,
        lifetime_value: r.get(6)?,
        notes: r.get(7)?,
        mentions: r.get(8)?,
        negative: r.get(9)?,
        open_cases: r.get(10)?,
        recovered: r.get(11)?,
    })
}
