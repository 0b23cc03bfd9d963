//! Handles per platform, as the customer CSV writes them (`bluesky:@name`,
//! `mastodon:@name@instance`, `reddit:u/name`, or a plain `@name` for any platform) and
//! as an author shows them (`@name`, `@name@instance`, `u/name`), folded to lookup keys.

/// The platform prefixes a handle in the CSV may carry.
pub const PLATFORMS: &[&str] = &["bluesky", "mastodon", "reddit"];

/// How strongly an author's handle key identifies a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// The same account: links.
    Same,
    /// The same user name on some instance (a Mastodon `@name` without its server): a suggestion.
    Local,
}

/// A CSV handle's platform prefix when it is not one Earshot knows, for the import error.
pub fn unknown_platform(handle: &str) -> Option<&str> {
    let (platform, _) = handle.split_once(':')?;
    (!PLATFORMS.contains(&platform.to_ascii_lowercase().as_str())).then_some(platform)
}

/// The keys one customer handle is found by, with the strength each gives.
pub fn customer_keys(handle: &str) -> Vec<(String, Strength)> {
    let handle = handle.trim().to_lowercase();
    let (platform, name) = match handle.split_once(':') {
        Some((p, n)) if PLATFORMS.contains(&p) => (Some(p), n),
        _ => (None, handle.as_str()),
    };
    let mut keys = Vec::new();
    match platform {
        Some("reddit") => {
            let name = strip_reddit(name).unwrap_or(name).trim_start_matches('@');
            keys.push((format!("reddit:{name}"), Strength::Same));
        }
        Some("bluesky") => {
            let name = name.trim_start_matches('@');
            keys.push((format!("bluesky:{name}"), Strength::Same));
            if let Some(stem) = name.strip_suffix(".bsky.social") {
                keys.push((format!("bluesky:{stem}"), Strength::Same));
            }
        }
        _ => {
            let name = name.trim_start_matches('@');
            if let Some((user, _)) = name.split_once('@') {
                keys.push((format!("mastodon:{name}"), Strength::Same));
                keys.push((format!("mastodon-local:{user}"), Strength::Local));
            }
            if platform.is_none() {
                keys.push((format!("any:{name}"), Strength::Same));
            }
        }
    }
    keys
}

/// The keys an author word that looks like a handle probes, or none when it is no handle.
/// `email_like` words (`name@server.example`) are probed as handles too, after emails.
pub fn author_keys(word: &str) -> Vec<(String, Strength)> {
    let word = word.to_lowercase();
    if let Some(name) = strip_reddit(&word) {
        return vec![
            (format!("reddit:{name}"), Strength::Same),
            (format!("any:{name}"), Strength::Same),
        ];
    }
    let at = word.starts_with('@');
    let name = word.trim_start_matches('@');
    if name.is_empty() {
        return Vec::new();
    }
    if let Some((user, _)) = name.split_once('@') {
        let mut keys = vec![
            (format!("mastodon:{name}"), Strength::Same),
            (format!("any:{name}"), Strength::Same),
        ];
        if at {
            keys.push((format!("any:{user}"), Strength::Same));
        }
        return keys;
    }
    if !at {
        return Vec::new();
    }
    let mut keys = vec![
        (format!("any:{name}"), Strength::Same),
        (format!("bluesky:{name}"), Strength::Same),
        (format!("mastodon-local:{name}"), Strength::Local),
    ];
    if let Some(stem) = name.strip_suffix(".bsky.social") {
        keys.push((format!("any:{stem}"), Strength::Same));
    }
    keys
}

/// "u/name" or "/u/name" → "name".
fn strip_reddit(word: &str) -> Option<&str> {
    let name = word
        .strip_prefix("/u/")
        .or_else(|| word.strip_prefix("u/"))?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(customer: &str, author: &str) -> Option<Strength> {
        let have = customer_keys(customer);
        author_keys(author)
            .into_iter()
            .filter_map(|(k, s)| have.iter().any(|(c, _)| *c == k).then_some(s))
            .next()
    }

    #[test]
    fn platform_handles_match_only_their_platform() {
        assert_eq!(
            hits("reddit:u/Crumb_Fan", "u/crumb_fan"),
            Some(Strength::Same)
        );
        assert_eq!(
            hits("reddit:u/crumb_fan", "/u/crumb_fan"),
            Some(Strength::Same)
        );
        assert_eq!(hits("reddit:u/crumb_fan", "@crumb_fan"), None);
        assert_eq!(
            hits("bluesky:@ottilie.bsky.social", "@ottilie.bsky.social"),
            Some(Strength::Same)
        );
        assert_eq!(
            hits("bluesky:@ottilie.bsky.social", "@ottilie"),
            Some(Strength::Same)
        );
        assert_eq!(hits("bluesky:@ottilie", "u/ottilie"), None);
        assert_eq!(
            hits("mastodon:@kai@fosstodon.example", "@kai@fosstodon.example"),
            Some(Strength::Same)
        );
        assert_eq!(
            hits("mastodon:@kai@fosstodon.example", "@kai@other.example"),
            None
        );
        assert_eq!(
            hits("mastodon:@kai@fosstodon.example", "@kai"),
            Some(Strength::Local)
        );
    }

    #[test]
    fn a_plain_handle_matches_any_platform() {
        assert_eq!(hits("@pip_bakes", "@pip_bakes"), Some(Strength::Same));
        assert_eq!(hits("@pip_bakes", "u/pip_bakes"), Some(Strength::Same));
        assert_eq!(
            hits("@pip_bakes", "@pip_bakes@mastodon.example"),
            Some(Strength::Same)
        );
        assert_eq!(
            hits("pip@mastodon.example", "pip@mastodon.example"),
            Some(Strength::Same)
        );
        assert_eq!(hits("@pip_bakes", "pip_bakes"), None);
    }

    #[test]
    fn unknown_platforms_are_named() {
        assert_eq!(unknown_platform("twitter:@x"), Some("twitter"));
        assert_eq!(unknown_platform("Reddit:u/x"), None);
        assert_eq!(unknown_platform("@x"), None);
    }
}
