//! Aggregates over the log: sentiment per week and source, for the web log's chart.

use super::sql::{params, Dialect};
use chrono::{DateTime, NaiveDate, Utc};

use super::{ts, Store, StoreError};
use crate::model::Label;

/// Mentions of one source in one week (Monday to Sunday, by publication time).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeekSentiment {
    /// The Monday the week starts on.
    pub week: NaiveDate,
    /// Source name.
    pub source: String,
    /// Mentions that week.
    pub count: i64,
    /// Average score in [-1, 1].
    pub average: f64,
    /// Negative mentions.
    pub negative: i64,
    /// Neutral mentions.
    pub neutral: i64,
    /// Positive mentions.
    pub positive: i64,
}

impl Store {
    /// Sentiment per week and source since `since` (all time when None), oldest week first.
    pub fn sentiment_by_week(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<WeekSentiment>, StoreError> {
        // date(…, 'weekday 0', '-6 days') (date_trunc('week') on PostgreSQL) is the Monday of the week holding the day. Posts
        // the model did not read (not in English, no stars) have no score: they are left
        // out of the chart until staff give them a label, and out of the average always
        // (see `sentiment::was_scored`).
        let monday = match self.conn().dialect() {
            Dialect::Sqlite => "date(COALESCE(published_at, fetched_at), 'weekday 0', '-6 days')",
            Dialect::Postgres => {
                "to_char(date_trunc('week', CAST(COALESCE(published_at, fetched_at) AS timestamptz) \
                 AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
            }
        };
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {monday} AS week, source, COUNT(*), \
             COALESCE(AVG(CASE WHEN language IS NULL OR rating IS NOT NULL THEN score END), 0), \
             SUM(CASE WHEN label = ?2 THEN 1 ELSE 0 END), SUM(CASE WHEN label = ?3 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN label = ?4 THEN 1 ELSE 0 END) FROM mentions \
             WHERE dismissed IS NULL AND label != 'unscored' \
             AND (CAST(?1 AS TEXT) IS NULL OR COALESCE(published_at, fetched_at) >= ?1) \
             GROUP BY week, source ORDER BY week, source"
        ))?;
        let labels = (Label::Negative, Label::Neutral, Label::Positive);
        let rows = stmt.query_map(params![since.map(ts), labels.0, labels.1, labels.2], |r| {
            let week: String = r.get(0)?;
            Ok(WeekSentiment {
                week: NaiveDate::parse_from_str(&week, "%Y-%m-%d").unwrap_or_default(),
                source: r.get(1)?,
                count: r.get(2)?,
                average: r.get(3)?,
                negative: r.get(4)?,
                neutral: r.get(5)?,
                positive: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Label, Priority};
    use crate::store::{CaseAction, MentionFilter, NewMention, Order};
    use crate::test_support::at;

    fn add(store: &mut Store, key: &str, source: &str, when: &str, score: f32, priority: Priority) {
        let label = if score < 0.0 {
            Label::Negative
        } else if score > 0.0 {
            Label::Positive
        } else {
            Label::Neutral
        };
        let mention = NewMention {
            author_email: None,
            source: source.into(),
            key: key.into(),
            content_hash: key.into(),
            url: None,
            author: None,
            title: None,
            text: "t".into(),
            published_at: Some(at(when)),
            rating: None,
            score,
            label,
            language: None,
            terms: vec![],
            priority,
            priority_reasons: vec![],
            location: None,
        };
        crate::test_support::store_decided(store, &mention, at(when));
    }

    #[test]
    fn weeks_start_on_monday_and_split_by_source() {
        let mut store = crate::test_support::test_store();
        // 2026-11-16 is a Monday; the 22nd the Sunday of that week.
        add(
            &mut store,
            "a",
            "forum",
            "2026-11-16T08:00:00Z",
            -0.5,
            Priority::High,
        );
        add(
            &mut store,
            "b",
            "forum",
            "2026-11-22T20:00:00Z",
            0.5,
            Priority::Low,
        );
        add(
            &mut store,
            "c",
            "forum",
            "2026-11-23T08:00:00Z",
            0.0,
            Priority::Normal,
        );
        add(
            &mut store,
            "d",
            "social",
            "2026-11-18T08:00:00Z",
            0.5,
            Priority::Low,
        );
        let weeks = store.sentiment_by_week(None).unwrap();
        let summary: Vec<(String, &str, i64, i64)> = weeks
            .iter()
            .map(|w| (w.week.to_string(), w.source.as_str(), w.count, w.negative))
            .collect();
        assert_eq!(
            summary,
            [
                ("2026-11-16".to_owned(), "forum", 2, 1),
                ("2026-11-16".to_owned(), "social", 1, 0),
                ("2026-11-23".to_owned(), "forum", 1, 0),
            ]
        );
        assert!(weeks[0].average.abs() < 1e-6);
        let recent = store
            .sentiment_by_week(Some(at("2026-11-23T00:00:00Z")))
            .unwrap();
        assert_eq!(recent.len(), 1);
    }

    #[test]
    fn triage_order_puts_open_urgent_cases_first_then_newest() {
        let mut store = crate::test_support::test_store();
        add(
            &mut store,
            "old-urgent",
            "s",
            "2026-11-01T08:00:00Z",
            -0.5,
            Priority::Urgent,
        );
        add(
            &mut store,
            "new-low",
            "s",
            "2026-11-20T08:00:00Z",
            0.5,
            Priority::Low,
        );
        add(
            &mut store,
            "mid-high",
            "s",
            "2026-11-10T08:00:00Z",
            -0.5,
            Priority::High,
        );
        let ids = |store: &Store, order| -> Vec<i64> {
            store
                .mentions(&MentionFilter {
                    order,
                    now: Some(at("2026-11-21T00:00:00Z")),
                    ..Default::default()
                })
                .unwrap()
                .iter()
                .map(|m| m.id)
                .collect()
        };
        assert_eq!(ids(&store, Order::Newest), [2, 3, 1]);
        assert_eq!(ids(&store, Order::Triage), [1, 2, 3]);
        // A promise past its due date joins the top group.
        let due = at("2026-11-15T00:00:00Z");
        crate::pipeline::update_case(
            &mut store,
            3,
            CaseAction::Promise { due },
            None,
            "t",
            at("2026-11-11T00:00:00Z"),
        )
        .unwrap();
        assert_eq!(ids(&store, Order::Triage), [3, 1, 2]);
    }
}
