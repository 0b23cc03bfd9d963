//! Mentions: insert-or-update by stable key, the filtered log, one mention in full.

use super::sql::{params, Dialect, OptionalExtension, Row, Tx};
use super::sql::{SqlResult, ToSql};
use chrono::{DateTime, Utc};

use super::{parse_ts, ts, Store, StoreError};
use crate::model::{CaseStatus, CustomerRef, Label, Language, Mention, Priority, Term};

/// A mention ready to store: extracted, keyed, scored and triaged.
#[derive(Debug, Clone)]
pub struct NewMention {
    /// Source name.
    pub source: String,
    /// Stable key within the source (see `sources::dedupe`).
    pub key: String,
    /// Hash of the visible content, to detect edits.
    pub content_hash: String,
    /// Link.
    pub url: Option<String>,
    /// Author's display name (or their email when that is all the source gives).
    pub author: Option<String>,
    /// Author's email, when the source gives one: customers link by it first.
    pub author_email: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Plain text.
    pub text: String,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Stars 1..=5.
    pub rating: Option<f32>,
    /// Sentiment value.
    pub score: f32,
    /// Sentiment label.
    pub label: Label,
    /// The language of a text not in English.
    pub language: Option<Language>,
    /// Driving terms.
    pub terms: Vec<Term>,
    /// Triage priority.
    pub priority: Priority,
    /// Why that priority.
    pub priority_reasons: Vec<String>,
    /// The location of its source (`[[source]] location`), kept as it was when first stored.
    pub location: Option<String>,
}

/// What storing a mention did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionUpdate {
    /// First time seen.
    Inserted(i64),
    /// Seen before, and the author edited it.
    Edited {
        /// Mention id.
        id: i64,
        /// Its label before the edit.
        was: Label,
        /// Its case status when edited.
        status: CaseStatus,
    },
    /// Seen before, unchanged.
    Unchanged(i64),
}

/// Status filter of the log: one status, or everything still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Exactly this status.
    Is(CaseStatus),
    /// Not resolved or recovered.
    Open,
}

impl std::str::FromStr for StatusFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("open") {
            Ok(StatusFilter::Open)
        } else {
            s.parse().map(StatusFilter::Is)
        }
    }
}

/// The order of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first (the CLI's order).
    #[default]
    Newest,
    /// Open urgent cases and overdue promises first, then newest first (the web log).
    Triage,
}

/// The log's filters; the CLI and the web page both build one of these.
#[derive(Debug, Clone, Default)]
pub struct MentionFilter {
    /// Sentiment label.
    pub label: Option<Label>,
    /// Case status.
    pub status: Option<StatusFilter>,
    /// Priority.
    pub priority: Option<Priority>,
    /// Part of a linked customer's name or the author's name.
    pub customer: Option<String>,
    /// Source name.
    pub source: Option<String>,
    /// Published (or first seen) at or after.
    pub since: Option<DateTime<Utc>>,
    /// Full-text search over title, text and author.
    pub search: Option<String>,
    /// At most this many rows.
    pub limit: Option<usize>,
    /// Skip this many rows (paging).
    pub offset: usize,
    /// Only mentions linked to this customer.
    pub customer_id: Option<i64>,
    /// The time "overdue" is judged at (default: now).
    pub now: Option<DateTime<Utc>>,
    /// Row order.
    pub order: Order,
    /// Mentions staff set aside: hidden unless asked for.
    pub dismissed: DismissedFilter,
    /// Whose cases (`--assigned`).
    pub assigned: Option<AssignedFilter>,
    /// Only mentions heard at this location (`--location`, a location manager's view).
    pub location: Option<String>,
}

/// Whose cases the log shows (`mentions --assigned NAME|me|nobody`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignedFilter {
    /// Assigned to nobody.
    Nobody,
    /// Assigned to this person (staff id).
    To(i64),
}

/// Whether the log shows mentions staff dismissed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DismissedFilter {
    /// Leave them out (the default view, the counts).
    #[default]
    Hide,
    /// Only them (`--dismissed`).
    Only,
    /// Everything (a customer's whole history, `show`).
    Include,
}

/// A history entry of a mention: edits and status changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    /// When.
    pub at: DateTime<Utc>,
    /// What happened: "new", "edited", "acknowledged", "promised", "resolved", "recovered"…
    pub kind: String,
    /// Staff note.
    pub note: Option<String>,
    /// Due date of a promise.
    pub due_at: Option<DateTime<Utc>>,
    /// Who.
    pub by: Option<String>,
}

/// One mention in full, for `show`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDetail {
    /// The mention.
    #[serde(flatten)]
    pub mention: Mention,
    /// Why its priority.
    pub priority_reasons: Vec<String>,
    /// Its history, oldest first.
    pub events: Vec<Event>,
}

/// From this many full-text matches on, a search scans by date instead of sorting matches.
const COMMON_MATCHES: usize = 2_000;

const SELECT_MENTION: &str = "SELECT m.id, m.source, m.url, m.author, m.title, m.text, \
    m.published_at, m.fetched_at, m.rating, m.score, m.label, m.terms, m.priority, m.status, \
    c.id, c.name, c.tier, m.priority_reasons, m.promise_due_at, m.dismissed, \
    m.label_override IS NOT NULL, m.removed_at, m.language, s.name, m.location \
    FROM mentions m LEFT JOIN customers c ON c.id = m.customer_id \
    LEFT JOIN staff s ON s.id = m.assigned_to";

impl Store {
    /// Insert a new mention or update an edited one; an unchanged one is left alone.
    pub fn upsert_mention(
        tx: &Tx<'_>,
        new: &NewMention,
        now: DateTime<Utc>,
    ) -> Result<MentionUpdate, StoreError> {
        let existing: Option<(i64, String, Label, CaseStatus)> = tx
            .query_row(
                "SELECT id, content_hash, label, status FROM mentions WHERE source = ?1 AND key = ?2",
                params![new.source, new.key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        match existing {
            None => insert(tx, new, now).map(MentionUpdate::Inserted),
            Some((id, hash, _, _)) if hash == new.content_hash => Ok(MentionUpdate::Unchanged(id)),
            Some((id, _, was, status)) => {
                update_edited(tx, id, new, now)?;
                record_event(tx, id, now, "edited", None, None, None)?;
                Ok(MentionUpdate::Edited { id, was, status })
            }
        }
    }

    /// A source's mentions by key, with whether each is marked removed upstream.
    pub fn listed_mentions(
        tx: &Tx<'_>,
        source: &str,
    ) -> Result<Vec<(i64, String, bool)>, StoreError> {
        let mut statement =
            tx.prepare("SELECT id, key, removed_at IS NOT NULL FROM mentions WHERE source = ?1")?;
        let rows = statement
            .query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Mark a mention removed upstream (`removed`), or listed again, with an event.
    pub fn set_removed_upstream(
        tx: &Tx<'_>,
        id: i64,
        removed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let at = removed.then(|| ts(now));
        tx.execute(
            "UPDATE mentions SET removed_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        let kind = if removed {
            "removed upstream"
        } else {
            "listed again upstream"
        };
        record_event(tx, id, now, kind, None, None, None)
    }

    /// A resolved complaint its author edited: the recovery worked.
    pub fn mark_recovered(
        tx: &Tx<'_>,
        id: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE mentions SET status = ?2 WHERE id = ?1",
            params![id, CaseStatus::Recovered.as_str()],
        )?;
        let kind = CaseStatus::Recovered.as_str();
        record_event(tx, id, now, kind, Some(note.to_owned()), None, None)
    }

    /// The mention log in the filter's order, one page of it.
    pub fn mentions(&self, filter: &MentionFilter) -> Result<Vec<Mention>, StoreError> {
        let dialect = self.conn().dialect();
        let common = match filter.search.as_deref().and_then(|s| fts_query(s, dialect)) {
            Some(query) => self.matches_at_least(&query, COMMON_MATCHES)?,
            None => false,
        };
        let now = filter.now.unwrap_or_else(Utc::now);
        let page = Page {
            limit: filter.limit,
            offset: filter.offset,
        };
        match filter.order {
            Order::Newest => self.select(filter, common, Part::All, now, page),
            Order::Triage => self.triage_page(filter, common, now),
        }
    }

    /// The triage order without sorting every row: the (few) rows that need a person now
    /// come from their own indexes, then the rest newest first from the date index, and
    /// the page is cut across the two. One read transaction, so both see one snapshot.
    fn triage_page(
        &self,
        filter: &MentionFilter,
        common: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Mention>, StoreError> {
        self.snapshot(|store| store.triage_parts(filter, common, now))
    }

    /// [`Store::triage_page`]'s two reads.
    fn triage_parts(
        &self,
        filter: &MentionFilter,
        common: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Mention>, StoreError> {
        let (limit, offset) = (filter.limit, filter.offset);
        let page = Page { limit, offset };
        let mut rows = self.select(filter, common, Part::NeedsPerson, now, page)?;
        if limit.is_some_and(|limit| rows.len() >= limit) {
            return Ok(rows);
        }
        // Rows came from the first part: the page starts in it, so the rest from its top.
        // None came: the page starts past the first part, as far past it as the offset.
        let skip = match (rows.is_empty(), offset) {
            (false, _) | (true, 0) => 0,
            (true, _) => {
                let first = self.count(filter, common, Part::NeedsPerson, now)?;
                offset.saturating_sub(first)
            }
        };
        let rest = Page {
            limit: limit.map(|limit| limit - rows.len()),
            offset: skip,
        };
        rows.extend(self.select(filter, common, Part::Rest, now, rest)?);
        Ok(rows)
    }

    /// One part of the log, newest first.
    fn select(
        &self,
        filter: &MentionFilter,
        common: bool,
        part: Part,
        now: DateTime<Utc>,
        page: Page,
    ) -> Result<Vec<Mention>, StoreError> {
        let w = filter_where(filter, common, part, now, self.conn().dialect());
        // No limit: SQLite says -1, PostgreSQL ALL.
        let limit = match (page.limit, self.conn().dialect()) {
            (Some(limit), _) => limit.to_string(),
            (None, Dialect::Sqlite) => "-1".to_string(),
            (None, Dialect::Postgres) => "ALL".to_string(),
        };
        let sql = format!(
            "{SELECT_MENTION}{} ORDER BY COALESCE(m.published_at, m.fetched_at) DESC, m.id DESC \
             LIMIT {limit} OFFSET {}",
            w.sql(),
            page.offset
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(w.refs().as_slice(), |r| mention_from_row(r, now))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many rows one part of the log holds.
    fn count(
        &self,
        filter: &MentionFilter,
        common: bool,
        part: Part,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let w = filter_where(filter, common, part, now, self.conn().dialect());
        let sql = format!("SELECT COUNT(*) FROM mentions m{}", w.sql());
        let count: i64 = self
            .conn()
            .query_row(&sql, w.refs().as_slice(), |r| r.get(0))?;
        Ok(count as usize)
    }

    /// One mention with its history.
    pub fn mention_detail(&self, id: i64) -> Result<StoredDetail, StoreError> {
        let (mention, reasons) = self
            .conn()
            .query_row(&format!("{SELECT_MENTION} WHERE m.id = ?1"), [id], |r| {
                let reasons: String = r.get(17)?;
                Ok((mention_from_row(r, Utc::now())?, reasons))
            })
            .optional()?
            .ok_or(StoreError::NoSuchMention(id))?;
        Ok(StoredDetail {
            mention,
            priority_reasons: serde_json::from_str(&reasons).unwrap_or_default(),
            events: self.events(id)?,
        })
    }

    /// History of a mention, oldest first.
    pub fn events(&self, id: i64) -> Result<Vec<Event>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT at, kind, note, due_at, \"by\" FROM mention_events WHERE mention_id = ?1 ORDER BY at, id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(Event {
                at: parse_ts(&r.get::<String>(0)?).unwrap_or_default(),
                kind: r.get(1)?,
                note: r.get(2)?,
                due_at: r.get::<Option<String>>(3)?.as_deref().and_then(parse_ts),
                by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// True when a full-text query matches at least `n` mentions (costs at most `n` steps).
    fn matches_at_least(&self, query: &str, n: usize) -> Result<bool, StoreError> {
        let sql = match self.conn().dialect() {
            Dialect::Sqlite => {
                "SELECT count(*) FROM (SELECT 1 FROM mentions_fts WHERE mentions_fts MATCH ?1 LIMIT ?2)"
            }
            Dialect::Postgres => {
                "SELECT count(*) FROM (SELECT 1 FROM mentions \
                 WHERE fts_all @@ to_tsquery('earshot', ?1) LIMIT ?2) AS hits"
            }
        };
        let count: i64 = self
            .conn()
            .query_row(sql, params![query, n as i64], |r| r.get(0))?;
        Ok(count as usize >= n)
    }

    /// A customer's mentions, newest first.
    pub fn mentions_of_customer(&self, customer_id: i64) -> Result<Vec<Mention>, StoreError> {
        self.mentions(&MentionFilter {
            customer_id: Some(customer_id),
            dismissed: DismissedFilter::Include,
            ..Default::default()
        })
    }

    /// Number of stored mentions.
    pub fn mention_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM mentions", [], |r| r.get(0))?)
    }
}

fn insert(tx: &Tx<'_>, new: &NewMention, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let id = tx.query_row(
        "INSERT INTO mentions (source, key, content_hash, url, author, title, text, published_at, \
         fetched_at, rating, score, label, terms, priority, priority_reasons, status, author_email, \
         language, location) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?17, ?16, ?18, ?19) \
         RETURNING id",
        params![
            new.source,
            new.key,
            new.content_hash,
            new.url,
            new.author,
            new.title,
            new.text,
            new.published_at.map(ts),
            ts(now),
            new.rating,
            new.score,
            new.label,
            terms_json(&new.terms),
            new.priority,
            serde_json::to_string(&new.priority_reasons).unwrap_or_else(|_| "[]".into()),
            new.author_email,
            CaseStatus::New,
            new.language,
            new.location,
        ],
        |r| r.get::<i64>(0),
    )?;
    record_event(tx, id, now, "new", None, None, None)?;
    Ok(id)
}

fn update_edited(
    tx: &Tx<'_>,
    id: i64,
    new: &NewMention,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE mentions SET content_hash = ?2, url = ?3, author = ?4, title = ?5, text = ?6, \
         published_at = COALESCE(?7, published_at), updated_at = ?8, rating = ?9, score = ?10, \
         label = ?11, terms = ?12, author_email = ?13, label_override = NULL, language = ?14 \
         WHERE id = ?1",
        params![
            id,
            new.content_hash,
            new.url,
            new.author,
            new.title,
            new.text,
            new.published_at.map(ts),
            ts(now),
            new.rating,
            new.score,
            new.label,
            terms_json(&new.terms),
            new.author_email,
            new.language,
        ],
    )?;
    Ok(())
}

/// Append a history entry.
pub(crate) fn record_event(
    tx: &Tx<'_>,
    id: i64,
    at: DateTime<Utc>,
    kind: &str,
    note: Option<String>,
    due_at: Option<DateTime<Utc>>,
    by: Option<&str>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO mention_events (mention_id, at, kind, note, due_at, \"by\") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, ts(at), kind, note, due_at.map(ts), by],
    )?;
    Ok(())
}

pub(super) fn terms_json(terms: &[Term]) -> String {
    serde_json::to_string(terms).unwrap_or_else(|_| "[]".into())
}

/// A page of a query: at most `limit` rows (all when None) after `offset`.
#[derive(Debug, Clone, Copy)]
struct Page {
    limit: Option<usize>,
    offset: usize,
}

/// Which rows of the triage order a query takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Every row the filter matches.
    All,
    /// Those that need a person now: an open urgent case, or a promise past its due date.
    NeedsPerson,
    /// All the others.
    Rest,
}

/// WHERE clauses with numbered parameters, built up one filter at a time.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    args: Vec<Box<dyn ToSql>>,
}

impl Where {
    /// " WHERE a AND b", or nothing.
    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            return String::new();
        }
        format!(" WHERE {}", self.clauses.join(" AND "))
    }

    fn refs(&self) -> Vec<&dyn ToSql> {
        self.args.iter().map(|a| a.as_ref()).collect()
    }

    /// Add a clause with one `?`.
    fn push(&mut self, clause: &str, value: Box<dyn ToSql>) {
        self.push_all(clause, vec![value]);
    }

    /// Add a clause whose `?`s take `values` in order.
    fn push_all(&mut self, clause: &str, values: Vec<Box<dyn ToSql>>) {
        let mut numbered = String::with_capacity(clause.len() + 8);
        let mut values = values.into_iter();
        for c in clause.chars() {
            if c == '?' {
                self.args
                    .push(values.next().expect("one value per placeholder"));
                numbered.push_str(&format!("?{}", self.args.len()));
            } else {
                numbered.push(c);
            }
        }
        self.clauses.push(numbered);
    }
}

/// The filter's WHERE clauses (only `m.` columns, so a count needs no join), for one
/// `part` of the log as judged at `now`. `common`: the search words match so many mentions
/// that scanning by date is cheaper.
fn filter_where(
    filter: &MentionFilter,
    common: bool,
    part: Part,
    now: DateTime<Utc>,
    dialect: Dialect,
) -> Where {
    let mut w = Where::default();
    match filter.dismissed {
        DismissedFilter::Hide => w.clauses.push("m.dismissed IS NULL".into()),
        DismissedFilter::Only => w.clauses.push("m.dismissed IS NOT NULL".into()),
        DismissedFilter::Include => {}
    }
    if let Some(label) = filter.label {
        w.push("m.label = ?", Box::new(label));
    }
    match filter.status {
        Some(StatusFilter::Is(status)) => w.push("m.status = ?", Box::new(status)),
        // Open is the pipeline's decision, kept in the `open` column.
        Some(StatusFilter::Open) => w.clauses.push("m.open = 1".into()),
        None => {}
    }
    if let Some(priority) = filter.priority {
        w.push("m.priority = ?", Box::new(priority));
    }
    if let Some(id) = filter.customer_id {
        w.push("m.customer_id = ?", Box::new(id));
    }
    match filter.assigned {
        Some(AssignedFilter::To(id)) => w.push("m.assigned_to = ?", Box::new(id)),
        Some(AssignedFilter::Nobody) => w.clauses.push("m.assigned_to IS NULL".into()),
        None => {}
    }
    if let Some(source) = &filter.source {
        w.push("m.source = ?", Box::new(source.clone()));
    }
    if let Some(location) = &filter.location {
        w.push("m.location = ?", Box::new(location.clone()));
    }
    if let Some(since) = filter.since {
        w.push(
            "COALESCE(m.published_at, m.fetched_at) >= ?",
            Box::new(ts(since)),
        );
    }
    if let Some(customer) = filter.customer.as_deref() {
        // A linked customer's name (small table), or the author's words by prefix through
        // the full-text index: both use an index, never a scan of every mention.
        let by_name = "m.customer_id IN (SELECT id FROM customers WHERE name LIKE ? ESCAPE '\\')";
        let by_author = match dialect {
            Dialect::Sqlite => {
                "m.id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?)"
            }
            Dialect::Postgres => "m.fts_author @@ to_tsquery('earshot', ?)",
        };
        match fts_author_query(customer, dialect) {
            Some(author) => w.push_all(
                &format!("({by_name} OR {by_author})"),
                vec![Box::new(like_pattern(customer)), Box::new(author)],
            ),
            None => w.push(by_name, Box::new(like_pattern(customer))),
        }
    }
    if let Some(query) = filter.search.as_deref().and_then(|s| fts_query(s, dialect)) {
        // Many matches: walk the date index and stop at the limit (`+` keeps SQLite's
        // planner from driving the query by the match list). Few matches: look them up
        // and sort. PostgreSQL's planner weighs the GIN index against the date index itself.
        let clause = match (dialect, common) {
            (Dialect::Sqlite, true) => {
                "+m.id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?)"
            }
            (Dialect::Sqlite, false) => {
                "m.id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?)"
            }
            (Dialect::Postgres, _) => "m.fts_all @@ to_tsquery('earshot', ?)",
        };
        w.push(clause, Box::new(query));
    }
    // The rows that need a person, looked up by index (open, priority) and (open, status,
    // promise_due_at): few, so the first part is a short sort and the rest a walk of the
    // date index. A promise with no due date is not overdue, as it never was.
    let needs_person = |op: &str| {
        format!(
            "m.id {op} (SELECT id FROM mentions WHERE open = 1 AND priority = ? UNION ALL \
             SELECT id FROM mentions WHERE open = 1 AND status = ? AND promise_due_at < ?)"
        )
    };
    let values = || -> Vec<Box<dyn ToSql>> {
        vec![
            Box::new(Priority::Urgent),
            Box::new(CaseStatus::Promised),
            Box::new(ts(now)),
        ]
    };
    match part {
        Part::All => {}
        Part::NeedsPerson => w.push_all(&needs_person("IN"), values()),
        Part::Rest => w.push_all(&needs_person("NOT IN"), values()),
    }
    w
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// `--customer` words as a prefix query on the author column: "Jane D" finds "Jane Doe".
fn fts_author_query(text: &str, dialect: Dialect) -> Option<String> {
    let words = fts_words(text);
    if words.is_empty() {
        return None;
    }
    Some(match dialect {
        Dialect::Sqlite => {
            let prefixes: Vec<String> = words.iter().map(|w| format!("\"{w}\"*")).collect();
            format!("author : ({})", prefixes.join(" AND "))
        }
        Dialect::Postgres => {
            let prefixes: Vec<String> = words
                .iter()
                .map(|w| format!("{}:*", ts_literal(w)))
                .collect();
            prefixes.join(" & ")
        }
    })
}

/// Longest search a person may type, in words and in characters: a search of hundreds of
/// repeated words costs seconds of the database's time (issue 13, item 7).
pub const MAX_SEARCH_WORDS: usize = 12;
/// See [`MAX_SEARCH_WORDS`].
pub const MAX_SEARCH_CHARS: usize = 200;

/// Check a search (or customer name) as typed: at most [`MAX_SEARCH_WORDS`] words and
/// [`MAX_SEARCH_CHARS`] characters, with a message that says so.
pub fn check_search(what: &str, text: &str) -> Result<(), String> {
    let words = fts_words(text).len();
    let chars = text.chars().count();
    if words > MAX_SEARCH_WORDS || chars > MAX_SEARCH_CHARS {
        return Err(format!(
            "{what} is too long ({words} words, {chars} characters): use at most \
             {MAX_SEARCH_WORDS} words and {MAX_SEARCH_CHARS} characters"
        ));
    }
    Ok(())
}

/// Turn what a person typed into a safe FTS5 query: every word must appear; quotes and
/// operators are taken literally.
pub(crate) fn fts_query(text: &str, dialect: Dialect) -> Option<String> {
    let words = fts_words(text);
    if words.is_empty() {
        return None;
    }
    Some(match dialect {
        Dialect::Sqlite => words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" "),
        Dialect::Postgres => words
            .iter()
            .map(|w| ts_literal(w))
            .collect::<Vec<_>>()
            .join(" & "),
    })
}

/// The typed words (letters, digits and inner apostrophes), each to be quoted as a
/// string of the search syntax, so nothing typed is read as an operator.
fn fts_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A word as a quoted PostgreSQL tsquery literal ('it''s').
fn ts_literal(word: &str) -> String {
    format!("'{}'", word.replace('\'', "''"))
}

fn mention_from_row(r: &Row<'_>, now: DateTime<Utc>) -> SqlResult<Mention> {
    let terms: String = r.get(11)?;
    let status: CaseStatus = r.get(13)?;
    let promise_due_at = r.get::<Option<String>>(18)?.as_deref().and_then(parse_ts);
    let customer = match r.get::<Option<i64>>(14)? {
        Some(id) => Some(CustomerRef {
            id,
            name: r.get(15)?,
            tier: r.get(16)?,
        }),
        None => None,
    };
    let rating: Option<f32> = r.get(8)?;
    let language: Option<Language> = r.get(22)?;
    let scored = crate::sentiment::was_scored(language, rating);
    Ok(Mention {
        id: r.get(0)?,
        source: r.get(1)?,
        url: r.get(2)?,
        author: r.get(3)?,
        title: r.get(4)?,
        text: r.get(5)?,
        published_at: r.get::<Option<String>>(6)?.as_deref().and_then(parse_ts),
        fetched_at: parse_ts(&r.get::<String>(7)?).unwrap_or_default(),
        rating,
        score: if scored { Some(r.get(9)?) } else { None },
        label: r.get(10)?,
        language,
        terms: serde_json::from_str(&terms).unwrap_or_default(),
        priority: r.get(12)?,
        status,
        customer,
        overdue: status == CaseStatus::Promised && promise_due_at.is_some_and(|due| due < now),
        promise_due_at,
        dismissed: r.get(19)?,
        relabelled: r.get(20)?,
        removed_at: r.get::<Option<String>>(21)?.as_deref().and_then(parse_ts),
        assignee: r.get(23)?,
        location: r.get(24)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    #[test]
    fn searches_with_many_repeated_words_hold_the_store_no_more() {
        assert!(check_search("--search", "cold coffee rude staff").is_ok());
        let long = vec!["rude"; 400].join(" ");
        let err = check_search("--search", &long).unwrap_err();
        assert!(
            err.contains("400 words") && err.contains("at most 12 words"),
            "{err}"
        );
        let wide = "x".repeat(201);
        assert!(check_search("Search", &wide)
            .unwrap_err()
            .starts_with("Search is too long"));
    }

    #[test]
    fn fts_query_quotes_every_word() {
        let sqlite = |text| fts_query(text, Dialect::Sqlite);
        assert_eq!(sqlite("rude staff").unwrap(), "\"rude\" \"staff\"");
        assert_eq!(sqlite("\"NEAR( OR").unwrap(), "\"NEAR\" \"OR\"");
        assert_eq!(sqlite("  !! "), None);
        let postgres = |text| fts_query(text, Dialect::Postgres);
        assert_eq!(postgres("rude staff").unwrap(), "'rude' & 'staff'");
        assert_eq!(postgres("it's !& | <->").unwrap(), "'it''s'");
        assert_eq!(postgres("  !! "), None);
    }

    fn store_with(texts: &[(usize, &str, &str)]) -> Store {
        let mut store = crate::test_support::test_store();
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store
            .transaction(|tx| {
                for (i, author, text) in texts {
                    let mention = NewMention {
                        author_email: None,
                        source: "s".into(),
                        key: format!("id:{i}"),
                        content_hash: i.to_string(),
                        url: None,
                        author: Some(author.to_string()),
                        title: None,
                        text: text.to_string(),
                        published_at: Some(start + crate::clock::MINUTE * *i as i32),
                        rating: None,
                        score: 0.0,
                        label: Label::Neutral,
                        language: None,
                        terms: vec![],
                        priority: Priority::Normal,
                        priority_reasons: vec![],
                        location: None,
                    };
                    Store::upsert_mention(tx, &mention, start)?;
                }
                Ok(())
            })
            .unwrap();
        store
    }

    #[test]
    fn common_and_rare_searches_both_return_the_newest_matches_first() {
        let mut rows: Vec<(usize, &str, &str)> = (0..COMMON_MATCHES + 100)
            .map(|i| (i, "Ann Bell", "so rude"))
            .collect();
        rows.extend([
            (5000, "Bo Diaz", "great sourdough"),
            (3000, "Cy Moss", "sourdough again"),
            (7000, "Di Jo", "Rude and SOURDOUGH"),
        ]);
        let store = store_with(&rows);
        let search = |q: &str, limit: usize| {
            let filter = MentionFilter {
                search: Some(q.into()),
                limit: Some(limit),
                ..Default::default()
            };
            store
                .mentions(&filter)
                .unwrap()
                .iter()
                .map(|m| m.published_at.unwrap())
                .collect::<Vec<_>>()
        };
        let common = search("rude", 5);
        assert_eq!(common.len(), 5);
        assert!(common.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(
            common[0].to_rfc3339(),
            "2026-01-05T20:40:00+00:00",
            "the newest (i = 7000) first"
        );
        let rare = search("sourdough", 10);
        assert_eq!(rare.len(), 3);
        assert!(rare.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(search("rude sourdough", 10).len(), 1);
    }

    #[test]
    fn customer_filter_matches_author_word_prefixes() {
        let store = store_with(&[
            (1, "Jane Doe", "a"),
            (2, "Janet Smith", "b"),
            (3, "Bob Jane", "c"),
            (4, "@jdoe", "d"),
        ]);
        let authors = |q: &str| {
            let filter = MentionFilter {
                customer: Some(q.into()),
                ..Default::default()
            };
            let mut found: Vec<String> = store
                .mentions(&filter)
                .unwrap()
                .into_iter()
                .filter_map(|m| m.author)
                .collect();
            found.sort();
            found
        };
        assert_eq!(authors("jane d"), ["Jane Doe"]);
        assert_eq!(authors("Jan"), ["Bob Jane", "Jane Doe", "Janet Smith"]);
        assert_eq!(authors("jdoe"), ["@jdoe"]);
        assert!(authors("zed").is_empty());
    }

    #[test]
    fn author_query_matches_word_prefixes() {
        assert_eq!(
            fts_author_query("Jane D.", Dialect::Sqlite).unwrap(),
            "author : (\"Jane\"* AND \"D\"*)"
        );
        assert_eq!(
            fts_author_query("Jane D.", Dialect::Postgres).unwrap(),
            "'Jane':* & 'D':*"
        );
        assert_eq!(fts_author_query("...", Dialect::Sqlite), None);
    }

    #[test]
    fn a_tampered_label_is_an_error_not_a_neutral_mention() {
        let store = store_with(&[(1, "Ann", "cold coffee"), (2, "Bo", "fine")]);
        assert_eq!(store.mentions(&MentionFilter::default()).unwrap().len(), 2);
        store
            .conn()
            .execute(
                "UPDATE mentions SET label = 'grumpy' WHERE key = 'id:1'",
                [],
            )
            .unwrap();
        let err = store
            .mentions(&MentionFilter::default())
            .expect_err("an unknown label is not shown as neutral")
            .to_string();
        assert!(err.contains("unknown label 'grumpy'"), "{err}");
        let id: i64 = store
            .conn()
            .query_row("SELECT id FROM mentions WHERE key = 'id:1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let err = store.mention_detail(id).unwrap_err().to_string();
        assert!(err.contains("grumpy"), "{err}");
    }

    /// The triage order in one sort of every matching row, as the log once queried it.
    fn triage_by_one_sort(store: &Store, filter: &str, now: &str) -> Vec<i64> {
        let sql = format!(
            "SELECT m.id FROM mentions m {filter} ORDER BY CASE WHEN m.open = 1 AND \
             (m.priority = ?1 OR (m.status = ?2 AND m.promise_due_at < ?3)) THEN 0 ELSE 1 END, \
             COALESCE(m.published_at, m.fetched_at) DESC, m.id DESC"
        );
        let mut stmt = store.conn().prepare(&sql).unwrap();
        let params = params![Priority::Urgent, CaseStatus::Promised, now];
        let ids = stmt.query_map(params, |r| r.get(0)).unwrap();
        ids.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn triage_pages_are_the_pages_of_one_sort_of_every_row() {
        let rows: Vec<(usize, &str, &str)> = (0..240).map(|i| (i, "Ann", "t")).collect();
        let store = store_with(&rows);
        let mut rng = fastrand::Rng::with_seed(5);
        let now = "2026-01-01T02:00:00Z";
        for id in 1..=240i64 {
            let priority = [Priority::Urgent, Priority::High, Priority::Normal][rng.usize(..3)];
            let status = [CaseStatus::New, CaseStatus::Promised, CaseStatus::Resolved];
            let due = [
                None,
                Some("2026-01-01T01:00:00Z"),
                Some("2026-01-09T00:00:00Z"),
            ];
            // Ties on the date (decided by id), and rows with no date but the fetch time.
            let published = match rng.u8(..8) {
                0 => Some("2026-01-01T01:30:00Z".to_owned()),
                1 => None,
                _ => Some(ts(
                    at("2026-01-01T00:00:00Z") + crate::clock::MINUTE * id as i32
                )),
            };
            store
                .conn()
                .execute(
                    "UPDATE mentions SET open = ?2, priority = ?3, status = ?4, \
                     promise_due_at = ?5, label = ?6, published_at = ?7 WHERE id = ?1",
                    params![
                        id,
                        rng.u8(..4) > 0,
                        priority,
                        status[rng.usize(..3)],
                        due[rng.usize(..3)],
                        [Label::Negative, Label::Neutral][rng.usize(..2)],
                        published,
                    ],
                )
                .unwrap();
        }
        let filters: [(&str, MentionFilter); 3] = [
            ("", MentionFilter::default()),
            (
                "WHERE m.label = 'negative'",
                MentionFilter {
                    label: Some(Label::Negative),
                    ..Default::default()
                },
            ),
            (
                "WHERE m.open = 1",
                MentionFilter {
                    status: Some(StatusFilter::Open),
                    ..Default::default()
                },
            ),
        ];
        for (sql, filter) in filters {
            let all = triage_by_one_sort(&store, sql, now);
            assert!(all.len() > 50, "{sql}: {}", all.len());
            for limit in [None, Some(1), Some(7), Some(50)] {
                for offset in [0, 1, 6, 19, 37, 100, all.len() - 1, all.len(), 400] {
                    let page = MentionFilter {
                        limit,
                        offset,
                        order: Order::Triage,
                        now: Some(at(now)),
                        ..filter.clone()
                    };
                    let got: Vec<i64> = store
                        .mentions(&page)
                        .unwrap()
                        .iter()
                        .map(|m| m.id)
                        .collect();
                    let end = limit.map_or(all.len(), |l| (offset + l).min(all.len()));
                    let want = all.get(offset..end).unwrap_or_default();
                    assert_eq!(got, want, "{sql} limit {limit:?} offset {offset}");
                }
            }
        }
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_off"), "%50\\%\\_off%");
    }
}
