//! `[[source]]` of a named platform (`kind = "reddit"`, `"hackernews"`, `"mastodon"`,
//! `"google-alerts"`, `"trustpilot"`, `"google-places"`): the few fields a person knows, checked and turned into a
//! [`PlatformSource`] whose request becomes the source's location.

use std::ops::Range;

use toml::Spanned;

use super::{Location, RawSource, SourceKind, Validator};
use crate::sources::platforms::{bluesky, mastodon, trustpilot, Platform, PlatformSource};

/// `query`, in characters: search words, not a paragraph.
const QUERY: Range<usize> = 1..201;
/// A subreddit name, as Reddit allows it.
const SUBREDDIT: Range<usize> = 2..22;
/// A hashtag without `#`.
const TAG: Range<usize> = 1..101;
/// A Mastodon user name (Mastodon allows 30).
const ACCOUNT: Range<usize> = 1..31;
/// A Google place id (they run to a few hundred characters at most).
const PLACE_ID: Range<usize> = 10..513;

/// Which kinds each platform key belongs to, for the message when it is misplaced.
const KEYS: [(&str, &str); 8] = [
    ("query", "\"reddit\", \"hackernews\" or \"bluesky\""),
    ("subreddit", "\"reddit\""),
    ("instance", "\"mastodon\""),
    ("tag", "\"mastodon\""),
    ("account", "\"mastodon\""),
    ("handle", "\"bluesky\""),
    (
        "api_base",
        "a named platform (reddit, hackernews, mastodon, bluesky, google-alerts, trustpilot, google-places)",
    ),
    ("place_id", "\"google-places\""),
];

/// The platform keys of a raw source, in [`KEYS`] order.
fn platform_keys(raw: &RawSource) -> [Option<&Spanned<String>>; 8] {
    [
        raw.query.as_ref(),
        raw.subreddit.as_ref(),
        raw.instance.as_ref(),
        raw.tag.as_ref(),
        raw.account.as_ref(),
        raw.handle.as_ref(),
        raw.api_base.as_ref(),
        raw.place_id.as_ref(),
    ]
}

/// Whether `key` applies to `kind`.
fn applies(kind: SourceKind, key: &str) -> bool {
    match key {
        "query" => matches!(
            kind,
            SourceKind::Reddit | SourceKind::HackerNews | SourceKind::Bluesky
        ),
        "handle" => kind == SourceKind::Bluesky,
        "subreddit" => kind == SourceKind::Reddit,
        "instance" | "tag" | "account" => kind == SourceKind::Mastodon,
        "api_base" => kind.is_platform(),
        "place_id" => kind == SourceKind::GooglePlaces,
        "url" => matches!(
            kind,
            SourceKind::Feed | SourceKind::Page | SourceKind::GoogleAlerts | SourceKind::Trustpilot
        ),
        _ => false,
    }
}

/// A platform search already matches the owner's words, so its items are kept whether
/// or not they name the business; an account's own posts need not be about it at all.
pub(super) fn requires_mention_by_default(platform: Option<&PlatformSource>) -> bool {
    matches!(
        platform.map(|p| &p.platform),
        Some(
            Platform::Mastodon(mastodon::Timeline::Account { .. })
                | Platform::Bluesky(bluesky::Feed::Author { .. })
        )
    )
}

impl Validator<'_> {
    /// Platform keys on a feed or page: each is reported.
    pub(super) fn not_for_feeds_or_pages(&mut self, name: &str, raw: &RawSource) {
        for ((key, kinds), value) in KEYS.iter().zip(platform_keys(raw)) {
            if let Some(value) = value {
                self.misplaced(name, key, kinds, value.span());
            }
        }
    }

    fn misplaced(&mut self, name: &str, key: &str, kinds: &str, span: Range<usize>) {
        self.report(
            span,
            &format!("source.{key}"),
            &format!("source '{name}': {key} only applies to kind = {kinds}; remove it, or set the kind this source is"),
        );
    }

    /// The platform a source names, or None after reporting what is missing or wrong.
    pub(super) fn platform(&mut self, name: &str, raw: &RawSource) -> Option<PlatformSource> {
        let mut fine = true;
        for ((key, kinds), value) in KEYS.iter().zip(platform_keys(raw)) {
            if let Some(value) = value.filter(|_| !applies(raw.kind, key)) {
                self.misplaced(name, key, kinds, value.span());
                fine = false;
            }
        }
        if let Some(url) = raw.url.as_ref().filter(|_| !applies(raw.kind, "url")) {
            self.report(
                url.span(),
                "source.url",
                &format!("source '{name}': a {} source needs no url (Earshot builds the request from its other keys); remove it, or use api_base to point at a stand-in server", raw.kind.name()),
            );
            fine = false;
        }
        let api_base = match &raw.api_base {
            Some(base) => self.api_base(base),
            None => None,
        };
        let platform = match raw.kind {
            SourceKind::Reddit => self.reddit(name, raw),
            SourceKind::HackerNews => self
                .query(name, raw)
                .map(|query| Platform::HackerNews { query }),
            SourceKind::Mastodon => self.mastodon(name, raw).map(Platform::Mastodon),
            SourceKind::Bluesky => self.bluesky(name, raw).map(Platform::Bluesky),
            SourceKind::GoogleAlerts => self.alert_feed(name, raw),
            SourceKind::Trustpilot => self.trustpilot(name, raw),
            SourceKind::GooglePlaces => self.place_id(name, raw),
            SourceKind::Feed | SourceKind::Page => None,
        }?;
        if raw.api_base.is_some() && api_base.is_none() {
            return None;
        }
        let api_base = api_base.unwrap_or_else(|| platform.default_api_base());
        fine.then_some(PlatformSource { platform, api_base })
    }

    fn reddit(&mut self, name: &str, raw: &RawSource) -> Option<Platform> {
        let query = self.query(name, raw);
        let subreddit = match &raw.subreddit {
            Some(value) => {
                let text = value.get_ref().trim();
                let text = text.trim_start_matches('/').trim_start_matches("r/");
                if !within(text, SUBREDDIT) || !is_word(text) {
                    self.report(
                        value.span(),
                        "source.subreddit",
                        "is not a subreddit name: write the name after r/, e.g. subreddit = \"Portland\" (2 to 21 letters, digits or _)",
                    );
                    return None;
                }
                Some(text.to_owned())
            }
            None => None,
        };
        Some(Platform::Reddit {
            query: query?,
            subreddit,
        })
    }

    fn query(&mut self, name: &str, raw: &RawSource) -> Option<String> {
        let Some(value) = &raw.query else {
            self.report(
                raw.name.span(),
                "source.query",
                &format!("source '{name}' is kind = \"{}\" and needs the words to search for: add query = \"Harbor Street Bakery\" (quote a phrase inside with \\\"…\\\")", raw.kind.name()),
            );
            return None;
        };
        let text = value.get_ref().trim();
        if !within(text, QUERY) {
            self.report(
                value.span(),
                "source.query",
                &format!("must be 1 to {} characters of search words, e.g. query = \"Harbor Street Bakery\"", QUERY.end - 1),
            );
            return None;
        }
        Some(text.to_owned())
    }

    fn mastodon(&mut self, name: &str, raw: &RawSource) -> Option<mastodon::Timeline> {
        let instance = match &raw.instance {
            Some(value) => match mastodon::instance_host(value.get_ref()) {
                Ok(host) => Some(host),
                Err(why) => {
                    self.report(
                        value.span(),
                        "source.instance",
                        &format!("'{}' is {why}: write the instance's address, e.g. instance = \"mastodon.social\"", value.get_ref()),
                    );
                    return None;
                }
            },
            None => {
                self.report(
                    raw.name.span(),
                    "source.instance",
                    &format!("source '{name}' is kind = \"mastodon\" and needs the server to read: add instance = \"mastodon.social\""),
                );
                None
            }
        };
        let timeline = match (&raw.tag, &raw.account) {
            (Some(tag), None) => {
                let text = tag.get_ref().trim().trim_start_matches('#');
                if !within(text, TAG) || !text.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    self.report(
                        tag.span(),
                        "source.tag",
                        "is not a hashtag: write it without spaces, e.g. tag = \"harborbakery\"",
                    );
                    return None;
                }
                mastodon::Timeline::Tag {
                    instance: instance?,
                    tag: text.to_owned(),
                }
            }
            (None, Some(account)) => {
                let text = account.get_ref().trim().trim_start_matches('@');
                if text.contains('@') {
                    self.report(
                        account.span(),
                        "source.account",
                        "names an account on another server: read it on its own server, e.g. for @harbor@mastodon.social write instance = \"mastodon.social\" and account = \"harbor\"",
                    );
                    return None;
                }
                if !within(text, ACCOUNT) || !is_word(text) {
                    self.report(
                        account.span(),
                        "source.account",
                        "is not a Mastodon user name: write the name after @, e.g. account = \"harbor\"",
                    );
                    return None;
                }
                mastodon::Timeline::Account {
                    instance: instance?,
                    account: text.to_owned(),
                }
            }
            (Some(_), Some(account)) => {
                self.report(
                    account.span(),
                    "source.account",
                    &format!("source '{name}' has both a tag and an account: one source reads one of them; make a second [[source]] for the other"),
                );
                return None;
            }
            (None, None) => {
                self.report(
                    raw.name.span(),
                    "source.tag",
                    &format!("source '{name}' is kind = \"mastodon\" and needs what to read: add tag = \"harborbakery\" (a hashtag) or account = \"harbor\" (an account's posts)"),
                );
                return None;
            }
        };
        Some(timeline)
    }

    fn bluesky(&mut self, name: &str, raw: &RawSource) -> Option<bluesky::Feed> {
        match (&raw.query, &raw.handle) {
            (Some(_), None) => self
                .query(name, raw)
                .map(|query| bluesky::Feed::Search { query }),
            (None, Some(value)) => match bluesky::handle(value.get_ref()) {
                Some(handle) => Some(bluesky::Feed::Author { handle }),
                None => {
                    self.report(
                        value.span(),
                        "source.handle",
                        "is not a Bluesky handle: write the account's full handle, e.g. handle = \"harborbakery.bsky.social\"",
                    );
                    None
                }
            },
            (Some(_), Some(value)) => {
                self.report(
                    value.span(),
                    "source.handle",
                    &format!("source '{name}' has both a query and a handle: one source reads one of them; make a second [[source]] for the other"),
                );
                None
            }
            (None, None) => {
                self.report(
                    raw.name.span(),
                    "source.query",
                    &format!("source '{name}' is kind = \"bluesky\" and needs what to read: add query = \"Harbor Street Bakery\" (a post search, which needs a Bluesky login in the environment) or handle = \"harborbakery.bsky.social\" (an account's posts)"),
                );
                None
            }
        }
    }

    fn alert_feed(&mut self, name: &str, raw: &RawSource) -> Option<Platform> {
        let Some(url) = &raw.url else {
            self.report(
                raw.name.span(),
                "source.url",
                &format!("source '{name}' is kind = \"google-alerts\" and needs the alert's feed address: in Google Alerts set \"Deliver to: RSS feed\", then copy the feed icon's link into url = \"https://www.google.com/alerts/feeds/…\""),
            );
            return None;
        };
        match self.location(url)? {
            Location::Http(feed) => Some(Platform::GoogleAlerts { feed }),
            Location::File(_) => {
                self.report(
                    url.span(),
                    "source.url",
                    "a google-alerts source reads the alert's feed on the web: write its https:// address (for a saved copy, use kind = \"feed\")",
                );
                None
            }
        }
    }

    fn trustpilot(&mut self, name: &str, raw: &RawSource) -> Option<Platform> {
        let example = "url = \"https://www.trustpilot.com/review/harborbakery.example\"";
        let Some(url) = &raw.url else {
            self.report(
                raw.name.span(),
                "source.url",
                &format!("source '{name}' is kind = \"trustpilot\" and needs the business's Trustpilot page: add {example}"),
            );
            return None;
        };
        match self.location(url)? {
            Location::Http(page) if trustpilot::domain(&page).is_some() => {
                Some(Platform::Trustpilot { page })
            }
            _ => {
                self.report(
                    url.span(),
                    "source.url",
                    &format!("is not a Trustpilot review page: open the business on trustpilot.com and copy its address, e.g. {example}"),
                );
                None
            }
        }
    }

    fn place_id(&mut self, name: &str, raw: &RawSource) -> Option<Platform> {
        let Some(value) = &raw.place_id else {
            self.report(
                raw.name.span(),
                "source.place_id",
                &format!("source '{name}' is kind = \"google-places\" and needs the place's id: find it with Google's Place ID Finder and add place_id = \"ChIJ…\""),
            );
            return None;
        };
        let text = value.get_ref().trim();
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if !within(text, PLACE_ID) || !text.chars().all(word) {
            self.report(
                value.span(),
                "source.place_id",
                "is not a Google place id: copy it from Google's Place ID Finder, e.g. place_id = \"ChIJN1t_tDeuEmsRUsoyG83frY4\" (letters, digits, _ and -)",
            );
            return None;
        }
        Some(Platform::GooglePlaces {
            place_id: text.to_owned(),
        })
    }

    fn api_base(&mut self, value: &Spanned<String>) -> Option<url::Url> {
        let text = value.get_ref().trim();
        match url::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.query().is_none() => {
                Some(url)
            }
            _ => {
                self.report(
                    value.span(),
                    "source.api_base",
                    "must be an http(s) address without a query, e.g. api_base = \"http://127.0.0.1:8099/\" (leave it out to use the platform itself)",
                );
                None
            }
        }
    }
}

fn within(text: &str, range: Range<usize>) -> bool {
    range.contains(&text.chars().count())
}

fn is_word(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Location, SourceKind};
    use crate::sources::platforms::{mastodon::Timeline, Platform};

    const MINIMAL: &str = "[business]\nname = \"Harbor Bakery\"\n";

    fn parse(sources: &str) -> Result<Config, String> {
        Config::parse(
            &format!("{MINIMAL}{sources}"),
            std::path::Path::new("test.toml"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn each_platform_derives_its_request_from_what_the_owner_knows() {
        let config = parse(
            "[[source]]\nname = \"r\"\nkind = \"reddit\"\nquery = \"harbor bakery\"\nsubreddit = \"r/Portland\"\n\
             [[source]]\nname = \"hn\"\nkind = \"hackernews\"\nquery = \"harbor\"\n\
             [[source]]\nname = \"m\"\nkind = \"mastodon\"\ninstance = \"https://mastodon.social/\"\ntag = \"#harborbakery\"\n\
             [[source]]\nname = \"a\"\nkind = \"mastodon\"\ninstance = \"fosstodon.org\"\naccount = \"@critic\"\n\
             [[source]]\nname = \"g\"\nkind = \"google-alerts\"\nurl = \"https://www.google.com/alerts/feeds/1/2\"\napi_base = \"http://127.0.0.1:9/\"\n\
             [[source]]\nname = \"bs\"\nkind = \"bluesky\"\nquery = \"harbor\"\n\
             [[source]]\nname = \"ba\"\nkind = \"bluesky\"\nhandle = \"@Harbor.bsky.social\"\n",
        )
        .unwrap();
        let urls: Vec<String> = config
            .sources
            .iter()
            .map(|s| s.location.to_string())
            .collect();
        assert_eq!(urls, [
            "https://www.reddit.com/r/Portland/search.json?q=harbor+bakery&sort=new&restrict_sr=1&raw_json=1",
            "https://hn.algolia.com/api/v1/search_by_date?query=harbor&tags=%28story%2Ccomment%29",
            "https://mastodon.social/api/v1/timelines/tag/harborbakery?limit=40",
            "https://fosstodon.org/@critic.rss",
            "http://127.0.0.1:9/alerts/feeds/1/2",
            "https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=harbor&sort=latest&limit=50",
            "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=harbor.bsky.social&limit=50",
        ]);
        assert_eq!(config.sources[1].kind, SourceKind::HackerNews);
        assert!(matches!(
            config.sources[2].platform.as_ref().unwrap().platform,
            Platform::Mastodon(Timeline::Tag { .. })
        ));
        // Searches keep what they find; an account's own posts must name the business.
        let require: Vec<bool> = config.sources.iter().map(|s| s.require_mention).collect();
        assert_eq!(require, [false, false, false, true, false, false, true]);
        // A stand-in on this machine may be polled as often as a local file.
        assert!(matches!(config.sources[4].location, Location::Http(_)));
    }

    #[test]
    fn missing_and_misplaced_keys_say_what_to_write() {
        let err = parse(
            "[[source]]\nname = \"r\"\nkind = \"reddit\"\nsubreddit = \"Portland\"\n\
             [[source]]\nname = \"m\"\nkind = \"mastodon\"\ninstance = \"mastodon.social\"\n\
             [[source]]\nname = \"f\"\nurl = \"https://x.test/f\"\nquery = \"x\"\n\
             [[source]]\nname = \"h\"\nkind = \"hackernews\"\nquery = \"x\"\nurl = \"https://x.test\"\n\
             [[source]]\nname = \"p\"\nkind = \"page\"\n\
             [[source]]\nname = \"o\"\nkind = \"mastodon\"\ninstance = \"a.test\"\naccount = \"bob@b.test\"\n",
        )
        .unwrap_err();
        for expected in [
            "test.toml line 4: `source.query`: source 'r' is kind = \"reddit\" and needs the words to search for: add query = ",
            "test.toml line 8: `source.tag`: source 'm' is kind = \"mastodon\" and needs what to read: add tag = ",
            "test.toml line 14: `source.query`: source 'f': query only applies to kind = \"reddit\", \"hackernews\" or \"bluesky\"",
            "test.toml line 19: `source.url`: source 'h': a hackernews source needs no url",
            "test.toml line 21: `source.url`: source 'p' has no url: add url = ",
            "test.toml line 27: `source.account`: names an account on another server",
        ] {
            assert!(err.contains(expected), "missing «{expected}» in:\n{err}");
        }
    }

    #[test]
    fn review_platforms_take_a_page_or_a_place_and_say_what_is_wrong() {
        let config = parse(
            "[[source]]\nname = \"tp\"\nkind = \"trustpilot\"\nurl = \"https://www.trustpilot.com/review/harborbakery.example\"\n\
             [[source]]\nname = \"g\"\nkind = \"google-places\"\nplace_id = \"ChIJN1t_tDeuEmsRUsoyG83frY4\"\n",
        )
        .unwrap();
        let urls: Vec<String> = config
            .sources
            .iter()
            .map(|s| s.location.to_string())
            .collect();
        assert_eq!(
            urls,
            [
                "https://www.trustpilot.com/review/harborbakery.example",
                "https://places.googleapis.com/v1/places/ChIJN1t_tDeuEmsRUsoyG83frY4",
            ]
        );
        // Without a key a Trustpilot page is read a few pages deep.
        assert_eq!(config.sources[0].max_pages, 3);
        assert_eq!(config.sources[1].kind, SourceKind::GooglePlaces);

        let err = parse(
            "[[source]]\nname = \"tp\"\nkind = \"trustpilot\"\nurl = \"https://www.trustpilot.com/categories/bakery\"\n\
             [[source]]\nname = \"g\"\nkind = \"google-places\"\n\
             [[source]]\nname = \"f\"\nurl = \"https://x.test/f\"\nplace_id = \"ChIJN1t_tDeuEmsRUsoyG83frY4\"\n\
             [[source]]\nname = \"b\"\nkind = \"google-places\"\nplace_id = \"not a place\"\n",
        )
        .unwrap_err();
        for expected in [
            "line 6: `source.url`: is not a Trustpilot review page",
            "line 8: `source.place_id`: source 'g' is kind = \"google-places\" and needs the place's id",
            "line 13: `source.place_id`: source 'f': place_id only applies to kind = \"google-places\"",
            "line 17: `source.place_id`: is not a Google place id",
        ] {
            assert!(err.contains(expected), "missing «{expected}» in:\n{err}");
        }
    }

    #[test]
    fn a_bad_api_base_or_subreddit_is_named() {
        let err = parse(
            "[[source]]\nname = \"r\"\nkind = \"reddit\"\nquery = \"x\"\nsubreddit = \"no spaces please\"\napi_base = \"ftp://x\"\n",
        )
        .unwrap_err();
        assert!(
            err.contains("line 7: `source.subreddit`: is not a subreddit name"),
            "{err}"
        );
        assert!(
            err.contains("line 8: `source.api_base`: must be an http(s) address"),
            "{err}"
        );
    }
}
