//! Which addresses are this machine or its private network, and so where a redirect from
//! a public site may not lead (server-side request forgery: a review site, or whoever
//! controls it, must not make Earshot fetch the router's admin page or a local service).
//!
//! A source the owner configured on such an address is theirs to read, and so are
//! redirects within it; only the step from public to local is refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::StatusCode;

use super::FetchError;

/// Longest target shown in an error (a `data:` URL can be the size of a page).
const MAX_SHOWN_CHARS: usize = 120;

/// Whether `ip` is loopback, private, link-local or unspecified (IPv4-mapped IPv6 as
/// its IPv4 address): 127/8, 10/8, 172.16/12, 192.168/16, 169.254/16, 0/8, ::1, ::,
/// fc00::/7, fe80::/10.
pub fn is_local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_v4(v4),
            None => is_local_v6(v6),
        },
    }
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.octets()[0] == 0
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // fc00::/7, unique local
        || (first & 0xffc0) == 0xfe80 // fe80::/10, link-local
}

/// Whether `url` names a local address by itself: an IP literal in the local ranges,
/// or `localhost` (and `*.localhost`). A name that resolves to one is seen only once
/// connected ([`reqwest::Response::remote_addr`]).
pub fn is_local_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_local_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_local_ip(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

/// May a fetch that started at a local address (`origin_local`) follow a `status`
/// redirect from `from` to `to`? Only to http(s), and from a public origin never to a
/// local address.
pub fn check_redirect(
    origin_local: bool,
    status: StatusCode,
    from: &url::Url,
    to: &url::Url,
) -> Result<(), FetchError> {
    if !matches!(to.scheme(), "http" | "https") {
        return Err(FetchError::RedirectScheme {
            status,
            location: shown(to.as_str()),
            scheme: to.scheme().to_owned(),
        });
    }
    if !origin_local && is_local_url(to) {
        return Err(private_hop(from, to));
    }
    Ok(())
}

/// The refusal of a hop from `from` to the local `to`.
pub fn private_hop(from: &url::Url, to: &url::Url) -> FetchError {
    FetchError::RedirectToPrivate {
        from: shown(from.as_str()),
        to: shown(to.as_str()),
    }
}

fn shown(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn local_ranges() {
        for local in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "::",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "febf::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_local_ip(local.parse().unwrap()), "{local}");
        }
        for public in [
            "8.8.8.8",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "2001:db8::1",
            "fec0::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_local_ip(public.parse().unwrap()), "{public}");
        }
        assert!(is_local_url(&url("http://localhost:8080/")));
        assert!(is_local_url(&url("http://api.localhost/")));
        assert!(is_local_url(&url("http://[::1]/")));
        assert!(!is_local_url(&url("https://reviews.example/")));
    }

    /// Issue 13 #13: a public source redirected into the private network was followed.
    #[test]
    fn a_redirect_from_public_to_private_is_refused() {
        let public = url("https://reviews.example/biz");
        let found = StatusCode::FOUND;
        for target in [
            "http://127.0.0.1:8080/admin",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://localhost/",
        ] {
            let err = check_redirect(false, found, &public, &url(target)).unwrap_err();
            assert!(
                matches!(err, FetchError::RedirectToPrivate { .. }),
                "{target}: {err}"
            );
            assert!(
                err.to_string()
                    .contains("a loopback or private-network address"),
                "{err}"
            );
            assert!(check_redirect(true, found, &url("http://127.0.0.1/"), &url(target)).is_ok());
        }
        assert!(check_redirect(false, found, &public, &url("https://other.example/")).is_ok());
    }

    /// Issue 13 #13: a refused `file:` redirect was reported as "without a usable Location".
    #[test]
    fn a_redirect_to_another_scheme_says_what_was_refused() {
        let from = url("http://127.0.0.1/");
        for (target, scheme) in [
            ("file:///etc/passwd", "file"),
            ("ftp://files.example/x", "ftp"),
            ("data:text/html,<p>hi</p>", "data"),
        ] {
            let err = check_redirect(true, StatusCode::FOUND, &from, &url(target))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(&format!("redirecting to {target}"))
                    && err.contains(&format!("never to {scheme}:")),
                "{err}"
            );
        }
        let long = url(&format!("data:text/plain,{}", "a".repeat(1000)));
        let err = check_redirect(true, StatusCode::FOUND, &from, &long).unwrap_err();
        assert!(err.to_string().len() < 600, "{err}");
    }
}
