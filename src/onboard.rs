//! Adding a source by URL (`earshot sources add`, the web log's sources page) and the
//! dry run of an existing one (`earshot sources test`): fetch once through the same
//! fetcher and parsers as a poll, show how the first items would score, store nothing.
//! An add then appends one `[[source]]` block to the config file, leaving every other
//! byte of it (comments, layout) as it was.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use url::Url;

use crate::config::{Config, Location, Source, SourceKind};
use crate::fetch::{Fetched, Validators};
use crate::pipeline::Pipeline;
use crate::sources::discover::{self, Found};
use crate::sources::platforms::{bluesky, mastodon, Platform, PlatformSource};
use crate::sources::RawItem;
use crate::store::SourceState;

/// Items a preview scores.
const PREVIEW_ITEMS: usize = 3;
/// Longest name made up for a source.
const NAME_CHARS: usize = 32;

/// What a fetch found, as shown before anything is stored.
#[derive(Debug)]
pub struct Preview {
    /// `feed` or `page` (a platform kind once known).
    pub kind: SourceKind,
    /// Where the source is read (the linked feed for a page that links one).
    pub url: String,
    /// The feed's or page's title.
    pub title: Option<String>,
    /// How many items it holds now.
    pub items: usize,
    /// The first items: what they say, how they score, whether they name the business.
    pub first: Vec<ItemPreview>,
}

/// One item's preview line.
#[derive(Debug)]
pub struct ItemPreview {
    /// Title, or the start of the text.
    pub headline: String,
    /// negative, neutral, positive, or unscored (not in English).
    pub label: crate::model::Label,
    /// Score in [-1, 1]; None when unscored.
    pub score: Option<f32>,
    /// The language of an item not in English.
    pub language: Option<crate::model::Language>,
    /// The words that moved the score most.
    pub terms: Vec<String>,
    /// Whether it names the business (`[business] name`/`aliases`).
    pub names_business: bool,
}

impl Preview {
    fn new(
        pipeline: &Pipeline,
        kind: SourceKind,
        url: String,
        title: Option<String>,
        items: &[RawItem],
    ) -> Preview {
        let first = items
            .iter()
            .take(PREVIEW_ITEMS)
            .map(|item| item_preview(pipeline, item))
            .collect();
        Preview {
            kind,
            url,
            title,
            items: items.len(),
            first,
        }
    }
}

fn item_preview(pipeline: &Pipeline, item: &RawItem) -> ItemPreview {
    let (score, names_business) = pipeline.preview(item);
    let headline = item.title.clone().unwrap_or_else(|| item.text.clone());
    ItemPreview {
        headline: shorten(&headline, 70),
        label: score.label,
        score: score.shown_value(),
        language: score.language,
        terms: score.terms.iter().take(3).map(|t| t.term.clone()).collect(),
        names_business,
    }
}

fn shorten(text: &str, chars: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        return flat;
    }
    let cut: String = flat.chars().take(chars - 1).collect();
    format!("{}…", cut.trim_end())
}

impl std::fmt::Display for Preview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "kind:  {}", self.kind.name())?;
        writeln!(f, "url:   {}", self.url)?;
        if let Some(title) = &self.title {
            writeln!(f, "title: {title}")?;
        }
        writeln!(f, "items: {} now", self.items)?;
        for (n, item) in self.first.iter().enumerate() {
            let names = if item.names_business {
                "names the business"
            } else {
                "does not name the business"
            };
            let terms = if item.terms.is_empty() {
                "-".to_owned()
            } else {
                item.terms.join(", ")
            };
            let score = match item.score {
                Some(score) => format!("{score:+.2}"),
                None => "\u{2014}".to_owned(),
            };
            let language = item.language.map(|l| format!(" ({l})")).unwrap_or_default();
            writeln!(
                f,
                "  {}. {}{language} {score} ({names}; terms: {terms})\n     {}",
                n + 1,
                item.label,
                item.headline
            )?;
        }
        Ok(())
    }
}

/// One dry fetch of a configured source through the poll's own read path (fresh, so
/// unconditional); nothing is stored.
pub async fn dry_run(pipeline: &Pipeline, source: &Source) -> Result<Preview, String> {
    let mut state = SourceState::default();
    let items = pipeline
        .read(source, &source.location, &mut state)
        .await
        .map_err(|failure| failure.message)?
        .unwrap_or_default();
    Ok(Preview::new(
        pipeline,
        source.kind,
        source.location.to_string(),
        None,
        &items,
    ))
}

/// What `sources add` decided a URL is.
#[derive(Debug)]
pub struct Discovered {
    /// The preview of its items now.
    pub preview: Preview,
    /// The URL to poll (the feed a page links, the platform's request, else the URL given).
    pub url: Url,
    /// The named platform it is, when it is one.
    pub platform: Option<PlatformSource>,
}

/// Fetch `url` once (and the feed it links, if it is a page that links one) and decide
/// what kind of source it is; an error says what was found and why it cannot be read.
pub async fn discover(pipeline: &Pipeline, url: Url) -> Result<Discovered, String> {
    if let Some(platform) = discover::platform_for(&url) {
        if !discover::needs_confirmation(&platform) || is_mastodon(pipeline, &url).await {
            // Named platform kinds are read by their own code; preview them through it.
            let platform = platform_source(platform, &url);
            let request = platform.request_url();
            let mut source = new_source("preview", platform_kind(&platform.platform), &request);
            source.platform = Some(platform.clone());
            let preview = dry_run(pipeline, &source).await?;
            return Ok(Discovered {
                preview,
                url: request,
                platform: Some(platform),
            });
        }
    }
    let (bytes, content_type, final_url) = fetch_body(pipeline, &url).await?;
    match discover::classify(&bytes, content_type.as_deref(), &final_url) {
        Found::Feed { title, items } => Ok(Discovered {
            preview: Preview::new(pipeline, SourceKind::Feed, url.to_string(), title, &items),
            url,
            platform: None,
        }),
        Found::FeedLink { page_title, feed } => {
            let (bytes, content_type, final_url) = fetch_body(pipeline, &feed).await?;
            match discover::classify(&bytes, content_type.as_deref(), &final_url) {
                Found::Feed { title, items } => Ok(Discovered {
                    preview: Preview::new(
                        pipeline,
                        SourceKind::Feed,
                        feed.to_string(),
                        title.or(page_title),
                        &items,
                    ),
                    url: feed,
                    platform: None,
                }),
                Found::Nothing(why) => Err(format!("the page links the feed {feed}, but {why}")),
                _ => Err(format!(
                    "the page links {feed} as its feed, but that is not a feed"
                )),
            }
        }
        Found::Reviews { title, items } => Ok(Discovered {
            preview: Preview::new(pipeline, SourceKind::Page, url.to_string(), title, &items),
            url,
            platform: None,
        }),
        Found::Nothing(why) => Err(format!("found nothing Earshot can read at {url}: {why}")),
    }
}

/// Whether the server at `url` is a Mastodon instance (it describes itself at
/// `/api/v1/instance`).
async fn is_mastodon(pipeline: &Pipeline, url: &Url) -> bool {
    let Ok(probe) = url.join("/api/v1/instance") else {
        return false;
    };
    match fetch_body(pipeline, &probe).await {
        Ok((bytes, _, _)) => discover::is_mastodon_answer(&bytes),
        Err(_) => false,
    }
}

/// The platform at its usual address; a Mastodon server reached some other way (plain
/// http, a port) keeps the address it was given as `api_base`.
fn platform_source(platform: Platform, url: &Url) -> PlatformSource {
    let default = platform.default_api_base();
    let api_base = match &platform {
        Platform::Mastodon(_) => url.join("/").unwrap_or(default),
        _ => default,
    };
    PlatformSource { platform, api_base }
}

/// The config kind of a platform.
fn platform_kind(platform: &Platform) -> SourceKind {
    match platform {
        Platform::Reddit { .. } => SourceKind::Reddit,
        Platform::HackerNews { .. } => SourceKind::HackerNews,
        Platform::Mastodon(_) => SourceKind::Mastodon,
        Platform::Bluesky(_) => SourceKind::Bluesky,
        Platform::GoogleAlerts { .. } => SourceKind::GoogleAlerts,
        Platform::Trustpilot { .. } => SourceKind::Trustpilot,
        Platform::GooglePlaces { .. } => SourceKind::GooglePlaces,
    }
}

/// The keys a person would write for a platform source (`query`, `instance` + `tag`…),
/// and `api_base` only when it is not the platform's usual address.
fn platform_keys(table: &mut toml_edit::Table, source: &PlatformSource) {
    match &source.platform {
        Platform::Reddit { query, subreddit } => {
            table.insert("query", toml_edit::value(query.as_str()));
            if let Some(sub) = subreddit {
                table.insert("subreddit", toml_edit::value(sub.as_str()));
            }
        }
        Platform::HackerNews { query } => {
            table.insert("query", toml_edit::value(query.as_str()));
        }
        Platform::Mastodon(mastodon::Timeline::Tag { instance, tag }) => {
            table.insert("instance", toml_edit::value(instance.as_str()));
            table.insert("tag", toml_edit::value(tag.as_str()));
        }
        Platform::Mastodon(mastodon::Timeline::Account { instance, account }) => {
            table.insert("instance", toml_edit::value(instance.as_str()));
            table.insert("account", toml_edit::value(account.as_str()));
        }
        Platform::Bluesky(bluesky::Feed::Search { query }) => {
            table.insert("query", toml_edit::value(query.as_str()));
        }
        Platform::Bluesky(bluesky::Feed::Author { handle }) => {
            table.insert("handle", toml_edit::value(handle.as_str()));
        }
        Platform::GoogleAlerts { feed } => {
            table.insert("url", toml_edit::value(feed.as_str()));
        }
        Platform::Trustpilot { page } => {
            table.insert("url", toml_edit::value(page.as_str()));
        }
        Platform::GooglePlaces { place_id } => {
            table.insert("place_id", toml_edit::value(place_id.as_str()));
        }
    }
    if source.api_base != source.platform.default_api_base() {
        table.insert("api_base", toml_edit::value(source.api_base.as_str()));
    }
}

async fn fetch_body(
    pipeline: &Pipeline,
    url: &Url,
) -> Result<(Vec<u8>, Option<String>, Url), String> {
    let location = Location::Http(url.clone());
    match pipeline
        .fetcher
        .fetch(&location, &Validators::default())
        .await
    {
        Ok(Fetched::Body {
            bytes,
            content_type,
            final_url,
            ..
        }) => {
            let final_url = final_url
                .and_then(|u| Url::parse(&u).ok())
                .unwrap_or_else(|| url.clone());
            Ok((bytes, content_type, final_url))
        }
        Ok(Fetched::NotModified { .. }) => Err(format!(
            "{url} answered 304 Not Modified to a plain request"
        )),
        Err(e) => Err(format!("cannot fetch {url}: {e}")),
    }
}

/// A source as a preview reads it (the config's defaults; never stored).
fn new_source(name: &str, kind: SourceKind, url: &Url) -> Source {
    Source {
        name: name.to_owned(),
        kind,
        location: Location::Http(url.clone()),
        interval: std::time::Duration::from_secs(3600),
        require_mention: false,
        selectors: None,
        max_pages: 1,
        platform: None,
        location_name: None,
    }
}

/// A URL typed by a person, as an `http(s)` address.
pub fn parse_url(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim()).with_context(|| {
        format!("\"{text}\" is not a web address; give the whole address, starting with https://")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("\"{text}\" is not a web address (http or https); for a local file write the [[source]] block by hand");
    }
    Ok(url)
}

/// The configured source already reading `url`, if any.
pub fn duplicate_of<'a>(config: &'a Config, url: &Url) -> Option<&'a Source> {
    let same = |a: &Url| a.as_str().trim_end_matches('/') == url.as_str().trim_end_matches('/');
    config
        .sources
        .iter()
        .find(|s| matches!(&s.location, Location::Http(u) if same(u)))
}

/// A name for a new source: the one asked for, or made from the first words of the title
/// (else the host), made unique among the configured sources with `-2`, `-3`….
pub fn source_name(
    config: &Config,
    asked: Option<&str>,
    title: Option<&str>,
    url: &Url,
) -> Result<String> {
    let taken = |name: &str| config.sources.iter().any(|s| s.name == name);
    if let Some(asked) = asked.map(str::trim) {
        if asked.is_empty() {
            bail!("--name is empty; give the source a short name, e.g. --name town-forum");
        }
        if taken(asked) {
            bail!("a source named \"{asked}\" already exists; choose another --name");
        }
        return Ok(asked.to_owned());
    }
    let from_title = title
        .map(|t| within(&slug(t), NAME_CHARS))
        .filter(|s| !s.is_empty());
    let host = url.host_str().unwrap_or("source");
    let base =
        from_title.unwrap_or_else(|| within(&slug(host.trim_start_matches("www.")), NAME_CHARS));
    let base = if base.is_empty() {
        "source".to_owned()
    } else {
        base
    };
    let mut name = base.clone();
    let mut n = 1;
    while taken(&name) {
        n += 1;
        name = format!("{base}-{n}");
    }
    Ok(name)
}

/// The leading `-`-separated words of `slug` that fit in `chars` (the first word cut
/// when it alone is longer).
fn within(slug: &str, chars: usize) -> String {
    let mut out = String::new();
    for word in slug.split('-') {
        let sep = usize::from(!out.is_empty());
        if out.chars().count() + sep + word.chars().count() > chars {
            break;
        }
        if sep == 1 {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = slug.chars().take(chars).collect();
    }
    out
}

/// Lowercase words joined by `-`: "Harbor Street Reviews!" → "harbor-street-reviews".
fn slug(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The config text with one `[[source]]` block appended: every byte before it is kept
/// as it was. The block is built by `toml_edit`, so any name or URL is quoted right.
pub fn append_source(
    text: &str,
    name: &str,
    kind: SourceKind,
    url: &Url,
    platform: Option<&PlatformSource>,
    title: Option<&str>,
    today: &str,
) -> String {
    let mut table = toml_edit::Table::new();
    table.insert("name", toml_edit::value(name));
    table.insert("kind", toml_edit::value(kind.name()));
    match platform {
        Some(platform) => platform_keys(&mut table, platform),
        None => {
            table.insert("url", toml_edit::value(url.as_str()));
        }
    }
    let mut comment = format!("\n# Added by `earshot sources add` on {today}");
    if let Some(title) = title {
        let _ = write!(comment, ": {}", shorten(title, 60));
    }
    comment.push('\n');
    table.decor_mut().set_prefix(comment);
    let mut sources = toml_edit::ArrayOfTables::new();
    sources.push(table);
    let mut block = toml_edit::DocumentMut::new();
    block.insert("source", toml_edit::Item::ArrayOfTables(sources));
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&block.to_string());
    out
}

/// What an add did.
#[derive(Debug)]
pub struct Added {
    /// The source's name in the config.
    pub name: String,
    /// What it found.
    pub preview: Preview,
}

/// `sources add`: refuse a duplicate, discover, append the block, check the whole new
/// config validates, then write it (atomically: a crash leaves the old file).
pub async fn add(
    config_path: &Path,
    pipeline: &Pipeline,
    url: &str,
    name: Option<&str>,
) -> Result<Added> {
    let config = &pipeline.config;
    let url = parse_url(url)?;
    if let Some(existing) = duplicate_of(config, &url) {
        bail!(
            "{url} is already the source \"{}\"; nothing added",
            existing.name
        );
    }
    // A name asked for is checked before fetching, so a clash costs no request.
    if let Some(asked) = name {
        source_name(config, Some(asked), None, &url)?;
    }
    let found = discover(pipeline, url).await.map_err(anyhow::Error::msg)?;
    if let Some(existing) = duplicate_of(config, &found.url) {
        bail!(
            "the feed it links, {}, is already the source \"{}\"; nothing added",
            found.url,
            existing.name
        );
    }
    let name = source_name(config, name, found.preview.title.as_deref(), &found.url)?;
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("cannot read {}", config_path.display()))?;
    let today = crate::clock::now().format("%Y-%m-%d").to_string();
    let updated = append_source(
        &text,
        &name,
        found.preview.kind,
        &found.url,
        found.platform.as_ref(),
        found.preview.title.as_deref(),
        &today,
    );
    Config::parse(&updated, config_path)
        .with_context(|| "the config would not be valid with this source; nothing written")?;
    write_atomically(config_path, &updated)?;
    Ok(Added {
        name,
        preview: found.preview,
    })
}

fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("toml.earshot-new");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A platform found from its address is written as a person would write it, and the
    /// whole file still loads.
    #[test]
    fn a_platform_block_has_the_platform_keys_and_loads() {
        let text = "[business]\nname = \"Harbor Street Bakery\"\n";
        let cases = [
            (
                "https://www.reddit.com/r/Portland/search/?q=harbor+street+bakery",
                "query = \"harbor street bakery\"\nsubreddit = \"Portland\"\n",
            ),
            (
                "https://hn.algolia.com/?query=harbor%20bakery&type=all",
                "query = \"harbor bakery\"\n",
            ),
            (
                "https://mastodon.social/tags/harborbakery",
                "instance = \"mastodon.social\"\ntag = \"harborbakery\"\n",
            ),
            (
                "http://127.0.0.1:8099/@harborbakery",
                "instance = \"127.0.0.1:8099\"\naccount = \"harborbakery\"\napi_base = \"http://127.0.0.1:8099/\"\n",
            ),
            (
                "https://www.google.com/alerts/feeds/0123/4567",
                "url = \"https://www.google.com/alerts/feeds/0123/4567\"\n",
            ),
            (
                "https://uk.trustpilot.com/review/harborbakery.example?page=2&stars=1",
                "url = \"https://uk.trustpilot.com/review/harborbakery.example\"\n",
            ),
            (
                "https://www.google.com/maps/place/?q=place_id:ChIJN1t_tDeuEmsRUsoyG83frY4",
                "place_id = \"ChIJN1t_tDeuEmsRUsoyG83frY4\"\n",
            ),
        ];
        for (given, keys) in cases {
            let url = Url::parse(given).unwrap();
            let platform = discover::platform_for(&url).unwrap_or_else(|| panic!("{given}"));
            let kind = platform_kind(&platform);
            let source = platform_source(platform, &url);
            let out = append_source(
                text,
                "x",
                kind,
                &source.request_url(),
                Some(&source),
                None,
                "2026-11-30",
            );
            assert!(out.contains(keys), "{given}: {out}");
            let config = Config::parse(&out, Path::new("earshot.toml"))
                .unwrap_or_else(|e| panic!("{given}: {e}\n{out}"));
            assert_eq!(
                config.sources[0].platform.as_ref(),
                Some(&source),
                "{given}"
            );
        }
    }

    #[test]
    fn addresses_that_are_not_a_platform_are_read_by_their_content() {
        for url in [
            "https://www.reddit.com/r/Portland/",
            "https://shop.example/reviews",
            "https://blog.example/tags/bread/page/2",
            "https://medium.com/@writer.name",
            "https://www.google.com/maps/place/x",
            "https://www.trustpilot.com/categories/bakery",
        ] {
            assert_eq!(
                discover::platform_for(&Url::parse(url).unwrap()),
                None,
                "{url}"
            );
        }
    }

    #[test]
    fn appended_block_keeps_every_byte_before_it() {
        let text = "# My config\n[business]\nname = \"X\" # inline\n\n[[source]]\nname = \"a\"\nkind = \"feed\"\nurl = \"file:a.xml\"\n\n[alerts]\nto = []";
        let url = Url::parse("https://shop.example/feed?q=\"x\"").unwrap();
        let out = append_source(
            text,
            "shop",
            SourceKind::Feed,
            &url,
            None,
            Some("Shop \"reviews\""),
            "2026-11-30",
        );
        assert!(out.starts_with(text), "{out}");
        let added = &out[text.len()..];
        assert!(
            added.contains(
                "# Added by `earshot sources add` on 2026-11-30: Shop \"reviews\"\n[[source]]\n"
            ),
            "{added}"
        );
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        let sources = parsed["source"].as_array().unwrap();
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[1]["url"].as_str(), Some(url.as_str()));
        assert_eq!(sources[1]["kind"].as_str(), Some("feed"));
    }

    #[test]
    fn slugs_from_titles_and_hosts() {
        assert_eq!(slug("Harbor Street Reviews!"), "harbor-street-reviews");
        assert_eq!(slug("www.shop.example"), "www-shop-example");
        let long = slug("Harbor Street Bakery, Port Alder · TableTalk");
        assert_eq!(within(&long, 32), "harbor-street-bakery-port-alder");
        assert_eq!(within("supercalifragilistic", 5), "super");
    }

    #[test]
    fn shortened_on_a_character_boundary() {
        assert_eq!(shorten("Café   crème", 20), "Café crème");
        assert_eq!(shorten("ééééé", 3), "éé…");
    }
}
