//! Readable text from HTML: what the rules read. Scripts, styles and other non-content elements
//! are dropped; block elements start new lines; runs of white space collapse to one space.

use scraper::{Html, Node};

/// Elements whose content is never text for a reader.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "iframe", "object", "canvas",
    "select", "button",
];

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
    "title",
    "option",
    "time",
];

/// Readable text of an HTML document (see the module documentation).
/// A page nesting deeper than [`crate::html::MAX_DEPTH`] is read up to there (bounded time).
pub fn html_to_text(html: &str) -> String {
    let parsed = crate::html::parse_document(html);
    if let Some(at) = parsed.stopped_at {
        tracing::warn!(
            at,
            bytes = html.len(),
            "document nests elements too deeply; text read only up to this byte"
        );
    }
    html_to_text_of(&parsed.doc)
}

/// `head > title`, parsed once.
static TITLE: std::sync::LazyLock<Option<scraper::Selector>> =
    std::sync::LazyLock::new(|| scraper::Selector::parse("head > title").ok());

/// Readable text of an already parsed document (a page is parsed once for fields, links and
/// text).
pub fn html_to_text_of(doc: &Html) -> String {
    let mut out = TextBuilder::default();
    // The document <title> is useful context even though <head> is skipped.
    if let Some(sel) = TITLE.as_ref()
        && let Some(title) = doc.select(sel).next()
    {
        out.push_text(&title.text().collect::<String>());
        out.newline();
    }
    // Iterative walk: (node, entering?) pairs.
    let mut stack = vec![(doc.tree.root(), true)];
    while let Some((node, entering)) = stack.pop() {
        match node.value() {
            Node::Text(text) if entering => out.push_text(text),
            Node::Element(el) => {
                let name = el.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                if entering {
                    if block {
                        out.newline();
                    } else if name == "td" || name == "th" {
                        out.space();
                    }
                    stack.push((node, false));
                    let children: Vec<_> = node.children().collect();
                    for child in children.into_iter().rev() {
                        stack.push((child, true));
                    }
                } else if block {
                    out.newline();
                } else if name == "td" || name == "th" {
                    out.space();
                }
            }
            Node::Document | Node::Fragment if entering => {
                let children: Vec<_> = node.children().collect();
                for child in children.into_iter().rev() {
                    stack.push((child, true));
                }
            }
            _ => {}
        }
    }
    out.finish()
}

/// Collapses white space: inline white space to one space, lines trimmed, no blank lines.
#[derive(Default)]
struct TextBuilder {
    lines: Vec<String>,
    current: String,
    pending_space: bool,
}

impl TextBuilder {
    fn push_text(&mut self, text: &str) {
        for ch in text.chars() {
            if ch.is_whitespace() {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.current.is_empty() {
                    self.current.push(' ');
                }
                self.pending_space = false;
                self.current.push(ch);
            }
        }
    }

    fn space(&mut self) {
        self.pending_space = true;
    }

    fn newline(&mut self) {
        if !self.current.is_empty() {
            self.lines.push(std::mem::take(&mut self.current));
        }
        self.pending_space = false;
    }

    fn finish(mut self) -> String {
        self.newline();
        self.lines.join("\n")
    }
}

/// Collapses white space in a short text (a field value): trimmed, single spaces.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn drops_scripts_and_styles_and_breaks_blocks() {
        let html = r#"<html><head><title>Shitet Glock</title><style>.a{}</style>
            <script>var x = "nope";</script></head><body>
            <h1>Glock  19</h1><p>Çmimi: <b>350€</b>,
            tel 070 123 456</p><ul><li>one</li><li>two</li></ul>
            <noscript>enable js</noscript><table><tr><td>a</td><td>b</td></tr></table></body></html>"#;
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Shitet Glock\nGlock 19\nÇmimi: 350€, tel 070 123 456\none\ntwo\na b"
        );
    }

    #[test]
    fn inline_elements_do_not_split_words() {
        assert_eq!(html_to_text("<p>Za<b>sta</b>va M70</p>"), "Zastava M70");
        assert_eq!(html_to_text("<p>a<br>b</p>"), "a\nb");
    }

    #[test]
    fn broken_html_still_gives_text() {
        assert_eq!(
            html_to_text("<div><p>open <i>never closed"),
            "open never closed"
        );
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn collapse() {
        assert_eq!(collapse_whitespace("  a \n\t b  "), "a b");
    }

    proptest! {
        #[test]
        fn never_panics_and_has_no_blank_lines(s in ".{0,200}") {
            let t = html_to_text(&s);
            prop_assert!(!t.contains("\n\n"));
            prop_assert_eq!(t.trim(), t.as_str());
        }
    }
}
