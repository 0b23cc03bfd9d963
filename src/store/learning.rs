//! What `earshot learn` reads and keeps: the business's labelled mentions (staff
//! corrections, and reviews whose stars say how the customer felt) and the term weights
//! learned from them.

use super::sql::{params, OptionalExtension, Tx};
use chrono::{DateTime, Utc};

use super::mentions::terms_json;
use super::{Store, StoreError};
use crate::model::{Label, Term};

/// Stars at or below this label a review negative for learning.
pub const NEGATIVE_STARS: f32 = 2.0;
/// Stars at or above this label a review positive for learning.
pub const POSITIVE_STARS: f32 = 4.0;

/// A stored mention with a label to learn from.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledText {
    /// Mention id.
    pub id: i64,
    /// Title, where the source has one.
    pub title: Option<String>,
    /// Plain text.
    pub text: String,
    /// The label: staff's correction, else what the stars say.
    pub label: Label,
    /// Staff set the label (a correction), rather than the stars.
    pub by_staff: bool,
}

/// One learned term of the business, as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessTerm {
    /// The word or two words.
    pub term: String,
    /// Its weight on the lexicon's -4..+4 scale, on top of the base model.
    pub weight: f32,
    /// Labelled mentions it appears in.
    pub support: u32,
}

/// A stored mention as re-scoring needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredText {
    /// Mention id.
    pub id: i64,
    /// Title, where the source has one.
    pub title: Option<String>,
    /// Plain text.
    pub text: String,
    /// Stars, when the source gave them.
    pub rating: Option<f32>,
    /// The label as stored.
    pub label: Label,
    /// The score as stored.
    pub score: f32,
    /// Linked customer.
    pub customer_id: Option<i64>,
    /// Staff set its label: a fit never changes it.
    pub corrected: bool,
}

/// Mentions with a label to learn from (?1, ?2: [`NEGATIVE_STARS`], [`POSITIVE_STARS`]).
const LEARNABLE: &str = "dismissed IS NULL AND language IS NULL AND (label_override IS NOT NULL \
     OR rating <= ?1 OR rating >= ?2)";

impl Store {
    /// Every mention with a label to learn from, oldest first: staff corrections, and
    /// reviews of 1–2 stars (negative) or 4–5 stars (positive). A staff correction wins
    /// over the stars; dismissed mentions and posts not in English are left out.
    pub fn learning_texts(&self) -> Result<Vec<LabelledText>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT id, title, text, rating, label_override FROM mentions \
             WHERE {LEARNABLE} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![NEGATIVE_STARS, POSITIVE_STARS], |r| {
            let rating: Option<f32> = r.get(3)?;
            let staff: Option<Label> = r.get(4)?;
            let by_stars = rating.map(|s| {
                if s <= NEGATIVE_STARS {
                    Label::Negative
                } else {
                    Label::Positive
                }
            });
            Ok(LabelledText {
                id: r.get(0)?,
                title: r.get(1)?,
                text: r.get(2)?,
                label: staff.or(by_stars).unwrap_or(Label::Neutral),
                by_staff: staff.is_some(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many mentions [`Store::learning_texts`] would return (without reading them).
    pub fn learning_text_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn().query_row(
            &format!("SELECT COUNT(*) FROM mentions WHERE {LEARNABLE}"),
            params![NEGATIVE_STARS, POSITIVE_STARS],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// The business's learned terms, strongest first.
    pub fn business_terms(&self) -> Result<Vec<BusinessTerm>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT term, weight, support FROM learned_terms ORDER BY abs(weight) DESC, term",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(BusinessTerm {
                term: r.get(0)?,
                weight: r.get(1)?,
                support: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Replaces the business's learned terms.
    pub fn save_business_terms(tx: &Tx<'_>, terms: &[BusinessTerm]) -> Result<(), StoreError> {
        tx.execute("DELETE FROM learned_terms", [])?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO learned_terms (term, weight, support) VALUES (?1, ?2, ?3)",
        )?;
        for t in terms {
            insert.execute(params![t.term, t.weight, t.support])?;
        }
        Ok(())
    }

    /// Records a kept fit: labels learned from, terms kept, stored mentions relabelled.
    pub fn record_learn_run(
        tx: &Tx<'_>,
        labels: usize,
        terms: usize,
        relabelled: usize,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO learn_runs (at, labels, terms, relabelled) VALUES (?1, ?2, ?3, ?4)",
            params![now, labels as i64, terms as i64, relabelled as i64],
        )?;
        Ok(())
    }

    /// How many labelled mentions the kept terms were learned from, and when (None: never).
    pub fn last_fit(&self) -> Result<Option<(usize, DateTime<Utc>)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT labels, at FROM learn_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get::<i64>(0)? as usize, r.get(1)?)),
            )
            .optional()?)
    }

    /// Stored mentions whose label a fit changed in `since..until` (for the digest).
    pub fn relabelled_by_learning(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let n: i64 = self.conn().query_row(
            "SELECT COALESCE(SUM(relabelled), 0) FROM learn_runs WHERE at >= ?1 AND at < ?2",
            params![since, until],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Every stored mention, for re-scoring after a fit.
    pub fn stored_texts(tx: &Tx<'_>) -> Result<Vec<StoredText>, StoreError> {
        let mut stmt = tx.prepare(
            "SELECT id, title, text, rating, label, score, customer_id, label_override IS NOT NULL \
             FROM mentions ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredText {
                id: r.get(0)?,
                title: r.get(1)?,
                text: r.get(2)?,
                rating: r.get(3)?,
                label: r.get(4)?,
                score: r.get(5)?,
                customer_id: r.get(6)?,
                corrected: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a new score of a mention. A label staff set stays: only the model's
    /// label follows the score.
    pub fn save_rescore(
        tx: &Tx<'_>,
        id: i64,
        score: f32,
        label: Label,
        terms: &[Term],
    ) -> Result<(), StoreError> {
        tx.prepare_cached(
            "UPDATE mentions SET score = ?2, label = COALESCE(label_override, ?3), terms = ?4 \
             WHERE id = ?1",
        )?
        .execute(params![id, score, label, terms_json(terms)])?;
        Ok(())
    }
}
