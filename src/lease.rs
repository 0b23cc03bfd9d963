//! Who holds a lease: this process, named `host:pid`, so a lease whose owner died can be
//! taken at once instead of after its timeout. A lease from another host (several workers
//! on one database) is only taken once it expires: a pid means nothing across machines.

use std::sync::OnceLock;

/// This process's name in leases: `host:pid`.
pub fn owner() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| format!("{}:{}", host(), std::process::id()))
}

/// True when `holder` is a process on this host that no longer runs: its lease is void.
pub fn is_gone(holder: &str) -> bool {
    let Some((host_name, pid)) = holder.rsplit_once(':') else {
        return false;
    };
    if host_name != host() || holder == owner() {
        return false;
    }
    match pid.parse::<u32>() {
        Ok(pid) => !process_runs(pid),
        Err(_) => false,
    }
}

#[cfg(target_os = "linux")]
fn process_runs(pid: u32) -> bool {
    // A zombie (killed, not yet reaped by its parent) holds nothing any more either.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[cfg(not(target_os = "linux"))]
fn process_runs(_pid: u32) -> bool {
    // Without a cheap portable check, assume it runs: the lease then simply expires.
    true
}

/// This machine's name in leases: `$EARSHOT_WORKER_NAME` when set (containers may share a
/// host name, and a pid means nothing across them), else the host name.
fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let named = std::env::var("EARSHOT_WORKER_NAME")
            .ok()
            .map(|name| name.trim().replace(':', "-"))
            .filter(|name| !name.is_empty());
        if let Some(name) = named {
            return name;
        }
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .map(|h| h.trim().to_owned())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_local_process_holds_nothing_but_a_live_or_remote_one_does() {
        assert!(!is_gone(owner()), "this process runs");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(is_gone(&format!("{}:{pid}", host())));
        assert!(!is_gone(&format!("elsewhere.example:{pid}")));
        assert!(!is_gone("garbage"));
    }
}
