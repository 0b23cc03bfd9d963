//! `earshot staff add|list|remove|password`: the team.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use crate::config::Config;
use crate::model::Role;
use crate::signin::{self, LinkError, Purpose};
use crate::staff::{self, Actor};
use crate::store::{StaffMember, Store};

/// `earshot staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// Add a person. The first person added is an owner unless --role says otherwise.
    Add {
        /// Their name, as the case history and `--as` show it.
        name: String,
        /// Where their sign-in links, alerts and reminders go.
        #[arg(long)]
        email: String,
        /// owner (manages staff, sources and settings) or staff (works cases).
        #[arg(long)]
        role: Option<Role>,
        /// Set their password now (asked for twice on a terminal, else one line on stdin).
        #[arg(long)]
        password: bool,
        /// Make them a location manager: a `[[location]]` name; they see only its mentions.
        #[arg(long, value_name = "LOCATION")]
        location: Option<String>,
    },
    /// Everyone on the team (and, with --removed, who left).
    List {
        /// Also list people who were removed.
        #[arg(long)]
        removed: bool,
    },
    /// Remove a person: their web sign-ins end at once and their open cases go back to
    /// nobody; their name stays in the history.
    Remove {
        /// Their name or email.
        name: String,
    },
    /// Set a person's password (asked for twice on a terminal, else one line on stdin).
    Password {
        /// Their name or email.
        name: String,
    },
}

/// Run one `staff` action as `actor` and say what it did. Adding someone queues a welcome
/// email with a sign-in link when `[web] public_url` says where the web log is.
pub fn run(
    store: &mut Store,
    config: &Config,
    actor: &Actor,
    action: &StaffAction,
) -> Result<String> {
    let now = crate::clock::now();
    match action {
        StaffAction::Add {
            name,
            email,
            role,
            password,
            location,
        } => {
            // Checked before anyone is added, so a typo adds nobody.
            let location = location
                .as_deref()
                .map(|name| config.find_location(name).map(|l| l.name.clone()))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let first_owner = store.first_owner()?.is_none();
            let role = role.unwrap_or(if first_owner {
                Role::Owner
            } else {
                Role::Staff
            });
            let mut member = staff::add(store, actor, name, email, role, now)?;
            if let Some(location) = location {
                store.set_staff_location(member.id, Some(&location))?;
                member.location = Some(location);
            }
            if *password {
                let typed = read_new_password(&member.name)?;
                staff::set_password(store, &Actor::member(member.clone()), &member, &typed)?;
            }
            let welcome = match signin::queue_link(store, config, &member, Purpose::Welcome, now) {
                Ok(_) => Welcome::Queued,
                Err(LinkError::NoPublicUrl) => Welcome::NoPublicUrl,
                Err(other) => Welcome::Failed(other.to_string()),
            };
            Ok(added(&member, *password, first_owner, &welcome))
        }
        StaffAction::List { removed } => Ok(table(&store.staff(*removed)?)),
        StaffAction::Remove { name } => {
            let (member, removal) = staff::remove(store, actor, name, now)?;
            Ok(format!(
                "Removed {} from the team: {} web sign-in(s) ended, {} open case(s) now assigned \
                 to nobody. Their name stays in the case history.\n",
                member.name, removal.sessions_ended, removal.cases_unassigned
            ))
        }
        StaffAction::Password { name } => {
            let member = staff::find_member(store, name)?;
            // Refused before asking for the password, not after.
            staff::may_set_password(actor, &member)?;
            let typed = read_new_password(&member.name)?;
            staff::set_password(store, actor, &member, &typed)?;
            Ok(format!(
                "Set {}'s password; their other web sign-ins were ended.\n",
                member.name
            ))
        }
    }
}

/// Whether a welcome email went into the outbox.
enum Welcome {
    Queued,
    NoPublicUrl,
    Failed(String),
}

fn added(
    member: &StaffMember,
    with_password: bool,
    first_owner: bool,
    welcome: &Welcome,
) -> String {
    let mut text = format!(
        "Added {} <{}> as {}.",
        member.name, member.email, member.role
    );
    if let Some(location) = &member.location {
        text.push_str(&format!(
            " They manage {location}: they see only its mentions."
        ));
    }
    if first_owner && member.role == Role::Owner {
        text.push_str(
            " From now on the web log asks everyone to sign in, and commands act as this \
             owner unless --as names someone else.",
        );
    }
    match welcome {
        Welcome::Queued => text.push_str(&format!(
            " A welcome email with a sign-in link (it works once, within {}) is queued for \
             {}; `earshot run` sends it (or `earshot outbox --retry` now).",
            Purpose::Welcome.valid_words(),
            member.email
        )),
        Welcome::NoPublicUrl if !with_password => text.push_str(&format!(
            " To sign in to the web log they need a password: set one with \
             `earshot staff password \"{}\"` (or set [web] public_url in the config, and \
             they can email themselves a sign-in link from the sign-in page).",
            member.name
        )),
        Welcome::NoPublicUrl => text.push_str(
            " They sign in to the web log with their name and password. (Set [web] \
             public_url in the config to email sign-in links.)",
        ),
        Welcome::Failed(why) => text.push_str(&format!(" No welcome email was queued: {why}.")),
    }
    text.push('\n');
    text
}

/// The team as a table.
fn table(team: &[StaffMember]) -> String {
    if team.is_empty() {
        return "Nobody on the team yet. Add the owner with `earshot staff add NAME --email EMAIL`.\n"
            .to_owned();
    }
    // The LOCATION column only for a chain whose team has location managers.
    let with_locations = team.iter().any(|m| m.location.is_some());
    let rows: Vec<Vec<String>> = team
        .iter()
        .map(|m| {
            let mut row = vec![
                m.name.clone(),
                m.email.clone(),
                m.role.to_string(),
                if m.has_password { "yes" } else { "not set" }.to_owned(),
                match m.removed_at {
                    Some(when) => format!("removed {}", crate::localtime::short(when)),
                    None => format!("added {}", crate::localtime::short(m.created_at)),
                },
            ];
            if with_locations {
                row.insert(3, m.location.clone().unwrap_or_else(|| "all".to_owned()));
            }
            row
        })
        .collect();
    let mut headers = vec!["NAME", "EMAIL", "ROLE", "PASSWORD", "SINCE"];
    if with_locations {
        headers.insert(3, "LOCATION");
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&headers);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&line(&cells));
    }
    out
}

/// A new password: typed twice without echo on a terminal, else the first line of stdin
/// (scripts and tests).
fn read_new_password(name: &str) -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("New password for {name}: "))
            .context("cannot read the password from the terminal")?;
        let again = rpassword::prompt_password("The same again: ")
            .context("cannot read the password from the terminal")?;
        if first != again {
            bail!("the two passwords differ; nothing was changed, try again");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password on stdin; type it on a terminal, or pipe one line, e.g. `echo '…' | earshot staff password NAME`");
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(public_url: Option<&str>) -> Config {
        let url = public_url
            .map(|u| format!("[web]\npublic_url = \"{u}\"\n"))
            .unwrap_or_default();
        let text = format!("[business]\nname = \"Harbor Street Bakery\"\n{url}");
        Config::parse(&text, std::path::Path::new("test.toml")).unwrap()
    }

    #[test]
    fn adding_someone_queues_a_welcome_link_only_with_a_public_url() {
        let mut store = crate::test_support::test_store();
        let setup = Actor::named("setup");
        let add = |name: &str| StaffAction::Add {
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            role: None,
            password: false,
            location: None,
        };
        let text = run(&mut store, &config(None), &setup, &add("Olga")).unwrap();
        assert!(text.contains("earshot staff password \"Olga\""), "{text}");
        assert!(store.outbox(None).unwrap().is_empty());
        let olga = staff::resolve_actor(&store, None).unwrap();
        let with_url = config(Some("http://192.168.1.10:8080/"));
        let text = run(&mut store, &with_url, &olga, &add("Sam")).unwrap();
        assert!(text.contains("welcome email"), "{text}");
        assert!(text.contains("sam@example.com"), "{text}");
        let queued = store.outbox(None).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].kind, crate::model::OutboxKind::SignIn);
        let rendered = store.outbox_rendered(queued[0].id).unwrap().unwrap();
        assert_eq!(rendered.recipients, ["sam@example.com"]);
        let message = String::from_utf8_lossy(&rendered.message).replace("=\r\n", "");
        assert!(
            message.contains("http://192.168.1.10:8080/sign-in/"),
            "{message}"
        );
    }

    #[test]
    fn the_first_person_added_owns_the_team() {
        let config = config(None);
        let mut store = crate::test_support::test_store();
        let nobody = Actor::named("setup");
        let add = |name: &str, role| StaffAction::Add {
            name: name.into(),
            email: format!("{}@example.com", name.to_lowercase()),
            role,
            password: false,
            location: None,
        };
        let text = run(&mut store, &config, &nobody, &add("Olga", None)).unwrap();
        assert!(text.contains("as owner"), "{text}");
        assert!(text.contains("sign in"), "{text}");
        let olga = staff::resolve_actor(&store, None).unwrap();
        let text = run(&mut store, &config, &olga, &add("Sam", None)).unwrap();
        assert!(text.contains("as staff"), "{text}");
        let listed = run(
            &mut store,
            &config,
            &olga,
            &StaffAction::List { removed: false },
        )
        .unwrap();
        let lines: Vec<&str> = listed.lines().collect();
        assert_eq!(lines.len(), 3, "{listed}");
        assert!(lines[1].starts_with("Olga") && lines[1].contains("owner"));
        assert!(lines[2].contains("not set"), "{listed}");
        let sam = staff::resolve_actor(&store, Some("Sam")).unwrap();
        let refused = run(&mut store, &config, &sam, &add("Tim", None)).unwrap_err();
        assert!(refused.to_string().contains("only an owner"), "{refused}");
    }
}
