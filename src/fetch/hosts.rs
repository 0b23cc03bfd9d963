//! Politeness limits: at most [`PER_HOST_REQUESTS`] requests at a time to one host, and a
//! global bound on requests in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Requests in flight to one host at most.
pub const PER_HOST_REQUESTS: usize = 2;

/// Semaphores per host plus one global semaphore.
pub(crate) struct HostLimits {
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// Held while a request runs (body included); dropping it frees the slots.
pub(crate) struct HostPermit {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl HostLimits {
    /// Limits with `global` requests in flight at most (at least one).
    pub(crate) fn new(global: usize) -> HostLimits {
        HostLimits {
            global: Arc::new(Semaphore::new(global.max(1))),
            hosts: Mutex::default(),
        }
    }

    /// Wait for a slot on `url`'s host, then a global one (always in this order, so
    /// a request waiting for a busy host never holds a global slot).
    pub(crate) async fn acquire(&self, url: &url::Url) -> HostPermit {
        let host = self.host(&host_key(url));
        let host = host
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let global = self.global.clone().acquire_owned().await;
        HostPermit {
            _host: host,
            _global: global.expect("the global semaphore is never closed"),
        }
    }

    fn host(&self, key: &str) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(key.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST_REQUESTS)))
            .clone()
    }
}

/// `host:port`, the unit of politeness (and of the robots.txt cache).
pub(crate) fn host_key(url: &url::Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_third_request_to_one_host_waits_but_another_host_does_not() {
        let limits = HostLimits::new(8);
        let a = url::Url::parse("https://a.test/x").unwrap();
        let b = url::Url::parse("https://b.test/x").unwrap();
        let _one = limits.acquire(&a).await;
        let _two = limits.acquire(&a).await;
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire(&a));
        assert!(
            third.await.is_err(),
            "a third permit for one host was granted"
        );
        let other = tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire(&b));
        assert!(other.await.is_ok());
    }

    #[test]
    fn ports_separate_hosts() {
        let key = |u: &str| host_key(&url::Url::parse(u).unwrap());
        assert_eq!(key("https://a.test/x"), "a.test:443");
        assert_ne!(key("http://127.0.0.1:8001/"), key("http://127.0.0.1:8002/"));
    }
}
