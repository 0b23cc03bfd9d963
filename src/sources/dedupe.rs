//! The stable identity of an item across fetches, and a hash that tells an edit apart.
//!
//! Key order: the source's GUID/id, else the canonical link, else a hash of the content.
//! Real feeds reuse one GUID for every item: [`assign_keys`] detects that within a fetch
//! and falls back to the next rule for the colliding items.

use std::collections::HashMap;

use super::RawItem;

/// Stable key of each item, in order, unique within the batch.
pub fn assign_keys(items: &[RawItem]) -> Vec<String> {
    let mut guid_counts: HashMap<&str, usize> = HashMap::new();
    for guid in items.iter().filter_map(|i| i.guid.as_deref()) {
        *guid_counts.entry(guid).or_default() += 1;
    }
    let mut keys: Vec<String> = items
        .iter()
        .map(|item| match item.guid.as_deref() {
            Some(guid) if guid_counts[guid] == 1 => format!("id:{guid}"),
            _ => fallback_key(item),
        })
        .collect();
    // Two items with the same link and no usable GUID: tell them apart by content.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for key in &keys {
        *seen.entry(key.clone()).or_default() += 1;
    }
    for (key, item) in keys.iter_mut().zip(items) {
        if seen[key.as_str()] > 1 {
            *key = format!("hash:{}", short_hash(&content_identity(item)));
        }
    }
    keys
}

fn fallback_key(item: &RawItem) -> String {
    match item.url.as_deref().and_then(canonical_url) {
        Some(url) => format!("url:{url}"),
        None => format!("hash:{}", short_hash(&content_identity(item))),
    }
}

/// The link with tracking parameters and the fragment removed, host lowercased.
pub fn canonical_url(link: &str) -> Option<String> {
    let mut url = url::Url::parse(link.trim()).ok()?;
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url.to_string())
}

fn is_tracking_param(name: &str) -> bool {
    name.starts_with("utm_") || matches!(name, "fbclid" | "gclid" | "ref" | "mc_cid" | "mc_eid")
}

fn content_identity(item: &RawItem) -> String {
    format!(
        "{}\u{0}{}\u{0}{}",
        item.author.as_deref().unwrap_or(""),
        item.title.as_deref().unwrap_or(""),
        item.text
    )
}

/// Hash of everything a reader sees: a change means the author edited the item.
pub fn content_hash(item: &RawItem) -> String {
    let rating = item.rating.map(|r| r.to_string()).unwrap_or_default();
    short_hash(&format!("{}\u{0}{rating}", content_identity(item)))
}

fn short_hash(text: &str) -> String {
    crate::hashes::short_sha256_hex(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(guid: Option<&str>, url: Option<&str>, text: &str) -> RawItem {
        RawItem {
            guid: guid.map(str::to_owned),
            url: url.map(str::to_owned),
            text: text.to_owned(),
            ..RawItem::default()
        }
    }

    #[test]
    fn guid_then_link_then_content() {
        let keys = assign_keys(&[
            item(Some("g1"), Some("https://x.test/1"), "a"),
            item(None, Some("https://X.test/2?utm_source=rss#c"), "b"),
            item(None, None, "c"),
        ]);
        assert_eq!(keys[0], "id:g1");
        assert_eq!(keys[1], "url:https://x.test/2");
        assert!(keys[2].starts_with("hash:"));
    }

    #[test]
    fn shared_guids_fall_back_per_item() {
        let keys = assign_keys(&[
            item(Some("same"), Some("https://x.test/1"), "a"),
            item(Some("same"), Some("https://x.test/2"), "b"),
        ]);
        assert_eq!(keys, ["url:https://x.test/1", "url:https://x.test/2"]);
    }

    #[test]
    fn keys_are_stable_and_edits_change_only_the_hash() {
        let before = item(None, None, "text");
        let once = assign_keys(std::slice::from_ref(&before));
        assert_eq!(once, assign_keys(std::slice::from_ref(&before)));
        let edited = RawItem {
            rating: Some(4.0),
            ..item(Some("g"), None, "text")
        };
        let original = item(Some("g"), None, "text");
        assert_eq!(
            assign_keys(std::slice::from_ref(&edited)),
            assign_keys(std::slice::from_ref(&original))
        );
        assert_ne!(content_hash(&edited), content_hash(&original));
    }
}
