//! Turning a source's bytes into items: feeds ([`feed`]), HTML review pages ([`page`]),
//! HTML-to-text ([`text`]) from a parse bounded in depth ([`html`]), authors as written
//! ([`author`]), which items concern the business ([`relevance`]) and the stable identity
//! of an item across fetches ([`dedupe`]).

pub mod author;
pub mod dedupe;
pub mod discover;
pub mod encoding;
pub mod feed;
pub mod html;
pub mod page;
pub mod platforms;
pub mod relevance;
pub mod text;

/// One item as a source publishes it, before relevance, dedupe and scoring.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawItem {
    /// The source's own id for the item (GUID, Atom id), when it has one.
    pub guid: Option<String>,
    /// Link to the item.
    pub url: Option<String>,
    /// Who wrote it, for display: the author's name or handle, else their email address
    /// when that is all the source gives (so staff still see who wrote it).
    pub author: Option<String>,
    /// The author's email address, lowercased, when the source gives one (links the
    /// item to a customer).
    pub author_email: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Plain text (HTML already turned into text).
    pub text: String,
    /// When it was published.
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Stars on a 1..=5 scale, when the source gives a rating.
    pub rating: Option<f32>,
}
