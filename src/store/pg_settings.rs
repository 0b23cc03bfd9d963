//! PostgreSQL connection settings: `[storage] url` plus a password from the environment.
//!
//! tokio-postgres is not libpq: it reads neither `$PGPASSWORD` nor `~/.pgpass` (nor
//! `$PGUSER`) itself, so the lookup people expect from `psql` lives here. The password
//! comes from, in order, `$EARSHOT_DATABASE_PASSWORD`, `$PGPASSWORD`, then the password
//! file (`$PGPASSFILE`, else `~/.pgpass`) read as libpq reads it. No password at all is
//! fine: servers with `trust` or `peer` authentication ask for none.

use std::path::{Path, PathBuf};

use tokio_postgres::config::Host;

/// Earshot's own variable for the database password, looked up first.
pub const PASSWORD_ENV: &str = "EARSHOT_DATABASE_PASSWORD";
/// The port libpq and tokio-postgres use when the address names none.
const DEFAULT_PORT: u16 = 5432;
/// Socket folders libpq counts as "localhost" when matching password file lines
/// (Debian's, and upstream PostgreSQL's).
const DEFAULT_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// Why the database connection settings cannot be put together, worded for the person
/// running Earshot.
#[derive(Debug, thiserror::Error)]
pub enum PgSettingsError {
    /// The address itself is unusable (the message says why and what to write).
    #[error("the database address {0}")]
    Address(String),
    /// The password file exists but cannot be read.
    #[error("cannot read the PostgreSQL password file {path}: {source}. Make it readable by the user Earshot runs as (and only by them: chmod 600 {path}), or remove it and set ${PASSWORD_ENV} instead")]
    PassFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The connection settings for `url` with the password filled in from `env` (the process
/// environment in production) or the password file under `home`. The user, when the address
/// names none, is `$PGUSER` or else `$USER`, as libpq would pick.
pub fn connection_config(
    url: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<tokio_postgres::Config, PgSettingsError> {
    let mut config = crate::config::check_database_url(url).map_err(PgSettingsError::Address)?;
    let var = |name: &str| env(name).filter(|value| !value.is_empty());
    if config.get_user().is_none() {
        if let Some(user) = var("PGUSER").or_else(|| var("USER")) {
            config.user(user);
        }
    }
    let password = match var(PASSWORD_ENV).or_else(|| var("PGPASSWORD")) {
        Some(password) => Some(password),
        None => password_from_file(&config, &var, home)?,
    };
    if let Some(password) = password {
        config.password(password);
    }
    Ok(config)
}

/// [`connection_config`] from this process's environment and home directory, with its
/// [`describe`]d address.
pub fn from_environment(url: &str) -> Result<(tokio_postgres::Config, String), PgSettingsError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let config = connection_config(url, &|name| std::env::var(name).ok(), home.as_deref())?;
    let described = describe(&config);
    Ok((config, described))
}

/// "user@host:port/db" (several servers joined by commas), never the password: for
/// messages and logs.
pub fn describe(config: &tokio_postgres::Config) -> String {
    let servers: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let port = port_of(config, index);
            match host {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]:{port}"),
                Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let user = config
        .get_user()
        .map(|user| format!("{user}@"))
        .unwrap_or_default();
    let db = config
        .get_dbname()
        .map(|db| format!("/{db}"))
        .unwrap_or_default();
    format!("{user}{}{db}", servers.join(","))
}

/// The port of the `index`th server: tokio-postgres keeps one per server, or one for all.
fn port_of(config: &tokio_postgres::Config, index: usize) -> u16 {
    let ports = config.get_ports();
    match ports {
        [one] => *one,
        _ => ports.get(index).copied().unwrap_or(DEFAULT_PORT),
    }
}

/// The password for the first server of `config` from the password file, if there is one
/// and it is private. A missing `~/.pgpass` is normal and silent.
fn password_from_file(
    config: &tokio_postgres::Config,
    var: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Option<String>, PgSettingsError> {
    let (path, named) = match var("PGPASSFILE") {
        Some(path) => (PathBuf::from(path), true),
        None => match home {
            Some(home) => (home.join(".pgpass"), false),
            None => return Ok(None),
        },
    };
    let metadata = match std::fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if named {
                tracing::warn!(
                    "PGPASSFILE names {}, which does not exist: no database password read from it",
                    path.display()
                );
            }
            return Ok(None);
        }
        Err(source) => return Err(PgSettingsError::PassFile { path, source }),
    };
    if !metadata.is_file() {
        tracing::warn!(
            "the PostgreSQL password file {} is not a plain file, so it is ignored",
            path.display()
        );
        return Ok(None);
    }
    if readable_by_others(&metadata) {
        tracing::warn!(
            "the PostgreSQL password file {0} can be read by other users, so it is ignored (as PostgreSQL's own tools do): run chmod 600 {0}",
            path.display()
        );
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(|source| PgSettingsError::PassFile {
        path: path.clone(),
        source,
    })?;
    let wanted = Wanted::first_server_of(config);
    Ok(find_password(&String::from_utf8_lossy(&bytes), &wanted))
}

#[cfg(unix)]
fn readable_by_others(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o077 != 0
}

#[cfg(not(unix))]
fn readable_by_others(_: &std::fs::Metadata) -> bool {
    false
}

/// What a password file line must match: the first four fields of
/// `hostname:port:database:username:password`.
struct Wanted {
    fields: [String; 4],
}

impl Wanted {
    /// libpq's reading of the first server: a socket in the default folder is "localhost".
    fn first_server_of(config: &tokio_postgres::Config) -> Wanted {
        let host = match config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            #[cfg(unix)]
            Some(Host::Unix(path)) if DEFAULT_SOCKET_DIRS.iter().any(|d| path == Path::new(d)) => {
                "localhost".to_owned()
            }
            #[cfg(unix)]
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_owned(),
        };
        let user = config.get_user().unwrap_or_default().to_owned();
        Wanted {
            fields: [
                host,
                port_of(config, 0).to_string(),
                config.get_dbname().unwrap_or(&user).to_owned(),
                user,
            ],
        }
    }
}

/// The password of the first line matching `wanted` (an empty one counts as none).
/// Comment lines start with `#`; `*` alone matches anything; `\:` and `\\` are a literal
/// colon and backslash; lines with fewer than five fields are skipped, as libpq does.
fn find_password(text: &str, wanted: &Wanted) -> Option<String> {
    text.lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.starts_with('#'))
        .map(split_fields)
        .filter(|fields| fields.len() >= 5)
        .find(|fields| {
            fields
                .iter()
                .zip(&wanted.fields)
                .all(|(field, want)| field.wildcard || field.text == *want)
        })
        .map(|fields| fields[4].text.clone())
        .filter(|password| !password.is_empty())
}

/// One `:`-separated field, unescaped.
struct Field {
    text: String,
    /// Written as a bare `*` (an escaped `\*` is a literal star).
    wildcard: bool,
}

fn split_fields(line: &str) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut text = String::new();
    let mut escaped_any = false;
    let mut chars = line.chars();
    let finish = |text: &mut String, escaped_any: &mut bool| Field {
        wildcard: text == "*" && !std::mem::take(escaped_any),
        text: std::mem::take(text),
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => {
                    text.push(next);
                    escaped_any = true;
                }
                None => text.push('\\'),
            },
            ':' => fields.push(finish(&mut text, &mut escaped_any)),
            c => text.push(c),
        }
    }
    fields.push(finish(&mut text, &mut escaped_any));
    fields
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const URL: &str = "postgres://earshot@db.example.com:5433/chain";

    /// An environment of exactly these variables.
    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// A home folder holding `.pgpass` with `text`, private (mode 0600).
    fn home_with_pgpass(text: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        write_private(&home.path().join(".pgpass"), text);
        home
    }

    fn write_private(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        set_mode(path, 0o600);
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[cfg(not(unix))]
    fn set_mode(_: &Path, _: u32) {}

    /// What `run` returns, and what it logged.
    fn logging<T>(run: impl FnOnce() -> T) -> (T, String) {
        #[derive(Clone, Default)]
        struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let result = tracing::subscriber::with_default(subscriber, run);
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        (result, logged)
    }

    fn password(url: &str, vars: &[(&str, &str)], home: Option<&Path>) -> Option<String> {
        let config = connection_config(url, &env_of(vars), home).unwrap();
        config
            .get_password()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
    }

    const LINE: &str = "db.example.com:5433:chain:earshot:from-file\n";

    #[test]
    fn the_sources_are_taken_in_order_of_precedence() {
        let home = home_with_pgpass(LINE);
        let home = Some(home.path());
        let both = [
            (PASSWORD_ENV, "from-earshot"),
            ("PGPASSWORD", "from-pgpassword"),
        ];
        assert_eq!(password(URL, &both, home).as_deref(), Some("from-earshot"));
        let libpq = [("PGPASSWORD", "from-pgpassword")];
        assert_eq!(
            password(URL, &libpq, home).as_deref(),
            Some("from-pgpassword")
        );
        // An empty variable counts as unset, as in libpq.
        let empty = [(PASSWORD_ENV, ""), ("PGPASSWORD", "")];
        assert_eq!(password(URL, &empty, home).as_deref(), Some("from-file"));
        assert_eq!(password(URL, &[], home).as_deref(), Some("from-file"));
    }

    #[test]
    fn pgpassfile_is_read_instead_of_the_home_pgpass() {
        let home = home_with_pgpass(LINE);
        let other = home.path().join("elsewhere");
        write_private(&other, "*:*:*:*:from-pgpassfile\n");
        let vars = [("PGPASSFILE", other.to_str().unwrap())];
        assert_eq!(
            password(URL, &vars, Some(home.path())).as_deref(),
            Some("from-pgpassfile")
        );
        // Named but missing: no password (and a warning), not the home file's.
        let missing = [("PGPASSFILE", "/nonexistent/pgpass")];
        assert_eq!(password(URL, &missing, Some(home.path())), None);
    }

    #[test]
    fn no_password_anywhere_is_not_an_error() {
        assert_eq!(password(URL, &[], None), None);
        let empty_home = tempfile::tempdir().unwrap();
        assert_eq!(password(URL, &[], Some(empty_home.path())), None);
        let unrelated = home_with_pgpass("other.example.com:5433:chain:earshot:nope\n");
        assert_eq!(password(URL, &[], Some(unrelated.path())), None);
    }

    fn from_pgpass(text: &str) -> Option<String> {
        let home = home_with_pgpass(text);
        password(URL, &[], Some(home.path()))
    }

    #[test]
    fn every_field_must_match_and_star_matches_anything() {
        for line in [
            "db.example.com:5432:chain:earshot:x",
            "db.example.com:5433:shop:earshot:x",
            "db.example.com:5433:chain:postgres:x",
            "other.example.com:5433:chain:earshot:x",
        ] {
            assert_eq!(from_pgpass(line), None, "{line}");
        }
        for line in [
            "*:*:*:*:x",
            "db.example.com:*:chain:earshot:x",
            "*:5433:*:earshot:x",
        ] {
            assert_eq!(from_pgpass(line).as_deref(), Some("x"), "{line}");
        }
    }

    #[test]
    fn the_first_matching_line_wins_and_comments_and_short_lines_are_skipped() {
        let text = "# db.example.com:5433:chain:earshot:commented\n\
                    db.example.com:5433:chain\n\
                    \n\
                    other:*:*:*:not-this-server\r\n\
                    *:5433:chain:earshot:first\r\n\
                    *:*:*:*:second\n";
        assert_eq!(from_pgpass(text).as_deref(), Some("first"));
    }

    #[test]
    fn escapes_are_a_literal_colon_backslash_and_star() {
        assert_eq!(
            from_pgpass("*:*:*:*:pa\\:ss\\\\word").as_deref(),
            Some("pa:ss\\word")
        );
        // An unescaped colon ends the password, as in libpq.
        assert_eq!(from_pgpass("*:*:*:*:pa:ss").as_deref(), Some("pa"));
        // `\*` is a user literally called "*", not a wildcard.
        assert_eq!(from_pgpass("*:*:*:\\*:x"), None);
        let url = "postgres://we%3Aird@db.example.com:5433/chain";
        let home = home_with_pgpass("*:*:*:we\\:ird:colon-user\n");
        assert_eq!(
            password(url, &[], Some(home.path())).as_deref(),
            Some("colon-user")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_password_file_others_can_read_is_ignored() {
        let home = home_with_pgpass(LINE);
        let path = home.path().join(".pgpass");
        for mode in [0o640, 0o604, 0o660] {
            set_mode(&path, mode);
            let (found, logged) = logging(|| password(URL, &[], Some(home.path())));
            assert_eq!(found, None, "{mode:o}");
            assert!(
                logged.contains("WARN")
                    && logged.contains(&format!("chmod 600 {}", path.display())),
                "{logged}"
            );
        }
        set_mode(&path, 0o400);
        assert_eq!(
            password(URL, &[], Some(home.path())).as_deref(),
            Some("from-file")
        );
    }

    #[test]
    fn without_user_or_port_the_defaults_of_libpq_are_matched() {
        let home = home_with_pgpass(
            "db.example.com:5433:chain:olga:wrong-port\ndb.example.com:5432:chain:olga:right\n",
        );
        let url = "postgresql://db.example.com/chain";
        let pguser = [("PGUSER", "olga"), ("USER", "sam")];
        let config = connection_config(url, &env_of(&pguser), Some(home.path())).unwrap();
        assert_eq!(config.get_user(), Some("olga"));
        assert_eq!(config.get_password(), Some(&b"right"[..]));
        let user = [("USER", "olga")];
        assert_eq!(
            password(url, &user, Some(home.path())).as_deref(),
            Some("right")
        );
        // A user in the address is kept whatever $PGUSER says.
        let config = connection_config(URL, &env_of(&pguser), None).unwrap();
        assert_eq!(config.get_user(), Some("earshot"));
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_in_the_default_folder_matches_localhost() {
        let home = home_with_pgpass("localhost:5432:chain:earshot:via-socket\n");
        let url = "postgres://earshot@%2Fvar%2Frun%2Fpostgresql/chain";
        assert_eq!(
            password(url, &[], Some(home.path())).as_deref(),
            Some("via-socket")
        );
    }

    #[test]
    fn describe_shows_user_server_port_and_database_never_the_password() {
        let vars = [(PASSWORD_ENV, "s3cret")];
        let config = connection_config(URL, &env_of(&vars), None).unwrap();
        assert!(config.get_password().is_some());
        let described = describe(&config);
        assert_eq!(described, "earshot@db.example.com:5433/chain");
        assert!(!described.contains("s3cret"));
        let mut config = connection_config("postgres://[::1]/chain", &env_of(&[]), None).unwrap();
        config.password("s3cret");
        assert_eq!(describe(&config), "[::1]:5432/chain");
        let two = "postgres://u@a.example.com:6000,b.example.com/chain";
        let config = connection_config(two, &env_of(&[]), None).unwrap();
        assert_eq!(
            describe(&config),
            "u@a.example.com:6000,b.example.com:5432/chain"
        );
    }

    #[test]
    fn a_bad_address_is_refused_with_the_config_checks_message() {
        let err = connection_config(
            "postgres://earshot:hunter2@db.example.com/chain",
            &env_of(&[]),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("$EARSHOT_DATABASE_PASSWORD"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = connection_config("mysql://db.example.com/chain", &env_of(&[]), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a PostgreSQL address"), "{err}");
        let unreadable = PgSettingsError::PassFile {
            path: PathBuf::from("/home/olga/.pgpass"),
            source: std::io::ErrorKind::PermissionDenied.into(),
        }
        .to_string();
        assert!(
            unreadable.contains("chmod 600 /home/olga/.pgpass")
                && unreadable.contains("set $EARSHOT_DATABASE_PASSWORD instead"),
            "{unreadable}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_password_file_names_the_file_and_the_fix() {
        let home = tempfile::tempdir().unwrap();
        let locked = home.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        let path = locked.join("pgpass");
        write_private(&path, LINE);
        set_mode(&locked, 0o000);
        // root looks into any folder: then the file is simply read.
        let as_root = std::fs::metadata(&path).is_ok();
        let vars = [("PGPASSFILE", path.to_str().unwrap())];
        let result = connection_config(URL, &env_of(&vars), None);
        set_mode(&locked, 0o700);
        match result {
            Ok(config) if as_root => assert_eq!(config.get_password(), Some(&b"from-file"[..])),
            Err(e @ PgSettingsError::PassFile { .. }) if !as_root => {
                let e = e.to_string();
                assert!(
                    e.contains("chmod 600") && e.contains("locked/pgpass"),
                    "{e}"
                );
            }
            other => panic!("as root: {as_root}, got {other:?}"),
        }
    }
}
