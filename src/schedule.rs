//! When a source is polled next and how healthy it is: the interval with jitter after a
//! success, exponential backoff (or the server's `Retry-After`) after a failure, and the
//! rules that make a source "broken" or "disabled". Pure: no clock, no I/O.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Location, Source};
use crate::fetch::retry::{backoff, jittered, BACKOFF_JITTER, INTERVAL_JITTER};
use crate::fetch::{FailureKind as FetchFailureKind, FetchError};
use crate::store::{SourceState, SourceStatus};

/// Why a source failed this time, and what that means for its schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// For the owner: what happened and what to do.
    pub message: String,
    /// How to count it.
    pub kind: FailureKind,
    /// The wait the server asked for.
    pub retry_after: Option<Duration>,
}

/// Kinds of failure that the health rules tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Network, server or parse error: backoff, broken after `[fetch] broken_after`.
    Error,
    /// A bot wall.
    Blocked,
    /// 410 Gone: disabled.
    Gone,
    /// A page that gave items before gives none now: broken at once.
    LayoutChanged,
}

impl Failure {
    /// A plain error.
    pub fn error(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            kind: FailureKind::Error,
            retry_after: None,
        }
    }
}

impl From<FetchError> for Failure {
    fn from(error: FetchError) -> Failure {
        let kind = match error.kind() {
            FetchFailureKind::Error => FailureKind::Error,
            FetchFailureKind::Blocked => FailureKind::Blocked,
            FetchFailureKind::Gone => FailureKind::Gone,
        };
        Failure {
            retry_after: error.retry_after(),
            message: error.to_string(),
            kind,
        }
    }
}

/// Should `source` be polled now? A disabled source waits for a new url in the config
/// (or `force`); otherwise its stored `next_due_at` decides, unless `force`.
pub fn is_due(source: &Source, state: &SourceState, now: DateTime<Utc>, force: bool) -> bool {
    if force || url_changed(source, state) {
        return true;
    }
    state.status != SourceStatus::Disabled && state.next_due_at.is_none_or(|due| due <= now)
}

/// The owner edited the url since the last fetch: forget what we knew about the old one.
pub fn rebase(state: &mut SourceState, source: &Source) {
    if url_changed(source, state) {
        state.url = None;
        state.etag = None;
        state.last_modified = None;
        state.body_hash = None;
    }
}

/// Where to fetch: the permanent-redirect target when there is one, else the config's url.
pub fn location(source: &Source, state: &SourceState) -> Location {
    match (&source.location, state.url.as_deref()) {
        (Location::Http(configured), Some(moved)) if !url_changed(source, state) => {
            url::Url::parse(moved)
                .map_or_else(|_| Location::Http(configured.clone()), Location::Http)
        }
        (location, _) => location.clone(),
    }
}

fn url_changed(source: &Source, state: &SourceState) -> bool {
    state
        .config_url
        .as_deref()
        .is_some_and(|recorded| recorded != source.location.to_string())
}

/// After an attempt: failures in a row, health, and the next due time.
pub fn schedule(
    state: &mut SourceState,
    source: &Source,
    failure: Option<&Failure>,
    broken_after: u32,
    now: DateTime<Utc>,
) {
    let wait = match failure {
        None => {
            state.consecutive_failures = 0;
            state.status = SourceStatus::Ok;
            jittered(source.interval, INTERVAL_JITTER)
        }
        Some(failure) => {
            state.consecutive_failures += 1;
            state.status = status_after_failure(
                state.status,
                failure.kind,
                state.consecutive_failures,
                broken_after,
            );
            let wait = jittered(
                backoff(source.interval, state.consecutive_failures),
                BACKOFF_JITTER,
            );
            failure.retry_after.map_or(wait, |asked| wait.max(asked))
        }
    };
    // A configured interval can be longer than a date can reach: then six hours.
    let fallback = now + crate::clock::HOUR * 6;
    state.next_due_at = Some(
        chrono::Duration::from_std(wait)
            .ok()
            .and_then(|wait| now.checked_add_signed(wait))
            .unwrap_or(fallback),
    );
}

/// Broken stays broken until a success; gone disables; a bot wall shows as blocked.
pub fn status_after_failure(
    previous: SourceStatus,
    kind: FailureKind,
    failures: u32,
    broken_after: u32,
) -> SourceStatus {
    match kind {
        FailureKind::Gone => SourceStatus::Disabled,
        FailureKind::LayoutChanged => SourceStatus::Broken,
        _ if previous == SourceStatus::Broken || failures >= broken_after => SourceStatus::Broken,
        FailureKind::Blocked => SourceStatus::Blocked,
        FailureKind::Error => SourceStatus::Failing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceKind;

    fn source() -> Source {
        Source {
            name: "s".into(),
            kind: SourceKind::Feed,
            location: Location::Http(url::Url::parse("https://x.test/feed").unwrap()),
            interval: Duration::from_secs(900),
            require_mention: false,
            selectors: None,
            max_pages: 1,
            platform: None,
            location_name: None,
        }
    }

    #[test]
    fn failures_become_broken_after_n_and_stay_broken_until_a_success() {
        use SourceStatus::*;
        let err = FailureKind::Error;
        assert_eq!(status_after_failure(Ok, err, 1, 3), Failing);
        assert_eq!(status_after_failure(Failing, err, 3, 3), Broken);
        assert_eq!(
            status_after_failure(Broken, FailureKind::Blocked, 1, 3),
            Broken
        );
        assert_eq!(
            status_after_failure(Ok, FailureKind::Blocked, 1, 3),
            Blocked
        );
        assert_eq!(status_after_failure(Ok, FailureKind::Gone, 1, 3), Disabled);
        assert_eq!(
            status_after_failure(Ok, FailureKind::LayoutChanged, 1, 3),
            Broken
        );
    }

    #[test]
    fn retry_after_wins_over_a_shorter_backoff() {
        let now = Utc::now();
        let mut state = SourceState::default();
        let failure = Failure {
            retry_after: Some(Duration::from_secs(7200)),
            ..Failure::error("429")
        };
        schedule(&mut state, &source(), Some(&failure), 3, now);
        assert_eq!(state.next_due_at, Some(now + crate::clock::HOUR * 2));
        schedule(&mut state, &source(), None, 3, now);
        let wait = state.next_due_at.unwrap() - now;
        assert!(wait <= crate::clock::MINUTE * 15 && wait >= crate::clock::SECOND * 810);
        assert_eq!(state.consecutive_failures, 0);
    }

    #[test]
    fn a_moved_source_uses_its_new_url_until_the_config_changes() {
        let mut state = SourceState {
            url: Some("https://y.test/new".into()),
            config_url: Some("https://x.test/feed".into()),
            status: SourceStatus::Disabled,
            ..Default::default()
        };
        let src = source();
        assert_eq!(location(&src, &state).to_string(), "https://y.test/new");
        assert!(!is_due(&src, &state, Utc::now(), false));
        state.config_url = Some("https://x.test/old".into());
        assert!(is_due(&src, &state, Utc::now(), false));
        rebase(&mut state, &src);
        assert_eq!(location(&src, &state).to_string(), "https://x.test/feed");
    }
}
