//! The team: who may act, under which name, and with what role.
//!
//! Everyone on the team has a name (shown in the case history, typed after `--as`), an
//! email (sign-in links, alerts and reminders of their cases) and a role: an owner manages
//! staff, sources and settings; staff work cases. A password is stored only as an Argon2id
//! hash; sessions and sign-in links only as the SHA-256 of their random token.
//!
//! Without anyone on the team Earshot behaves as before: the web log on loopback needs no
//! sign-in and a command's `--as` is any name.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use chrono::{DateTime, Utc};

use crate::model::Role;
use crate::store::{Removal, StaffMember, Store, StoreError};

/// Shortest password accepted: long enough that the web log's rate limit makes guessing
/// hopeless, short enough to type on a phone.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (Argon2 takes any length; this bounds the work per try).
pub const MAX_PASSWORD_CHARS: usize = 200;
/// Longest name kept.
pub const MAX_NAME_CHARS: usize = 60;
/// Words `mentions --assigned` reads as filters, so nobody may be called that.
pub const RESERVED_NAMES: [&str; 2] = ["me", "nobody"];

/// A team change that cannot be made, worded for the owner.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// A name that cannot be used.
    #[error("'{name}' cannot be a staff name: {why}")]
    BadName {
        /// As typed.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// An email that is not one.
    #[error("'{0}' is not an email address; write it as name@example.com")]
    BadEmail(String),
    /// A password too short or too long.
    #[error("the password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long (a few words in a row make a good one)")]
    BadPassword,
    /// Nobody by that name.
    #[error("nobody on the team is called '{name}'; the team is: {team}. Add someone with `earshot staff add NAME --email EMAIL`")]
    Unknown {
        /// As typed.
        name: String,
        /// The names there are.
        team: String,
    },
    /// Someone who was removed.
    #[error("'{name}' was removed from the team on {when}; add them again with `earshot staff add` if they are back")]
    Removed {
        /// Their name.
        name: String,
        /// When.
        when: String,
    },
    /// Only an owner may do this.
    #[error("only an owner can {0}; act as an owner with --as NAME")]
    OwnerOnly(&'static str),
    /// The last owner cannot leave while others stay.
    #[error("'{0}' is the last owner; make someone else an owner first (`earshot staff add NAME --email EMAIL --role owner`)")]
    LastOwner(String),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who an action is recorded under: a person on the team, or (while there is no team) a
/// name as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The name the history records.
    pub name: String,
    /// Their account, when there is a team.
    pub member: Option<StaffMember>,
}

impl Actor {
    /// A name with no account behind it (no team yet).
    pub fn named(name: impl Into<String>) -> Actor {
        Actor {
            name: name.into(),
            member: None,
        }
    }

    /// The person themselves.
    pub fn member(member: StaffMember) -> Actor {
        Actor {
            name: member.name.clone(),
            member: Some(member),
        }
    }

    /// Whether they may manage staff, sources and settings: an owner, or anyone while there
    /// is no team (the one person at the machine is the owner).
    pub fn is_owner(&self) -> bool {
        self.member.as_ref().is_none_or(|m| m.role == Role::Owner)
    }

    /// [`StaffError::OwnerOnly`] unless [`Actor::is_owner`].
    pub fn require_owner(&self, what: &'static str) -> Result<(), StaffError> {
        if self.is_owner() {
            Ok(())
        } else {
            Err(StaffError::OwnerOnly(what))
        }
    }
}

/// Who a command acts as. `--as NAME` names a person on the team (by name or email); without
/// it, the first owner. With no team yet, any name goes, and the default is the OS user.
pub fn resolve_actor(store: &Store, as_name: Option<&str>) -> Result<Actor, StaffError> {
    let as_name = as_name.map(str::trim).filter(|n| !n.is_empty());
    if !store.has_staff()? {
        return Ok(Actor::named(as_name.map_or_else(os_user, str::to_owned)));
    }
    let Some(name) = as_name else {
        return Ok(match store.first_owner()? {
            Some(owner) => Actor::member(owner),
            None => Actor::named(os_user()),
        });
    };
    find_member(store, name).map(Actor::member)
}

/// The person on the team called `name` (or with that email), or an error that lists the
/// team or says when they left.
pub fn find_member(store: &Store, name: &str) -> Result<StaffMember, StaffError> {
    if let Some(member) = store.find_staff(name)? {
        return Ok(member);
    }
    if let Some(left) = store.removed_staff(name)? {
        return Err(StaffError::Removed {
            name: left.name,
            when: left
                .removed_at
                .map(crate::localtime::short_zoned)
                .unwrap_or_default(),
        });
    }
    let team: Vec<String> = store.staff(false)?.into_iter().map(|m| m.name).collect();
    Err(StaffError::Unknown {
        name: name.to_owned(),
        team: if team.is_empty() {
            "nobody yet".to_owned()
        } else {
            team.join(", ")
        },
    })
}

/// The OS user, else "staff": who acts when there is no team and no `--as`.
fn os_user() -> String {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "staff".to_owned())
}

/// Add a person to the team. `by` must be an owner once there is a team.
pub fn add(
    store: &mut Store,
    by: &Actor,
    name: &str,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<StaffMember, StaffError> {
    by.require_owner("add people to the team")?;
    check_name(name)?;
    check_email(email)?;
    Ok(store.add_staff(name, email, role, now)?)
}

/// Remove a person: they can no longer sign in and their sessions end now; their history
/// stays. The last owner cannot be removed while anyone else remains.
pub fn remove(
    store: &mut Store,
    by: &Actor,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(StaffMember, Removal), StaffError> {
    by.require_owner("remove people from the team")?;
    let member = find_member(store, name)?;
    let team = store.staff(false)?;
    let owners = team.iter().filter(|m| m.role == Role::Owner).count();
    if member.role == Role::Owner && owners == 1 && team.len() > 1 {
        return Err(StaffError::LastOwner(member.name));
    }
    let removal = store.remove_staff(member.id, now)?;
    Ok((member, removal))
}

/// Set `member`'s password: anyone may set their own, an owner anyone's.
pub fn set_password(
    store: &mut Store,
    by: &Actor,
    member: &StaffMember,
    password: &str,
) -> Result<(), StaffError> {
    may_set_password(by, member)?;
    let hash = hash_password(password)?;
    store.set_password_hash(member.id, &hash)?;
    Ok(())
}

/// Anyone may set their own password, an owner anyone's.
pub fn may_set_password(by: &Actor, member: &StaffMember) -> Result<(), StaffError> {
    if by.member.as_ref().is_some_and(|m| m.id == member.id) {
        return Ok(());
    }
    by.require_owner("set someone else's password")
}

/// A name people can type after `--as` and `assign`.
pub fn check_name(name: &str) -> Result<(), StaffError> {
    let bad = |why: &str| StaffError::BadName {
        name: name.to_owned(),
        why: why.to_owned(),
    };
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(bad(&format!("use at most {MAX_NAME_CHARS} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(bad("it holds control characters"));
    }
    if trimmed.contains('@') {
        return Err(bad("a name has no @ (the email goes after --email)"));
    }
    if trimmed.parse::<i64>().is_ok() {
        return Err(bad("a name is not a number"));
    }
    if RESERVED_NAMES.contains(&crate::store::name_key(trimmed).as_str()) {
        return Err(bad("'me' and 'nobody' are words of `mentions --assigned`"));
    }
    Ok(())
}

/// An address the outbox can send a sign-in link to.
pub fn check_email(email: &str) -> Result<(), StaffError> {
    let email = email.trim();
    let plausible = email.parse::<lettre::Address>().is_ok()
        && email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| !domain.is_empty());
    if plausible {
        Ok(())
    } else {
        Err(StaffError::BadEmail(email.to_owned()))
    }
}

/// The Argon2id hash of an acceptable password, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, StaffError> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&length) {
        return Err(StaffError::BadPassword);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|_| StaffError::BadPassword)
}

/// Whether `password` matches `hash` (a damaged hash matches nothing).
pub fn verify_password(hash: &str, password: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A fresh random token (64 hex digits) for a session cookie or a sign-in link.
pub fn new_token() -> String {
    crate::hashes::random_hex(32)
}

/// What the database keeps of a token: its SHA-256, so a copy of the file signs nobody in.
pub fn token_hash(token: &str) -> String {
    crate::hashes::sha256_hex(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    /// A store with Olga (owner) and Sam (staff), added before anyone was on the team.
    fn olga_and_sam() -> (Store, StaffMember, StaffMember) {
        let mut store = crate::test_support::test_store();
        let setup = Actor::named("setup");
        let olga = add(
            &mut store,
            &setup,
            "Olga",
            "olga@example.com",
            Role::Owner,
            now(),
        );
        let sam = add(
            &mut store,
            &setup,
            "Sam",
            "sam@example.com",
            Role::Staff,
            now(),
        );
        (store, olga.unwrap(), sam.unwrap())
    }

    fn now() -> DateTime<Utc> {
        at("2026-11-30T09:00:00Z")
    }

    #[test]
    fn a_password_is_stored_hashed_and_checked() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "correct horse battery"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
        assert!(matches!(
            hash_password("short"),
            Err(StaffError::BadPassword)
        ));
    }

    #[test]
    fn names_and_emails_are_checked_with_reasons() {
        assert!(check_name("Ana Lopez").is_ok());
        for bad in ["", "  ", "me", "Nobody", "ana@example.com", "42", "a\u{7}b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_email("ana@example.com").is_ok());
        for bad in ["ana", "ana@", "@example.com", "a b@example.com"] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_a_team_any_name_acts_and_with_one_only_its_people() {
        let store = crate::test_support::test_store();
        let anyone = resolve_actor(&store, Some("Temp")).unwrap();
        assert_eq!(anyone, Actor::named("Temp"));
        assert!(anyone.is_owner());
        let (mut store, _, _) = olga_and_sam();
        assert_eq!(resolve_actor(&store, None).unwrap().name, "Olga");
        assert_eq!(resolve_actor(&store, Some("sam")).unwrap().name, "Sam");
        let err = resolve_actor(&store, Some("Temp")).unwrap_err().to_string();
        assert!(err.contains("Olga, Sam"), "{err}");
        let sam = resolve_actor(&store, Some("Sam")).unwrap();
        let refused = add(
            &mut store,
            &sam,
            "Tim",
            "tim@example.com",
            Role::Staff,
            now(),
        );
        assert!(matches!(refused, Err(StaffError::OwnerOnly(_))));
    }

    #[test]
    fn the_last_owner_stays_while_others_remain() {
        let (mut store, _, _) = olga_and_sam();
        let olga = resolve_actor(&store, None).unwrap();
        let err = remove(&mut store, &olga, "Olga", now()).unwrap_err();
        assert!(matches!(err, StaffError::LastOwner(_)), "{err}");
        remove(&mut store, &olga, "Sam", now()).unwrap();
        let err = resolve_actor(&store, Some("Sam")).unwrap_err().to_string();
        assert!(err.contains("was removed from the team"), "{err}");
        remove(&mut store, &olga, "Olga", now()).unwrap();
        assert!(!store.has_staff().unwrap());
    }

    #[test]
    fn staff_set_their_own_password_and_owners_anyones() {
        let (mut store, olga, sam) = olga_and_sam();
        let as_sam = Actor::member(sam.clone());
        set_password(&mut store, &as_sam, &sam, "sams own password").unwrap();
        assert!(set_password(&mut store, &as_sam, &olga, "taking over now").is_err());
        set_password(&mut store, &Actor::member(olga), &sam, "reset by owner").unwrap();
        let hash = store.password_hash(sam.id).unwrap().unwrap();
        assert!(verify_password(&hash, "reset by owner"));
    }

    #[test]
    fn tokens_are_random_and_kept_only_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }
}
