//! Logging in to Bluesky for post search: a session from the owner's handle and app
//! password (`com.atproto.server.createSession`), kept in memory between polls, refreshed
//! once with its refresh token when the server says the access token expired, and
//! created afresh when that fails too. Tokens and the password are never logged or
//! stored; they live only in this process.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use reqwest::Method;
use serde::Deserialize;

use super::super::api_url;
use crate::fetch::{ApiCall, FetchError, Fetcher};

/// The variable holding the owner's Bluesky handle (or email).
pub const HANDLE_VAR: &str = "EARSHOT_BLUESKY_HANDLE";
/// The variable holding an app password made for Earshot.
pub const PASSWORD_VAR: &str = "EARSHOT_BLUESKY_APP_PASSWORD";

/// Why a search could not be read.
#[derive(Debug)]
pub enum SearchError {
    /// The request itself failed (network, 429, 5xx…).
    Fetch(FetchError),
    /// No login, or the login refused; the message says what to set.
    Login(String),
}

impl From<FetchError> for SearchError {
    fn from(error: FetchError) -> Self {
        SearchError::Fetch(error)
    }
}

/// The login from the environment. No `Debug`: the password must not reach a log.
struct Credentials {
    identifier: String,
    password: String,
}

/// The login, or a message naming each variable that is missing.
pub fn check_credentials() -> Result<(), String> {
    credentials().map(|_| ())
}

fn credentials() -> Result<Credentials, String> {
    credentials_from(|name| std::env::var(name).ok())
}

/// The login from `variable`, or which variables are missing (an empty one counts).
fn credentials_from(variable: impl Fn(&str) -> Option<String>) -> Result<Credentials, String> {
    let read = |name: &str| {
        variable(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    match (read(HANDLE_VAR), read(PASSWORD_VAR)) {
        (Some(identifier), Some(password)) => Ok(Credentials {
            identifier: identifier.trim_start_matches('@').to_owned(),
            password,
        }),
        (handle, password) => {
            let missing: Vec<String> = [(HANDLE_VAR, handle), (PASSWORD_VAR, password)]
                .into_iter()
                .filter(|(_, value)| value.is_none())
                .map(|(name, _)| format!("${name}"))
                .collect();
            Err(format!(
                "Bluesky post search needs a login and {} is not set: set ${HANDLE_VAR} to your handle and ${PASSWORD_VAR} to an app password (Bluesky: Settings → Privacy and security → App passwords) in Earshot's environment, or read an account's posts with handle = \"…\" instead, which needs no login",
                missing.join(" and ")
            ))
        }
    }
}

#[derive(Clone, Deserialize)]
struct Session {
    #[serde(rename = "accessJwt")]
    access: String,
    #[serde(rename = "refreshJwt")]
    refresh: String,
}

/// Sessions by server and login, kept between polls.
static SESSIONS: LazyLock<Mutex<HashMap<String, Session>>> = LazyLock::new(Mutex::default);

fn remembered(key: &str) -> Option<Session> {
    SESSIONS.lock().ok()?.get(key).cloned()
}

fn remember(key: &str, session: Option<Session>) {
    if let Ok(mut sessions) = SESSIONS.lock() {
        match session {
            Some(session) => sessions.insert(key.to_owned(), session),
            None => sessions.remove(key),
        };
    }
}

/// What the server said to a call with a token.
enum Answer {
    Body(Vec<u8>),
    Expired,
    Refused(String),
}

#[derive(Deserialize)]
struct XrpcError {
    error: Option<String>,
    message: Option<String>,
}

/// `ExpiredToken` as Bluesky's error body names it, or the error and its message.
fn answer(status: reqwest::StatusCode, body: Vec<u8>) -> Answer {
    if status.is_success() {
        return Answer::Body(body);
    }
    let error: Option<XrpcError> = serde_json::from_slice(&body).ok();
    let name = error
        .as_ref()
        .and_then(|e| e.error.clone())
        .unwrap_or_default();
    if name == "ExpiredToken" {
        return Answer::Expired;
    }
    let message = error.and_then(|e| e.message).unwrap_or_default();
    Answer::Refused(format!("HTTP {status} {name}: {message}"))
}

/// Read `url` (a search on `api_base`) with the owner's session.
pub async fn search(
    fetcher: &Fetcher,
    api_base: &url::Url,
    url: &url::Url,
) -> Result<Vec<u8>, SearchError> {
    let login = credentials().map_err(SearchError::Login)?;
    let key = format!("{api_base}|{}", login.identifier);
    let session = match remembered(&key) {
        Some(session) => session,
        None => create(fetcher, api_base, &login).await?,
    };
    remember(&key, Some(session.clone()));
    let session = match get(fetcher, url, &session).await? {
        Answer::Body(body) => return Ok(body),
        Answer::Expired => {
            let renewed = match refresh(fetcher, api_base, &session).await? {
                Some(renewed) => renewed,
                None => create(fetcher, api_base, &login).await?,
            };
            remember(&key, Some(renewed.clone()));
            renewed
        }
        Answer::Refused(why) => {
            remember(&key, None);
            return Err(refused(why));
        }
    };
    match get(fetcher, url, &session).await? {
        Answer::Body(body) => Ok(body),
        Answer::Expired | Answer::Refused(_) => {
            remember(&key, None);
            Err(refused(
                "the new session's token was refused too".to_owned(),
            ))
        }
    }
}

fn refused(why: String) -> SearchError {
    SearchError::Login(format!(
        "Bluesky refused the search ({why}); Earshot will log in again at the next poll"
    ))
}

async fn get(fetcher: &Fetcher, url: &url::Url, session: &Session) -> Result<Answer, FetchError> {
    let (status, body) = fetcher
        .call_api(ApiCall {
            url: url.clone(),
            bearer: Some(&session.access),
            method: Method::GET,
            json: None,
        })
        .await?;
    Ok(answer(status, body))
}

async fn create(
    fetcher: &Fetcher,
    api_base: &url::Url,
    login: &Credentials,
) -> Result<Session, SearchError> {
    let body = serde_json::json!({ "identifier": login.identifier, "password": login.password });
    let (status, bytes) = fetcher
        .call_api(ApiCall {
            url: api_url(api_base, "/xrpc/com.atproto.server.createSession"),
            bearer: None,
            method: Method::POST,
            json: Some(&body),
        })
        .await?;
    match answer(status, bytes) {
        Answer::Body(bytes) => session_from(&bytes),
        Answer::Expired | Answer::Refused(_) => Err(SearchError::Login(format!(
            "Bluesky refused the login for {} (HTTP {status}): check ${HANDLE_VAR}, and that ${PASSWORD_VAR} is an app password that was not revoked",
            login.identifier
        ))),
    }
}

/// A renewed session, or None when the refresh token is no longer good either.
async fn refresh(
    fetcher: &Fetcher,
    api_base: &url::Url,
    session: &Session,
) -> Result<Option<Session>, SearchError> {
    let (status, bytes) = fetcher
        .call_api(ApiCall {
            url: api_url(api_base, "/xrpc/com.atproto.server.refreshSession"),
            bearer: Some(&session.refresh),
            method: Method::POST,
            json: None,
        })
        .await?;
    match answer(status, bytes) {
        Answer::Body(bytes) => session_from(&bytes).map(Some),
        Answer::Expired | Answer::Refused(_) => Ok(None),
    }
}

fn session_from(bytes: &[u8]) -> Result<Session, SearchError> {
    serde_json::from_slice(bytes).map_err(|e| {
        SearchError::Login(format!(
            "Bluesky's login answer could not be read ({e}); check api_base"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_missing_variable_is_named() {
        let only_handle = |name: &str| (name == HANDLE_VAR).then(|| "harbor.bsky.social".into());
        let err = credentials_from(only_handle).err().unwrap();
        assert!(
            err.contains("and $EARSHOT_BLUESKY_APP_PASSWORD is not set"),
            "{err}"
        );
        let blank_password = |name: &str| {
            Some(
                if name == HANDLE_VAR {
                    "@harbor.bsky.social"
                } else {
                    "  "
                }
                .to_owned(),
            )
        };
        assert!(credentials_from(blank_password).is_err());
        let both = |_: &str| Some("@harbor.bsky.social".to_owned());
        let login = credentials_from(both).ok().unwrap();
        assert_eq!(login.identifier, "harbor.bsky.social");
    }

    #[test]
    fn expired_tokens_are_told_from_refusals() {
        let expired = br#"{"error":"ExpiredToken","message":"Token has expired"}"#.to_vec();
        assert!(matches!(
            answer(reqwest::StatusCode::BAD_REQUEST, expired),
            Answer::Expired
        ));
        let other =
            br#"{"error":"AuthenticationRequired","message":"Invalid identifier or password"}"#
                .to_vec();
        match answer(reqwest::StatusCode::UNAUTHORIZED, other) {
            Answer::Refused(why) => assert!(why.contains("Invalid identifier or password")),
            _ => panic!("a refusal was taken for something else"),
        }
    }
}
