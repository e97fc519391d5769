//! HTML parsing with a bounded cost.
//!
//! html5ever's tree builder checks scopes by walking its whole stack of open elements, so its
//! time grows with the square of the nesting depth: 40,000 nested `<div>`s (200 KB) take 4.5 s,
//! and a 10 MB page of them hours (html5ever issue #788; browsers stop nesting at 512). A
//! hostile site can serve exactly that. Here the document is fed to the parser in pieces and
//! every element inserted has its depth measured (walking at most [`MAX_DEPTH`] + 1
//! ancestors); once an element lies deeper than [`MAX_DEPTH`], no more input is fed, and the
//! document parsed so far is the result. No real page comes near: pages in the wild nest a few
//! dozen levels. The capture itself is archived whole either way; only what is read from it
//! stops there, and the caller is told where.

use std::borrow::Cow;
use std::cell::Cell;

use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{Attribute, QualName};
use scraper::{Html, HtmlTreeSink};

/// Deepest element nesting read, as in Chromium and WebKit.
pub const MAX_DEPTH: usize = 512;

/// Bytes fed to the parser at a time: after each piece the depth is checked.
const PIECE: usize = 4096;

/// A parsed document, and where parsing stopped if the page nested too deep.
#[derive(Debug)]
pub struct ParsedHtml {
    /// The document (everything before `stopped_at` when that is set).
    pub doc: Html,
    /// Byte offset after which the input was not parsed: an element there nested deeper
    /// than [`MAX_DEPTH`].
    pub stopped_at: Option<usize>,
}

/// Parses a whole HTML document as `Html::parse_document` does, in bounded time (see the
/// module documentation).
pub fn parse_document(html: &str) -> ParsedHtml {
    let sink = DepthSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        too_deep: Cell::new(false),
    };
    let mut parser = html5ever::driver::parse_document(sink, Default::default());
    let mut start = 0;
    let mut stopped_at = None;
    while start < html.len() {
        let mut end = (start + PIECE).min(html.len());
        while !html.is_char_boundary(end) {
            end += 1;
        }
        parser.process(StrTendril::from_slice(&html[start..end]));
        start = end;
        if parser.tokenizer.sink.sink.too_deep.get() {
            if start < html.len() {
                stopped_at = Some(start);
            }
            break;
        }
    }
    ParsedHtml {
        doc: parser.finish(),
        stopped_at,
    }
}

/// scraper's tree sink, with the depth of every inserted element measured.
struct DepthSink {
    inner: HtmlTreeSink,
    too_deep: Cell<bool>,
}

impl DepthSink {
    /// Notes an element about to be placed under `parent` deeper than [`MAX_DEPTH`].
    fn check(&self, parent: &ego_tree::NodeId, child: &NodeOrText<ego_tree::NodeId>) {
        if self.too_deep.get() || !matches!(child, NodeOrText::AppendNode(_)) {
            return;
        }
        let html = self.inner.0.borrow();
        let depth = html
            .tree
            .get(*parent)
            .map_or(0, |p| p.ancestors().take(MAX_DEPTH).count() + 1);
        if depth > MAX_DEPTH {
            self.too_deep.set(true);
        }
    }
}

impl TreeSink for DepthSink {
    type Output = Html;
    type Handle = ego_tree::NodeId;
    type ElemName<'a> = <HtmlTreeSink as TreeSink>::ElemName<'a>;

    fn finish(self) -> Html {
        self.inner.finish()
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }

    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        self.inner.create_element(name, attrs, flags)
    }

    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        self.check(parent, &child);
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        self.check(prev_element, &child);
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

    fn mark_script_already_started(&self, node: &Self::Handle) {
        self.inner.mark_script_already_started(node);
    }

    fn pop(&self, node: &Self::Handle) {
        self.inner.pop(node);
    }

    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        // The new node becomes the sibling's sibling: as deep as the sibling.
        let parent = self
            .inner
            .0
            .borrow()
            .tree
            .get(*sibling)
            .and_then(|s| s.parent())
            .map(|p| p.id());
        if let Some(parent) = parent {
            self.check(&parent, &new_node);
        }
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn associate_with_form(
        &self,
        target: &Self::Handle,
        form: &Self::Handle,
        nodes: (&Self::Handle, Option<&Self::Handle>),
    ) {
        self.inner.associate_with_form(target, form, nodes);
    }

    fn remove_from_parent(&self, target: &Self::Handle) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.inner.reparent_children(node, new_parent);
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Self::Handle) -> bool {
        self.inner
            .is_mathml_annotation_xml_integration_point(handle)
    }

    fn set_current_line(&self, line_number: u64) {
        self.inner.set_current_line(line_number);
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_DEPTH, parse_document};
    use crate::text::html_to_text_of;
    use proptest::prelude::*;
    use scraper::Html;

    fn depth_of_deepest(doc: &Html) -> usize {
        doc.tree
            .nodes()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_page_nested_past_the_limit_is_read_up_to_it() {
        let n = 50_000;
        let html = format!("<html><body><p>Glock 19</p>{}deep text", "<div>".repeat(n));
        let parsed = parse_document(&html);
        let stopped = parsed.stopped_at.expect("stopped");
        assert!(stopped < html.len() / 10, "stopped at {stopped}");
        assert!(depth_of_deepest(&parsed.doc) <= MAX_DEPTH + super::PIECE);
        let text = html_to_text_of(&parsed.doc);
        assert!(text.contains("Glock 19"));
        assert!(!text.contains("deep text"));
    }

    #[test]
    fn nesting_below_the_limit_is_read_whole() {
        let html = format!(
            "<html><body>{}<span>inside</span>{}<p>after</p>",
            "<div>".repeat(400),
            "</div>".repeat(400)
        );
        let parsed = parse_document(&html);
        assert_eq!(parsed.stopped_at, None);
        assert_eq!(html_to_text_of(&parsed.doc), "inside\nafter");
    }

    proptest! {
        /// Any document nesting less deeply than the limit parses to the same tree as
        /// scraper's own `parse_document` (pieces split anywhere, even inside tags and
        /// multi-byte characters, make no difference).
        #[test]
        fn same_tree_as_scraper_below_the_limit(
            parts in prop::collection::vec(
                prop_oneof![
                    Just("<div>"), Just("</div>"), Just("<p>"), Just("<b>"), Just("</b>"),
                    Just("<table><tr><td>"), Just("<a href='/x'>"), Just("</a>"),
                    Just("Глок 19 "), Just("€350 "), Just("<!-- c -->"), Just("<br>"),
                    Just("<script>x<y</script>"), Just("<template>t</template>"),
                ],
                0..600,
            )
        ) {
            let html: String = parts.concat();
            let ours = parse_document(&html);
            prop_assert_eq!(ours.stopped_at, None);
            let theirs = Html::parse_document(&html);
            prop_assert_eq!(ours.doc.html(), theirs.html());
        }
    }
}
