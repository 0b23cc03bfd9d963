//! Numbered, append-only schema migrations, run by `rusqlite_migration`: the file's
//! `user_version` is the number of migrations it has seen, and opening it applies the rest
//! in one transaction.
//!
//! Never edit, reorder or remove a shipped migration (databases in the field have run
//! it): to change the schema, append one `M::up(...)` at the end of [`MIGRATIONS`] under a
//! `// N: why` comment. [`super::LATEST_SCHEMA_VERSION`] and the upgrade test follow.

use std::path::Path;

use rusqlite::Connection;
use rusqlite_migration::{MigrationDefinitionError, Migrations, M};

use super::StoreError;

/// Every migration, oldest first; migration N (1-based) takes `user_version` N-1 to N.
pub(super) const MIGRATIONS: &[M<'static>] = &[
    // 1: mentions, their history, customers, sources, full-text search.
    M::up(
        r#"
    CREATE TABLE customers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT,
        phone TEXT,
        handles TEXT NOT NULL DEFAULT '',
        tier TEXT,
        lifetime_value REAL,
        notes TEXT,
        -- name folded for matching (case, accents, punctuation)
        name_key TEXT NOT NULL DEFAULT '',
        imported_at TEXT
    );
    CREATE INDEX customers_email ON customers (email);
    CREATE INDEX customers_name_key ON customers (name_key);
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        key TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        url TEXT,
        author TEXT,
        title TEXT,
        text TEXT NOT NULL,
        published_at TEXT,
        fetched_at TEXT NOT NULL,
        updated_at TEXT,
        rating REAL,
        score REAL NOT NULL,
        label TEXT NOT NULL,
        terms TEXT NOT NULL DEFAULT '[]',
        priority TEXT NOT NULL,
        priority_reasons TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'new',
        customer_id INTEGER REFERENCES customers(id),
        -- how sure the automatic link is, in [0,1]; NULL when linked by staff
        link_confidence REAL,
        -- 1 when staff linked or unlinked by hand: automatic matching leaves it alone
        link_locked INTEGER NOT NULL DEFAULT 0,
        -- JSON list of {customer_id, name, confidence} too weak or ambiguous to link
        link_suggestions TEXT NOT NULL DEFAULT '[]',
        -- due date of the open promise, if any
        promise_due_at TEXT,
        UNIQUE (source, key)
    );
    CREATE INDEX mentions_when ON mentions (COALESCE(published_at, fetched_at) DESC);
    CREATE INDEX mentions_label ON mentions (label, COALESCE(published_at, fetched_at) DESC);
    CREATE INDEX mentions_customer ON mentions (customer_id);
    CREATE TABLE mention_events (
        id INTEGER PRIMARY KEY,
        mention_id INTEGER NOT NULL REFERENCES mentions(id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        note TEXT,
        due_at TEXT,
        by TEXT
    );
    CREATE INDEX mention_events_mention ON mention_events (mention_id);
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_fetch_at TEXT,
        last_success_at TEXT,
        last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_due_at TEXT,
        state TEXT NOT NULL DEFAULT 'ok'
    );
    CREATE TABLE fetch_log (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX fetch_log_source ON fetch_log (source, at DESC);
    CREATE VIRTUAL TABLE mentions_fts USING fts5(
        title, text, author, content='mentions', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN
        INSERT INTO mentions_fts (rowid, title, text, author)
        VALUES (new.id, new.title, new.text, new.author);
    END;
    CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN
        INSERT INTO mentions_fts (mentions_fts, rowid, title, text, author)
        VALUES ('delete', old.id, old.title, old.text, old.author);
    END;
    CREATE TRIGGER mentions_fts_update AFTER UPDATE OF title, text, author ON mentions BEGIN
        INSERT INTO mentions_fts (mentions_fts, rowid, title, text, author)
        VALUES ('delete', old.id, old.title, old.text, old.author);
        INSERT INTO mentions_fts (rowid, title, text, author)
        VALUES (new.id, new.title, new.text, new.author);
    END;
    "#,
    ),
    // 2: fetching: the configured url beside the one in use (permanent redirects), whether
    // a source ever gave items (selectors that stop matching are news), and its state
    // transitions (ok -> broken -> ok, disabled) for the alerts.
    M::up(
        r#"
    ALTER TABLE sources ADD COLUMN config_url TEXT;
    ALTER TABLE sources ADD COLUMN had_items INTEGER NOT NULL DEFAULT 0;
    -- set while some Earshot process polls the source, so no other polls it at once
    ALTER TABLE sources ADD COLUMN lease_until TEXT;
    CREATE TABLE source_events (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        -- 'broken', 'recovered' or 'disabled'
        kind TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX source_events_at ON source_events (at);
    "#,
    ),
    // 3: the alert outbox: one row per email to send, written in the transaction that
    // stores its cause, so an alert is never lost between storing and sending.
    M::up(
        r#"
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        -- alert | escalation | reminder | digest | flood
        kind TEXT NOT NULL,
        mention_id INTEGER REFERENCES mentions(id),
        -- one row per cause ("alert:42", "reminder:42:<due>", "digest:<day>"): the same
        -- mention never alerts twice, whatever re-fetches, edits and restarts happen
        dedupe_key TEXT NOT NULL UNIQUE,
        -- pending | sending | sent | failed | rolled (folded into a flood summary)
        status TEXT NOT NULL DEFAULT 'pending',
        created_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        -- when a dispatcher took it; a 'sending' row older than the lease was abandoned
        claimed_at TEXT,
        sent_at TEXT,
        last_error TEXT,
        subject TEXT,
        -- JSON list of envelope recipients, and the message exactly as first rendered
        recipients TEXT,
        message BLOB,
        rolled_into INTEGER REFERENCES outbox(id),
        -- digest: the start of the period it covers; reminder: the promise's due date
        detail TEXT
    );
    CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
    CREATE INDEX outbox_mention ON outbox (mention_id);
    CREATE INDEX outbox_claimed ON outbox (kind, claimed_at);
    "#,
    ),
    // 4: the pipeline's decisions. `backfill`: taken in from before a source's first poll,
    // never emailed. `open`: needs staff (the pipeline's rule, kept in step with label,
    // priority and status; filled here once for older rows). The author's email apart from
    // the name; when a source first worked (backfill is judged against it); the priority an
    // alert was queued at (a later rise to urgent sends one more email).
    M::up(
        r#"
    ALTER TABLE mentions ADD COLUMN backfill INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE mentions ADD COLUMN open INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE mentions ADD COLUMN author_email TEXT;
    UPDATE mentions SET open = (status NOT IN ('resolved', 'recovered') AND (label = 'negative'
        OR priority IN ('urgent', 'high') OR status IN ('acknowledged', 'promised')));
    CREATE INDEX mentions_open ON mentions (open, COALESCE(published_at, fetched_at) DESC);
    ALTER TABLE sources ADD COLUMN first_success_at TEXT;
    UPDATE sources SET first_success_at = COALESCE((SELECT MIN(f.at) FROM fetch_log f
        WHERE f.source = sources.name AND f.outcome = 'ok'), last_success_at);
    ALTER TABLE outbox ADD COLUMN priority TEXT;
    UPDATE outbox SET priority = (SELECT m.priority FROM mentions m WHERE m.id = outbox.mention_id)
        WHERE kind = 'alert';
    "#,
    ),
    // 5: leases name their holder (`host:pid`), so one whose process died is taken at once.
    M::up(
        r#"
    ALTER TABLE sources ADD COLUMN lease_owner TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    "#,
    ),
    // 6: the web log's triage order reads the few rows that need a person now (open urgent
    // cases, open promises past due) from these instead of sorting every mention.
    M::up(
        r#"
    CREATE INDEX mentions_open_priority ON mentions (open, priority);
    CREATE INDEX mentions_open_promise ON mentions (open, status, promise_due_at);
    "#,
    ),
    // 7: staff corrections. `label` stays the label every query reads (the model's, or the
    // staff's when `label_override` is set: an edit of the post clears it and re-scores);
    // `priority_override` pins a priority; a dismissed mention ("not about us", spam, a
    // duplicate) keeps its row but leaves the default log, the counts and the digest.
    // `settings` keeps small secrets that must survive restarts (the web log's signing key).
    M::up(
        r#"
    ALTER TABLE mentions ADD COLUMN label_override TEXT;
    ALTER TABLE mentions ADD COLUMN priority_override TEXT;
    ALTER TABLE mentions ADD COLUMN dismissed TEXT;
    ALTER TABLE mentions ADD COLUMN dismissed_at TEXT;
    CREATE INDEX mentions_dismissed ON mentions (dismissed) WHERE dismissed IS NOT NULL;
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    "#,
    ),
    // 8: an outbox row goes out by one channel: email, or the `[alerts] webhook` (a phone
    // push). A push is its own row (keyed `webhook:<the email's key>`), so each channel is
    // retried, claimed and sent once on its own.
    M::up(
        r#"
    ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
    "#,
    ),
    // 9: a review gone from a source that lists all of a business's reviews (a review
    // page read to its last page) is kept, marked with when it went; NULL while listed.
    M::up(
        r#"
    ALTER TABLE mentions ADD COLUMN removed_at TEXT;
    "#,
    ),
    // 10: the business's own learned term weights (`earshot learn`), on top of the base
    // model shipped with Earshot; each with how many labelled mentions support it. Each
    // kept fit is recorded with how many stored mentions it relabelled (the digest says).
    M::up(
        r#"
    CREATE TABLE learned_terms (
        term TEXT PRIMARY KEY,
        weight REAL NOT NULL,
        support INTEGER NOT NULL
    );
    CREATE TABLE learn_runs (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        labels INTEGER NOT NULL,
        terms INTEGER NOT NULL,
        relabelled INTEGER NOT NULL
    );
    "#,
    ),
    // 11: a post not in English keeps its language (ISO 639-3 code, NULL for English): the
    // English lexicon did not score it, so it is labelled `unscored` for a person to read.
    M::up(
        r#"
    ALTER TABLE mentions ADD COLUMN language TEXT;
    "#,
    ),
    // 12: staff accounts. A removed person keeps their row (their name stays in the case
    // history) but can no longer sign in; a name is unique among the people not removed.
    // Web sign-ins live here, so removing a person ends them at once: a session is kept by
    // the SHA-256 of its cookie, a one-time sign-in link by the SHA-256 of its token (the
    // database never holds a usable secret). A case may be assigned to one person.
    M::up(
        r#"
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        -- the name folded for look-up (case, spaces)
        name_key TEXT NOT NULL,
        email TEXT NOT NULL,
        -- owner | staff
        role TEXT NOT NULL,
        -- Argon2id PHC string; NULL until a password is set (sign-in links still work)
        password_hash TEXT,
        created_at TEXT NOT NULL,
        removed_at TEXT
    );
    CREATE UNIQUE INDEX staff_name_key ON staff (name_key) WHERE removed_at IS NULL;
    CREATE TABLE web_sessions (
        token_hash TEXT PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX web_sessions_staff ON web_sessions (staff_id);
    CREATE TABLE sign_in_links (
        token_hash TEXT PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
    );
    ALTER TABLE mentions ADD COLUMN assigned_to INTEGER REFERENCES staff(id);
    CREATE INDEX mentions_assigned ON mentions (assigned_to) WHERE assigned_to IS NOT NULL;
    "#,
    ),
    // 13: a customer erased on request (`earshot customers forget`) leaves only the fact:
    // when, by whom, and how many mentions it touched; never the name or the email.
    M::up(
        r#"
    CREATE TABLE erasures (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        by TEXT,
        mentions INTEGER NOT NULL
    );
    "#,
    ),
    // 14: locations of a chain (`[[location]]`). A mention keeps the location of its
    // source when it was stored (a source moved later does not move old mentions); a
    // location manager is a staff member bound to one location, who sees only its mentions.
    // NULL: no location (a shop with one site, or an owner who sees everything).
    M::up(
        r#"
    ALTER TABLE mentions ADD COLUMN location TEXT;
    CREATE INDEX mentions_location ON mentions(location) WHERE location IS NOT NULL;
    ALTER TABLE staff ADD COLUMN location TEXT;
    "#,
    ),
    // 15: several workers on one PostgreSQL: which of them (`host:pid`) polled a source
    // last, for `earshot sources`.
    M::up("ALTER TABLE sources ADD COLUMN last_polled_by TEXT;"),
    // Append the next migration here: `// 16: why`, then `M::up(r#"..."#),`.
];

/// How often a migration that lost a race with another process is tried again.
const MIGRATE_RETRIES: u64 = 10;

/// Apply every migration the file has not seen, all in one transaction. A file whose
/// `user_version` is beyond [`MIGRATIONS`] was written by a newer Earshot: refused, untouched.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let migrations = Migrations::from_slice(MIGRATIONS);
    // Two processes opening a new database at once both read version 0 before either
    // migrates; the second one's migration then fails ("table already exists"). The first
    // one's migration is whole (one transaction), so read the version again and retry.
    let mut attempts = 0;
    let result = loop {
        let result = migrations.to_latest(conn);
        match &result {
            Err(rusqlite_migration::Error::RusqliteError { .. }) if attempts < MIGRATE_RETRIES => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(20 * attempts));
            }
            _ => break result,
        }
    };
    result.map_err(|err| match err {
        rusqlite_migration::Error::MigrationDefinition(
            MigrationDefinitionError::DatabaseTooFarAhead,
        ) => StoreError::TooNew {
            path: path.to_owned(),
            found: conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap_or(i64::MAX),
            known: super::LATEST_SCHEMA_VERSION,
        },
        // A failing statement (a locked or read-only file, a full disk) reads as before.
        rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::from(err),
        source => StoreError::Migrate {
            path: path.to_owned(),
            source,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Store, StoreError, LATEST_SCHEMA_VERSION};
    use super::{Migrations, MIGRATIONS};

    #[test]
    fn every_migration_applies_to_an_empty_database() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
        assert_eq!(LATEST_SCHEMA_VERSION, MIGRATIONS.len() as i64);
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        let first = Store::open(&path).unwrap().schema_version().unwrap();
        let second = Store::open(&path).unwrap().schema_version().unwrap();
        assert_eq!(first, LATEST_SCHEMA_VERSION);
        assert_eq!(first, second);
    }

    #[test]
    fn a_file_at_any_older_version_is_brought_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        for version in 0..MIGRATIONS.len() {
            let path = dir.path().join(format!("v{version}.db"));
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            Migrations::from_slice(MIGRATIONS)
                .to_version(&mut conn, version)
                .unwrap();
            drop(conn);
            let store = Store::open(&path).unwrap();
            assert_eq!(store.schema_version().unwrap(), LATEST_SCHEMA_VERSION);
        }
    }

    #[test]
    fn a_newer_file_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.db");
        drop(Store::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap();
        assert!(
            matches!(err, StoreError::TooNew { found: 999, known, .. } if known == LATEST_SCHEMA_VERSION),
            "{err:?}"
        );
        let err = err.to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("upgrade Earshot or use another --db"), "{err}");
        // Refused untouched: still the newer version.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(found, 999);
    }
}
