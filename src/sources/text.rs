//! HTML to readable plain text, for feed entry content and review bodies.
//!
//! Sentiment scoring, relevance checks, alerts and the mention log all work on
//! plain text, so every source turns its HTML into text here, by one set of
//! rules: entities decoded, tags dropped, scripts and styles dropped, block
//! elements on their own lines, paragraphs separated by one blank line, list
//! items prefixed with "- ". The tree comes from `scraper` (html5ever), so
//! broken markup is handled the way a browser would handle it.

use scraper::{ElementRef, Node};

/// Elements whose content is never readable text.
const SKIPPED: &[&str] = &[
    "script", "style", "head", "title", "template", "noscript", "iframe", "object", "embed", "svg",
    "math", "canvas", "button", "select", "textarea", "audio", "video",
];

/// Elements separated from their neighbours by one blank line.
const PARAGRAPHS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "table",
    "figure",
    "hr",
    "pre",
];

/// Elements that start and end on their own line.
const LINES: &[&str] = &[
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
    "address",
    "tr",
    "dt",
    "dd",
    "form",
    "fieldset",
    "legend",
    "figcaption",
    "details",
    "summary",
    "caption",
    "center",
    "thead",
    "tbody",
    "tfoot",
    "option",
];

/// An `<img alt>` this short (in characters) is kept: it is usually an emoji
/// drawn as an image, which matters to sentiment; longer alts are captions.
const MAX_IMG_ALT_CHARS: usize = 4;

/// Readable plain text from an HTML fragment.
///
/// Input without any tag is treated as plain text: its line breaks are kept
/// and only its whitespace is tidied (entities are still decoded). Escaped
/// markup such as `&lt;p&gt;` stays literal text (`<p>`). Markup nested deeper than
/// [`super::html::MAX_DEPTH`] is read flat: tags dropped, no paragraph layout.
pub fn html_to_text(html: &str) -> String {
    let source = unwrap_cdata(html);
    let Ok(doc) = super::html::parse_fragment(&source) else {
        return tidy_whitespace(&super::html::flat_text(&source));
    };
    let root = doc.root_element();
    if root.child_elements().next().is_none() {
        return tidy_whitespace(&root.text().collect::<String>());
    }
    let mut writer = TextWriter::default();
    walk(root, &mut writer);
    tidy_whitespace(&writer.out)
}

/// Readable plain text of an element of an already parsed page, by the same
/// rules as [`html_to_text`]. The element itself is read even when it is one
/// whose content is normally dropped, and gets no list marker of its own.
pub fn element_text(el: ElementRef<'_>) -> String {
    let mut writer = TextWriter::default();
    walk(el, &mut writer);
    tidy_whitespace(&writer.out)
}

/// Tidies plain text: spaces and tabs inside a line folded to one, lines
/// trimmed, at most one blank line in a row, none at the start or end.
/// Zero-width and soft-hyphen characters are removed; `\r\n` becomes `\n`.
pub fn tidy_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = false;
    for line in s.split('\n') {
        let folded = fold_line(line);
        if folded.is_empty() {
            blank_run = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run { "\n\n" } else { "\n" });
        }
        out.push_str(&folded);
        blank_run = false;
    }
    out
}

/// One line with whitespace runs folded to a single space and both ends trimmed.
fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut space = false;
    for c in line.chars().filter(|c| !is_invisible(*c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Characters that take no room and only get in the way of matching words.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{FEFF}' | '\u{00AD}' | '\u{2060}')
}

/// Removes `<![CDATA[` … `]]>` markers, keeping what they wrap: in feeds they
/// wrap markup meant to be read as HTML, which an HTML parser would otherwise
/// turn into a comment and drop.
fn unwrap_cdata(s: &str) -> std::borrow::Cow<'_, str> {
    const OPEN: &str = "<![CDATA[";
    const CLOSE: &str = "]]>";
    if !s.contains(OPEN) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let inner = &rest[start + OPEN.len()..];
        match inner.find(CLOSE) {
            Some(end) => {
                out.push_str(&inner[..end]);
                rest = &inner[end + CLOSE.len()..];
            }
            None => {
                out.push_str(inner);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// How an element affects the layout of the text around it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Inline,
    Line,
    Paragraph,
    Pre,
    ListItem,
    Cell,
}

/// One step of the depth-first walk (an explicit stack, so deeply nested
/// markup cannot overflow the call stack).
enum Step<'a> {
    Open(ElementRef<'a>),
    Text(&'a str),
    Close(Layout),
}

/// Walks `root` depth-first, writing its text into `writer`.
fn walk(root: ElementRef<'_>, writer: &mut TextWriter) {
    let mut stack = vec![Step::Open(root)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Text(text) => writer.text(text),
            Step::Close(layout) => writer.close(layout),
            Step::Open(el) => {
                let is_root = el.id() == root.id();
                if !is_root && SKIPPED.contains(&el.value().name()) {
                    continue;
                }
                let mut layout = open_element(el, writer);
                if is_root && layout == Layout::ListItem {
                    writer.pending_prefix = false;
                    layout = Layout::Inline;
                }
                stack.push(Step::Close(layout));
                for child in el.children().rev() {
                    match child.value() {
                        Node::Text(t) => stack.push(Step::Text(t)),
                        Node::Element(_) => stack.extend(ElementRef::wrap(child).map(Step::Open)),
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Applies what opening `el` does to the text and returns its layout.
fn open_element(el: ElementRef<'_>, writer: &mut TextWriter) -> Layout {
    let name = el.value().name();
    match name {
        "br" => writer.line_break(),
        "img" => {
            let alt = el.value().attr("alt").unwrap_or("").trim();
            if !alt.is_empty() && alt.chars().count() <= MAX_IMG_ALT_CHARS {
                writer.text(alt);
            }
        }
        _ => {}
    }
    let layout = if is_nested_list(el) {
        Layout::Line
    } else {
        layout_of(name)
    };
    writer.open(layout);
    layout
}

/// A list inside a list item: its items follow on the next line, not after a blank one.
fn is_nested_list(el: ElementRef<'_>) -> bool {
    matches!(el.value().name(), "ul" | "ol")
        && el
            .ancestors()
            .any(|a| a.value().as_element().is_some_and(|e| e.name() == "li"))
}

/// The layout of an element by its (lower-case) tag name.
fn layout_of(name: &str) -> Layout {
    match name {
        "li" => Layout::ListItem,
        "pre" => Layout::Pre,
        "td" | "th" => Layout::Cell,
        _ if PARAGRAPHS.contains(&name) => Layout::Paragraph,
        _ if LINES.contains(&name) => Layout::Line,
        _ => Layout::Inline,
    }
}

/// Accumulates text, deferring spaces and line breaks until the next visible
/// character, so the output never starts or ends with either.
#[derive(Default)]
struct TextWriter {
    out: String,
    /// Newlines owed before the next character (0, 1 or 2).
    pending_breaks: u8,
    /// A space owed before the next character on the same line.
    pending_space: bool,
    /// A list-item marker owed at the start of the next line of text.
    pending_prefix: bool,
    /// How many `<pre>` elements enclose the current position.
    pre_depth: usize,
}

impl TextWriter {
    fn open(&mut self, layout: Layout) {
        match layout {
            Layout::Inline | Layout::Cell => {}
            Layout::Line => self.request_breaks(1),
            Layout::Paragraph => self.request_breaks(2),
            Layout::Pre => {
                self.request_breaks(2);
                self.pre_depth += 1;
            }
            Layout::ListItem => {
                self.request_breaks(1);
                self.pending_prefix = true;
            }
        }
    }

    fn close(&mut self, layout: Layout) {
        match layout {
            Layout::Inline => {}
            Layout::Cell => self.pending_space = true,
            Layout::Line => self.request_breaks(1),
            Layout::Paragraph => self.request_breaks(2),
            Layout::Pre => {
                self.request_breaks(2);
                self.pre_depth = self.pre_depth.saturating_sub(1);
            }
            Layout::ListItem => {
                self.request_breaks(1);
                self.pending_prefix = false;
            }
        }
    }

    /// At least `n` newlines before the next text (block boundaries do not add up).
    fn request_breaks(&mut self, n: u8) {
        self.pending_breaks = self.pending_breaks.max(n);
    }

    /// One more newline (`<br>`, or a newline inside `<pre>`): two make a blank line.
    fn line_break(&mut self) {
        self.pending_breaks = (self.pending_breaks + 1).min(2);
    }

    fn text(&mut self, text: &str) {
        for c in text.chars() {
            if c == '\n' && self.pre_depth > 0 {
                self.line_break();
            } else if c.is_whitespace() {
                self.pending_space = true;
            } else {
                self.push_visible(c);
            }
        }
    }

    fn push_visible(&mut self, c: char) {
        if self.out.is_empty() {
            self.pending_breaks = 0;
        }
        if self.pending_breaks > 0 {
            for _ in 0..self.pending_breaks {
                self.out.push('\n');
            }
            self.pending_breaks = 0;
            self.pending_space = false;
        }
        let at_line_start = self.out.is_empty() || self.out.ends_with('\n');
        if self.pending_prefix {
            if !at_line_start {
                self.out.push('\n');
            }
            self.out.push_str("- ");
            self.pending_prefix = false;
            self.pending_space = false;
        } else if self.pending_space && !at_line_start {
            self.out.push(' ');
        }
        self.pending_space = false;
        self.out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_entities() {
        assert_eq!(
            html_to_text("<p>Fish &amp; chips &#8217;n&nbsp;more &lt;3 &eacute;</p>"),
            "Fish & chips \u{2019}n more <3 é"
        );
    }

    #[test]
    fn drops_nested_tags_and_keeps_inline_words_together() {
        assert_eq!(
            html_to_text(
                "<div><span>Great <b>crois<i>sants</i></b></span>, <a href='x'>really</a>!</div>"
            ),
            "Great croissants, really!"
        );
    }

    #[test]
    fn separates_paragraphs_with_one_blank_line() {
        let html = "<p>First   one.</p>\n\n<p>Second\n one.</p><p></p><p>  </p><p>Third.</p>";
        assert_eq!(html_to_text(html), "First one.\n\nSecond one.\n\nThird.");
    }

    #[test]
    fn br_breaks_lines_and_two_make_a_blank_line() {
        assert_eq!(
            html_to_text("one<br>two<br/><br />three"),
            "one\ntwo\n\nthree"
        );
        assert_eq!(html_to_text("a<br><br><br><br>b"), "a\n\nb");
    }

    #[test]
    fn divs_and_headings_break_lines() {
        let html = "<h2>Title</h2><div>line one</div><div>line two</div><p>para</p>";
        assert_eq!(html_to_text(html), "Title\n\nline one\nline two\n\npara");
    }

    #[test]
    fn list_items_get_a_dash() {
        let html =
            "<p>Pros:</p><ul><li>fresh bread</li><li> kind <b>staff</b></li><li></li></ul>after";
        assert_eq!(
            html_to_text(html),
            "Pros:\n\n- fresh bread\n- kind staff\n\nafter"
        );
    }

    #[test]
    fn nested_list_items_each_start_a_line() {
        let html = "<ul><li>outer<ul><li>inner</li></ul></li><li>next</li></ul>";
        assert_eq!(html_to_text(html), "- outer\n- inner\n- next");
    }

    #[test]
    fn script_style_and_comments_are_dropped() {
        let html = "<style>p{color:red}</style><p>Kept<script>alert('x')</script></p><!-- hidden --><noscript>Enable JS</noscript>";
        assert_eq!(html_to_text(html), "Kept");
    }

    #[test]
    fn head_and_title_of_a_whole_document_are_dropped() {
        let html = "<html><head><title>Page</title><style>b{}</style></head><body><p>Body</p></body></html>";
        assert_eq!(html_to_text(html), "Body");
    }

    #[test]
    fn plain_text_keeps_its_lines_and_is_tidied() {
        let text = "  Loved it!\t\tWill   return.\r\n\r\n\r\n\nSecond&nbsp;para &amp; more  \n";
        assert_eq!(
            html_to_text(text),
            "Loved it! Will return.\n\nSecond para & more"
        );
    }

    #[test]
    fn escaped_markup_stays_literal_text() {
        assert_eq!(html_to_text("&lt;p&gt;Hello&lt;/p&gt;"), "<p>Hello</p>");
        assert_eq!(
            html_to_text("<p>&lt;b&gt;not bold&lt;/b&gt;</p>"),
            "<b>not bold</b>"
        );
    }

    #[test]
    fn cdata_wrapper_is_read_as_html() {
        assert_eq!(
            html_to_text("<![CDATA[<p>Hello</p><p>there</p>]]>"),
            "Hello\n\nthere"
        );
    }

    #[test]
    fn empty_and_blank_input_give_empty_text() {
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_to_text("   \n\t "), "");
        assert_eq!(html_to_text("<p> </p><div><br></div>"), "");
    }

    #[test]
    fn table_cells_are_separated() {
        let html =
            "<table><tr><td>Food</td><td>5</td></tr><tr><th>Service</th><td>2</td></tr></table>";
        assert_eq!(html_to_text(html), "Food 5\nService 2");
    }

    #[test]
    fn pre_keeps_its_line_breaks() {
        assert_eq!(html_to_text("<pre>a  b\nc</pre>"), "a b\nc");
    }

    #[test]
    fn emoji_images_keep_their_alt() {
        let html = "Loved it <img class=\"emoji\" alt=\"😍\" src=\"x.png\"><img alt=\"A photo of our table\">";
        assert_eq!(html_to_text(html), "Loved it 😍");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = "<div>".repeat(3_000) + "deep" + &"</div>".repeat(3_000);
        assert_eq!(html_to_text(&html), "deep");
    }

    #[test]
    fn element_text_reads_an_element_of_a_parsed_page() {
        let doc = scraper::Html::parse_document(
            "<ul><li class='r'>\n   Great\n   <b>food</b><br>Slow service\n</li></ul>",
        );
        let sel = scraper::Selector::parse("li.r").expect("valid selector");
        let li = doc.select(&sel).next().expect("li present");
        assert_eq!(element_text(li), "Great food\nSlow service");
    }

    #[test]
    fn tidy_whitespace_is_idempotent() {
        let once = tidy_whitespace("\n\n a \u{200B}b\t c \n\n\n\nd \n");
        assert_eq!(once, "a b c\n\nd");
        assert_eq!(tidy_whitespace(&once), once);
    }
}
