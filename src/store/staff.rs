//! Staff accounts, their web sign-ins (sessions and one-time links) and case assignment.
//! Secrets are never stored: a session or a link is kept by the SHA-256 of its token, a
//! password as an Argon2id PHC string made by [`crate::staff`].

use super::sql::{params, Conn, OptionalExtension, Row, SqlResult, Tx};
use chrono::{DateTime, Utc};

use super::{parse_ts, ts, Store, StoreError};
use crate::model::Role;

/// One person on the team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffMember {
    /// Row id.
    pub id: i64,
    /// The name shown in the case history and typed after `--as`.
    pub name: String,
    /// Where their sign-in links, alerts and reminders go.
    pub email: String,
    /// What they may do.
    pub role: Role,
    /// Whether they can sign in with a password (else only by a sign-in link).
    pub has_password: bool,
    /// When they were added.
    pub created_at: DateTime<Utc>,
    /// When they were removed (they can no longer sign in; their history stays).
    pub removed_at: Option<DateTime<Utc>>,
    /// A location manager's location (`staff add --location`): they see only its
    /// mentions. None: everything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Keep a sign-in link by its token's hash (on its own, or in the transaction that queues
/// its email).
pub(super) fn insert_sign_in_link(
    conn: &Conn<'_>,
    token_hash: &str,
    staff_id: i64,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sign_in_links (token_hash, staff_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, staff_id, ts(now), ts(expires)],
    )?;
    Ok(())
}

/// A name as kept: trimmed, runs of spaces made one.
fn tidy_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A person's name folded for look-up: case and runs of spaces do not matter.
pub fn name_key(name: &str) -> String {
    tidy_name(name).to_lowercase()
}

const COLUMNS: &str =
    "id, name, email, role, password_hash IS NOT NULL, created_at, removed_at, location";

fn member(row: &Row<'_>) -> SqlResult<StaffMember> {
    let created: String = row.get(5)?;
    let removed: Option<String> = row.get(6)?;
    Ok(StaffMember {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        role: row.get(3)?,
        has_password: row.get(4)?,
        created_at: parse_ts(&created).unwrap_or_default(),
        removed_at: removed.as_deref().and_then(parse_ts),
        location: row.get(7)?,
    })
}

/// What removing a person ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Removal {
    /// Web sign-ins ended at once.
    pub sessions_ended: usize,
    /// Their open cases, now assigned to nobody.
    pub cases_unassigned: usize,
}

impl Store {
    /// Add a person. A name already in use by someone not removed is
    /// [`StoreError::StaffNameTaken`].
    pub fn add_staff(
        &mut self,
        name: &str,
        email: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<StaffMember, StoreError> {
        let name = tidy_name(name);
        let inserted = self.conn().query_row(
            "INSERT INTO staff (name, name_key, email, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             RETURNING id",
            params![name, name_key(&name), email.trim(), role, ts(now)],
            |r| r.get::<i64>(0),
        );
        let id = match inserted {
            Err(e) if e.is_unique_violation() => return Err(StoreError::StaffNameTaken(name)),
            other => other?,
        };
        Ok(self.staff_by_id(id)?.expect("the row just inserted"))
    }

    /// Bind a person to one location (a location manager), or to none.
    pub fn set_staff_location(
        &mut self,
        id: i64,
        location: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE staff SET location = ?2 WHERE id = ?1",
            params![id, location],
        )?;
        Ok(())
    }

    /// Everyone, oldest first; the removed too when `removed` is true.
    pub fn staff(&self, removed: bool) -> Result<Vec<StaffMember>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM staff WHERE ?1 OR removed_at IS NULL ORDER BY id");
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let rows = stmt.query_map([removed], member)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether anyone (not removed) has an account: then the web log asks everyone to
    /// sign in and `--as` must name one of them.
    pub fn has_staff(&self) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM staff WHERE removed_at IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// One person by row id, removed or not.
    pub fn staff_by_id(&self, id: i64) -> Result<Option<StaffMember>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM staff WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], member).optional()?)
    }

    /// The person (not removed) with this name (any case) or email.
    pub fn find_staff(&self, who: &str) -> Result<Option<StaffMember>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM staff WHERE removed_at IS NULL
             AND (name_key = ?1 OR lower(email) = lower(?2)) ORDER BY name_key = ?1 DESC, id LIMIT 1"
        );
        Ok(self
            .conn()
            .query_row(&sql, params![name_key(who), who.trim()], member)
            .optional()?)
    }

    /// The person removed most recently under this name, to say when they left.
    pub fn removed_staff(&self, who: &str) -> Result<Option<StaffMember>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM staff WHERE removed_at IS NOT NULL
             AND (name_key = ?1 OR lower(email) = lower(?2)) ORDER BY removed_at DESC LIMIT 1"
        );
        Ok(self
            .conn()
            .query_row(&sql, params![name_key(who), who.trim()], member)
            .optional()?)
    }

    /// The first owner added (not removed), whom commands act as by default.
    pub fn first_owner(&self) -> Result<Option<StaffMember>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM staff WHERE removed_at IS NULL AND role = 'owner' ORDER BY id LIMIT 1"
        );
        Ok(self.conn().query_row(&sql, [], member).optional()?)
    }

    /// Remove a person: they can no longer sign in, their sessions and unused sign-in
    /// links end now, and their open cases go back to nobody. Their row stays, so the
    /// case history still names them.
    pub fn remove_staff(&mut self, id: i64, now: DateTime<Utc>) -> Result<Removal, StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE staff SET removed_at = ?2 WHERE id = ?1 AND removed_at IS NULL",
                params![id, ts(now)],
            )?;
            let sessions_ended =
                tx.execute("DELETE FROM web_sessions WHERE staff_id = ?1", [id])?;
            tx.execute(
                "DELETE FROM sign_in_links WHERE staff_id = ?1 AND used_at IS NULL",
                [id],
            )?;
            let cases_unassigned = tx.execute(
                "UPDATE mentions SET assigned_to = NULL WHERE assigned_to = ?1 AND open = 1",
                [id],
            )?;
            Ok(Removal {
                sessions_ended,
                cases_unassigned,
            })
        })
    }

    /// Set a person's password (an Argon2id PHC string), ending their other sessions: a
    /// new password is often set because the old one leaked.
    pub fn set_password_hash(&mut self, id: i64, hash: &str) -> Result<(), StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE staff SET password_hash = ?2 WHERE id = ?1",
                params![id, hash],
            )?;
            tx.execute("DELETE FROM web_sessions WHERE staff_id = ?1", [id])?;
            Ok(())
        })
    }

    /// A person's (not removed) password hash, to check a sign-in against.
    pub fn password_hash(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT password_hash FROM staff WHERE id = ?1 AND removed_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Record a web sign-in: the session whose token hashes to `token_hash` acts as
    /// `staff_id` until `expires`.
    pub fn start_web_session(
        &mut self,
        token_hash: &str,
        staff_id: i64,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM web_sessions WHERE expires_at <= ?1", [ts(now)])?;
        self.conn().execute(
            "INSERT INTO web_sessions (token_hash, staff_id, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (token_hash) DO UPDATE SET \
             staff_id = excluded.staff_id, created_at = excluded.created_at, \
             expires_at = excluded.expires_at",
            params![token_hash, staff_id, ts(now), ts(expires)],
        )?;
        Ok(())
    }

    /// Who a session signed in as, while it lasts and they are still on the team.
    pub fn web_session_staff(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffMember>, StoreError> {
        self.member_on_team(
            "SELECT staff_id FROM web_sessions WHERE token_hash = ?1 AND expires_at > ?2",
            params![token_hash, ts(now)],
        )
    }

    /// The person (not removed) whose id `id_query` selects, if any.
    fn member_on_team(
        &self,
        id_query: &str,
        args: impl super::sql::Params,
    ) -> Result<Option<StaffMember>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM staff WHERE removed_at IS NULL AND id = ({id_query})");
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(args, member)
            .optional()?)
    }

    /// Sign a session out.
    pub fn end_web_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM web_sessions WHERE token_hash = ?1",
            [token_hash],
        )?;
        Ok(())
    }

    /// Keep a one-time sign-in link (by its token's hash) for `staff_id` until `expires`.
    pub fn add_sign_in_link(
        &mut self,
        token_hash: &str,
        staff_id: i64,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        insert_sign_in_link(&self.conn(), token_hash, staff_id, now, expires)
    }

    /// Whom a sign-in link would sign in, without using it (a mail scanner opening the
    /// link must not spend it); `None` for an unknown, used or expired link.
    pub fn sign_in_link_staff(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffMember>, StoreError> {
        self.member_on_team(
            "SELECT staff_id FROM sign_in_links
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
            params![token_hash, ts(now)],
        )
    }

    /// Use a sign-in link: the person it signs in, once, while it lasts and they are on
    /// the team; `None` for an unknown, used or expired link.
    pub fn use_sign_in_link(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffMember>, StoreError> {
        let used = self.conn().execute(
            "UPDATE sign_in_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL
             AND expires_at > ?2 AND staff_id IN (SELECT id FROM staff WHERE removed_at IS NULL)",
            params![token_hash, ts(now)],
        )?;
        if used == 0 {
            return Ok(None);
        }
        let staff_id: i64 = self.conn().query_row(
            "SELECT staff_id FROM sign_in_links WHERE token_hash = ?1",
            [token_hash],
            |r| r.get(0),
        )?;
        self.staff_by_id(staff_id)
    }
}

impl Store {
    /// Give a case to `staff_id` (or to nobody), with a history entry saying so. Returns
    /// the person it was assigned to before.
    pub fn assign_case(
        tx: &Tx<'_>,
        mention_id: i64,
        staff_id: Option<i64>,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, StoreError> {
        let before: Option<i64> = tx
            .query_row(
                "SELECT assigned_to FROM mentions WHERE id = ?1",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchMention(mention_id))?;
        tx.execute(
            "UPDATE mentions SET assigned_to = ?2 WHERE id = ?1",
            params![mention_id, staff_id],
        )?;
        let name_of = |id: i64| -> Result<String, StoreError> {
            Ok(tx.query_row("SELECT name FROM staff WHERE id = ?1", [id], |r| r.get(0))?)
        };
        let (kind, note) = match (staff_id, before) {
            (Some(id), _) => ("assigned", format!("to {}", name_of(id)?)),
            (None, Some(was)) => ("unassigned", format!("was {}", name_of(was)?)),
            (None, None) => ("unassigned", "was nobody's".to_owned()),
        };
        super::mentions::record_event(tx, mention_id, now, kind, Some(note), None, Some(by))?;
        Ok(before)
    }

    /// The location a mention was heard at (`[[source]] location` when it was stored).
    pub fn mention_location(&self, mention_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT location FROM mentions WHERE id = ?1",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// The email of the person a case is assigned to, unless they were removed.
    pub fn assignee_email(&self, mention_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT s.email FROM mentions m JOIN staff s ON s.id = m.assigned_to
                 WHERE m.id = ?1 AND s.removed_at IS NULL",
                [mention_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{HOUR, MINUTE};

    fn now() -> DateTime<Utc> {
        crate::test_support::at("2026-11-30T09:00:00Z")
    }

    #[test]
    fn names_are_unique_among_the_team_but_a_leaver_can_come_back() {
        let mut store = crate::test_support::test_store();
        let ana = store
            .add_staff("Ana  Lopez", "ana@example.com", Role::Staff, now())
            .unwrap();
        assert_eq!(ana.name, "Ana Lopez");
        let again = store.add_staff("ana lopez", "other@example.com", Role::Staff, now());
        assert!(matches!(again, Err(StoreError::StaffNameTaken(n)) if n == "ana lopez"));
        assert_eq!(store.find_staff("ANA LOPEZ").unwrap().unwrap().id, ana.id);
        assert_eq!(
            store.find_staff("Ana@Example.com").unwrap().unwrap().id,
            ana.id
        );
        store.remove_staff(ana.id, now()).unwrap();
        assert!(store.find_staff("ana lopez").unwrap().is_none());
        assert!(!store.has_staff().unwrap());
        assert_eq!(
            store
                .removed_staff("ana lopez")
                .unwrap()
                .unwrap()
                .removed_at,
            Some(now())
        );
        let back = store
            .add_staff("Ana Lopez", "ana@example.com", Role::Staff, now())
            .unwrap();
        assert_ne!(back.id, ana.id);
        assert_eq!(store.staff(false).unwrap().len(), 1);
        assert_eq!(store.staff(true).unwrap().len(), 2);
    }

    #[test]
    fn removal_ends_sessions_and_unused_links_at_once() {
        let mut store = crate::test_support::test_store();
        let ben = store
            .add_staff("Ben", "ben@example.com", Role::Staff, now())
            .unwrap();
        store
            .start_web_session("s1", ben.id, now(), now() + HOUR)
            .unwrap();
        store
            .add_sign_in_link("l1", ben.id, now(), now() + MINUTE * 15)
            .unwrap();
        assert_eq!(
            store.web_session_staff("s1", now()).unwrap().unwrap().name,
            "Ben"
        );
        let removal = store.remove_staff(ben.id, now()).unwrap();
        assert_eq!(removal.sessions_ended, 1);
        assert!(store.web_session_staff("s1", now()).unwrap().is_none());
        assert!(store.use_sign_in_link("l1", now()).unwrap().is_none());
    }

    #[test]
    fn a_sign_in_link_works_once_and_not_after_it_expires() {
        let mut store = crate::test_support::test_store();
        let cy = store
            .add_staff("Cy", "cy@example.com", Role::Owner, now())
            .unwrap();
        store
            .add_sign_in_link("once", cy.id, now(), now() + MINUTE * 15)
            .unwrap();
        store
            .add_sign_in_link("late", cy.id, now(), now() + MINUTE * 15)
            .unwrap();
        // Looking does not use it.
        assert_eq!(
            store.sign_in_link_staff("once", now()).unwrap().unwrap().id,
            cy.id
        );
        assert_eq!(
            store.use_sign_in_link("once", now()).unwrap().unwrap().id,
            cy.id
        );
        assert!(store.sign_in_link_staff("once", now()).unwrap().is_none());
        assert!(store
            .sign_in_link_staff("late", now() + MINUTE * 16)
            .unwrap()
            .is_none());
        assert!(store.use_sign_in_link("once", now()).unwrap().is_none());
        assert!(store
            .use_sign_in_link("late", now() + MINUTE * 16)
            .unwrap()
            .is_none());
        assert!(store.use_sign_in_link("never", now()).unwrap().is_none());
    }

    #[test]
    fn sessions_expire_and_a_new_password_ends_them() {
        let mut store = crate::test_support::test_store();
        let di = store
            .add_staff("Di", "di@example.com", Role::Staff, now())
            .unwrap();
        store
            .start_web_session("s", di.id, now(), now() + HOUR)
            .unwrap();
        assert!(store
            .web_session_staff("s", now() + HOUR * 2)
            .unwrap()
            .is_none());
        store
            .start_web_session("t", di.id, now(), now() + HOUR)
            .unwrap();
        assert!(!store.staff_by_id(di.id).unwrap().unwrap().has_password);
        store.set_password_hash(di.id, "$argon2id$x").unwrap();
        assert!(store.web_session_staff("t", now()).unwrap().is_none());
        assert_eq!(
            store.password_hash(di.id).unwrap().as_deref(),
            Some("$argon2id$x")
        );
        assert!(store.staff_by_id(di.id).unwrap().unwrap().has_password);
        store
            .start_web_session("u", di.id, now(), now() + HOUR)
            .unwrap();
        store.end_web_session("u").unwrap();
        assert!(store.web_session_staff("u", now()).unwrap().is_none());
    }

    #[test]
    fn the_first_owner_is_whom_commands_act_as() {
        let mut store = crate::test_support::test_store();
        assert!(store.first_owner().unwrap().is_none());
        store
            .add_staff("Ed", "ed@example.com", Role::Staff, now())
            .unwrap();
        let fay = store
            .add_staff("Fay", "fay@example.com", Role::Owner, now())
            .unwrap();
        store
            .add_staff("Gil", "gil@example.com", Role::Owner, now())
            .unwrap();
        assert_eq!(store.first_owner().unwrap().unwrap().id, fay.id);
    }
}
