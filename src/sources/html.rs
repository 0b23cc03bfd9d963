//! Parsing HTML with a bound on how deeply elements nest.
//!
//! html5ever has no nesting limit of its own, and both its tree building (scope checks
//! walk the stack of open elements) and selector matching (descendant combinators walk
//! the ancestors) cost time in proportion to depth for every element: a page of 100,000
//! nested `div`s took 87 s of CPU. Real pages nest a few dozen levels, so the parse is
//! fed in chunks and stops as soon as an element lies deeper than [`MAX_DEPTH`].

use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;

use html5ever::driver::{self, ParseOpts, Parser};
use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::TokenizerResult;
use html5ever::{local_name, ns, Attribute, QualName};
use scraper::{Html, HtmlTreeSink};

/// Deepest element nesting read; real review pages nest a few dozen levels.
pub const MAX_DEPTH: usize = 512;

/// Input fed to the parser between depth checks: small enough that the work done past
/// the limit stays small, large enough that the checks cost nothing.
const CHUNK_BYTES: usize = 4 * 1024;

/// The document nests elements deeper than [`MAX_DEPTH`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "its HTML nests elements more than {limit} levels deep (found within the first \
     {read_bytes} of its {total_bytes} bytes), which no real page does; Earshot refused \
     to read it, as parsing it would take minutes"
)]
pub struct TooDeep {
    /// The limit, [`MAX_DEPTH`].
    pub limit: usize,
    /// Bytes parsed when the limit was crossed.
    pub read_bytes: usize,
    /// The document's size.
    pub total_bytes: usize,
}

/// A whole page, or [`TooDeep`] as soon as its nesting crosses [`MAX_DEPTH`].
pub fn parse_document(html: &str) -> Result<Html, TooDeep> {
    let parser = driver::parse_document(DepthSink::new(Html::new_document()), ParseOpts::default());
    match feed(parser, html) {
        (doc, None) => Ok(doc),
        (_, Some(too_deep)) => Err(too_deep),
    }
}

/// A fragment (a feed entry's content, a review body), or [`TooDeep`] as soon as its
/// nesting crosses [`MAX_DEPTH`] (read such a fragment with [`flat_text`]).
pub fn parse_fragment(html: &str) -> Result<Html, TooDeep> {
    let parser = driver::parse_fragment(
        DepthSink::new(Html::new_fragment()),
        ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("body")),
        Vec::new(),
        false,
    );
    match feed(parser, html) {
        (doc, None) => Ok(doc),
        (_, Some(too_deep)) => Err(too_deep),
    }
}

/// The text of `html` with its tags dropped (script and style contents too), a line
/// break at each block tag, by the tokenizer alone: no tree, so time grows with the
/// length only. The fallback for a fragment nested too deep to build a tree from.
pub fn flat_text(html: &str) -> String {
    let tokenizer = Tokenizer::new(FlatText::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    while let TokenizerResult::Script(()) = tokenizer.feed(&input) {}
    tokenizer.end();
    tokenizer.sink.out.into_inner()
}

/// Tags that break a line in [`flat_text`].
const FLAT_BREAKS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
];

#[derive(Default)]
struct FlatText {
    out: RefCell<String>,
    /// Inside `<script>` or `<style>`, whose text is not readable.
    skipping: Cell<bool>,
}

impl TokenSink for FlatText {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::CharacterTokens(text) if !self.skipping.get() => {
                self.out.borrow_mut().push_str(&text);
            }
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                if FLAT_BREAKS.contains(&name) {
                    self.out.borrow_mut().push('\n');
                }
                let raw = matches!(name, "script" | "style");
                match tag.kind {
                    TagKind::StartTag if raw && !tag.self_closing => {
                        self.skipping.set(true);
                        return TokenSinkResult::RawData(if name == "script" {
                            RawKind::ScriptData
                        } else {
                            RawKind::Rawtext
                        });
                    }
                    TagKind::EndTag if raw => self.skipping.set(false),
                    _ => {}
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Feeds `html` in chunks, stopping once too deep.
fn feed(mut parser: Parser<DepthSink>, html: &str) -> (Html, Option<TooDeep>) {
    let mut rest = html;
    let mut too_deep = None;
    while !rest.is_empty() {
        let cut = rest.floor_char_boundary(CHUNK_BYTES.min(rest.len()));
        // A chunk never ends inside a character; one longer than a chunk cannot exist.
        let cut = if cut == 0 { rest.len() } else { cut };
        let (chunk, tail) = rest.split_at(cut);
        parser.process(StrTendril::from_slice(chunk));
        rest = tail;
        if parser.tokenizer.sink.sink.deepest.get() > MAX_DEPTH {
            too_deep = Some(TooDeep {
                limit: MAX_DEPTH,
                read_bytes: html.len() - rest.len(),
                total_bytes: html.len(),
            });
            break;
        }
    }
    (parser.finish(), too_deep)
}

type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// scraper's tree sink, noting how deep each node is placed.
struct DepthSink {
    inner: HtmlTreeSink,
    depth: RefCell<HashMap<Handle, usize>>,
    deepest: Cell<usize>,
}

impl DepthSink {
    fn new(html: Html) -> DepthSink {
        DepthSink {
            inner: HtmlTreeSink::new(html),
            depth: RefCell::default(),
            deepest: Cell::new(0),
        }
    }

    /// Depth of `node`; the document (and anything not placed yet) is 0.
    fn depth_of(&self, node: &Handle) -> usize {
        self.depth.borrow().get(node).copied().unwrap_or(0)
    }

    fn place(&self, child: &NodeOrText<Handle>, depth: usize) {
        if let NodeOrText::AppendNode(node) = child {
            self.depth.borrow_mut().insert(*node, depth);
            self.deepest.set(self.deepest.get().max(depth));
        }
    }
}

impl TreeSink for DepthSink {
    type Handle = Handle;
    type Output = Html;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> Handle {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> Ref<'a, QualName> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> Handle {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Handle {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        self.place(&child, self.depth_of(parent) + 1);
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        // Placed beside `element` or inside `prev_element`: count the deeper of the two.
        let depth = self.depth_of(element).max(self.depth_of(prev_element) + 1);
        self.place(&child, depth);
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn mark_script_already_started(&self, node: &Handle) {
        self.inner.mark_script_already_started(node);
    }

    fn pop(&self, node: &Handle) {
        self.inner.pop(node);
    }

    fn get_template_contents(&self, target: &Handle) -> Handle {
        let contents = self.inner.get_template_contents(target);
        // Templates nest too: their contents sit below the template, not at the top.
        let depth = self.depth_of(target) + 1;
        self.depth.borrow_mut().entry(contents).or_insert(depth);
        contents
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        self.place(&new_node, self.depth_of(sibling));
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn associate_with_form(
        &self,
        target: &Handle,
        form: &Handle,
        nodes: (&Handle, Option<&Handle>),
    ) {
        self.inner.associate_with_form(target, form, nodes);
    }

    fn remove_from_parent(&self, target: &Handle) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        // The moved children keep their recorded depth: an estimate, as the adoption
        // agency moves few nodes a bounded number of times.
        self.inner.reparent_children(node, new_parent);
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        self.inner
            .is_mathml_annotation_xml_integration_point(handle)
    }

    fn set_current_line(&self, line_number: u64) {
        self.inner.set_current_line(line_number);
    }

    fn allow_declarative_shadow_roots(&self, intended_parent: &Handle) -> bool {
        self.inner.allow_declarative_shadow_roots(intended_parent)
    }

    fn attach_declarative_shadow(
        &self,
        location: &Handle,
        template: &Handle,
        attrs: &[Attribute],
    ) -> bool {
        self.inner
            .attach_declarative_shadow(location, template, attrs)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn nested(depth: usize) -> String {
        format!(
            "<html><body>{}deep{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )
    }

    fn deepest(doc: &Html) -> usize {
        doc.root_element()
            .descendent_elements()
            .map(|e| e.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn ordinary_nesting_parses_like_scraper() {
        let html = nested(100);
        let doc = parse_document(&html).expect("100 levels is fine");
        assert_eq!(deepest(&doc), deepest(&Html::parse_document(&html)));
        assert_eq!(doc.root_element().text().collect::<String>(), "deep");
    }

    #[test]
    fn deep_html_is_refused_fast() {
        let html = nested(100_000);
        let started = Instant::now();
        let err = parse_document(&html).expect_err("too deep");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(err.limit, MAX_DEPTH);
        assert_eq!(err.total_bytes, html.len());
        assert!(err.read_bytes <= 2 * CHUNK_BYTES, "{err:?}");
        assert!(
            err.to_string().contains("more than 512 levels deep"),
            "{err}"
        );
    }

    #[test]
    fn deep_templates_and_unclosed_tags_count_too() {
        let templates = format!("<body>{}", "<template><div>".repeat(2_000));
        assert!(parse_document(&templates).is_err());
        let unclosed = format!("<body>{}", "<span>".repeat(2_000));
        assert!(parse_document(&unclosed).is_err());
        let paragraphs = format!("<body>{}", "<p>unclosed".repeat(5_000));
        assert!(
            parse_document(&paragraphs).is_ok(),
            "each <p> closes the last"
        );
    }

    #[test]
    fn a_deep_fragment_is_refused_and_read_flat() {
        let html = format!("<p>kept</p>{}end", "<i>".repeat(100_000));
        let started = Instant::now();
        assert!(parse_fragment(&html).is_err());
        assert_eq!(flat_text(&html), "\nkept\nend");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let scripted = "<div>a<script>if (1 < 2) { x = '<p>'; }</script>b<style>p{}</style>c</div>";
        assert_eq!(flat_text(scripted), "\nabc\n");
    }
}
