//! A message body written once and rendered twice, as plain text and as HTML, so the
//! parts never disagree and escaping happens in one place; and the small text helpers
//! that keep internet content out of headers.

use super::compose::Email;

/// One line, no control characters (CR/LF cannot inject headers), at most 120 chars.
pub fn header_safe(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    clip(&flat.split_whitespace().collect::<Vec<_>>().join(" "), 120)
}

pub(crate) fn clip(text: &str, width: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= width {
        return flat;
    }
    let mut cut: String = flat.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message body written once and rendered as text and as HTML.
#[derive(Default)]
pub(super) struct Doc {
    text: String,
    html: String,
}

impl Doc {
    pub(super) fn title(&mut self, title: &str) {
        self.text.push_str(&format!("{title}\n\n"));
        self.html
            .push_str(&format!("<h2>{}</h2>\n", escape_html(title)));
    }

    /// A blank line in the text part (the HTML part spaces its blocks itself).
    pub(super) fn gap(&mut self) {
        self.text.push('\n');
    }

    pub(super) fn section(&mut self, heading: &str) {
        self.text.push_str(&format!(
            "\n{heading}\n{}\n",
            "-".repeat(heading.chars().count())
        ));
        self.html
            .push_str(&format!("<h3>{}</h3>\n", escape_html(heading)));
    }

    pub(super) fn para(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html
            .push_str(&format!("<p>{}</p>\n", escape_html(text)));
    }

    pub(super) fn field(&mut self, label: &str, value: &str) {
        self.text.push_str(&format!("{label}: {value}\n"));
        self.html.push_str(&format!(
            "<div><b>{}:</b> {}</div>\n",
            escape_html(label),
            escape_html(value)
        ));
    }

    /// A link; only http(s) URLs become clickable in HTML.
    pub(super) fn link(&mut self, label: &str, url: &str) {
        self.text.push_str(&format!("{label}: {url}\n"));
        let lower = url.trim().to_ascii_lowercase();
        let value = if lower.starts_with("https://") || lower.starts_with("http://") {
            format!("<a href=\"{0}\">{0}</a>", escape_html(url.trim()))
        } else {
            escape_html(url)
        };
        self.html.push_str(&format!(
            "<div><b>{}:</b> {value}</div>\n",
            escape_html(label)
        ));
    }

    pub(super) fn quote(&mut self, text: &str) {
        for line in text.lines() {
            self.text.push_str(&format!("> {line}\n"));
        }
        self.text.push('\n');
        let lines: Vec<String> = text.lines().map(escape_html).collect();
        self.html.push_str(&format!(
            "<blockquote style=\"border-left:3px solid #c33;margin:1em 0;padding-left:1em\">{}</blockquote>\n",
            lines.join("<br>\n")
        ));
    }

    pub(super) fn preformatted(&mut self, text: &str) {
        self.text.push_str(text.trim_end());
        self.text.push('\n');
        self.html
            .push_str(&format!("<pre>{}</pre>\n", escape_html(text.trim_end())));
    }

    pub(super) fn items(&mut self, items: &[String]) {
        if items.is_empty() {
            self.para("(none)");
            return;
        }
        self.html.push_str("<ul>\n");
        for item in items {
            self.text.push_str(&format!("- {item}\n"));
            self.html
                .push_str(&format!("<li>{}</li>\n", escape_html(item)));
        }
        self.html.push_str("</ul>\n");
    }

    pub(super) fn commands(&mut self, commands: &[(String, &str)]) {
        self.html.push_str("<table>\n");
        for (command, what) in commands {
            self.text.push_str(&format!("  {command}\n      {what}\n"));
            self.html.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td></tr>\n",
                escape_html(command),
                escape_html(what)
            ));
        }
        self.html.push_str("</table>\n");
    }

    pub(super) fn finish(self, subject: String) -> Email {
        Email {
            subject: header_safe(&subject),
            text: self.text,
            html: format!(
                "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n{}</body></html>\n",
                self.html
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_safe_flattens_line_breaks() {
        assert_eq!(
            header_safe("Eve\r\nBcc: victim@example.com"),
            "Eve Bcc: victim@example.com"
        );
        assert!(!header_safe("a\u{0}\u{85}b").chars().any(char::is_control));
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn only_web_links_are_clickable() {
        let mut doc = Doc::default();
        doc.link("Link", "javascript:alert(1)");
        doc.link("Link", "https://example.com/?a=1&b=\"2\"");
        assert!(!doc.html.contains("href=\"javascript"));
        assert!(doc
            .html
            .contains("href=\"https://example.com/?a=1&amp;b=&quot;2&quot;\""));
    }
}
