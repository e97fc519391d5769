"""A small DOM and CSS selector matcher (html.parser) for the self-check: profile selectors must
match generated pages, and every internal link must resolve to a file."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_INLINE = {"a", "b", "i", "em", "strong", "span", "code", "time", "small"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    """One element."""

    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None"):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node] = []
        self.text_parts: list[str] = []

    @property
    def classes(self) -> list[str]:
        """The class list."""
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        """All text below this node."""
        parts = self.text_parts + [c.text() for c in self.children]
        if self.tag in _INLINE:
            return "".join(parts)
        return " ".join(p for p in parts if p)

    def walk(self):
        """This node and every descendant, in document order."""
        yield self
        for c in self.children:
            yield from c.walk()


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is None or n.parent is None:
            raise ValueError(f"unbalanced </{tag}>")
        self.cur = n.parent

    def handle_data(self, data):
        self.cur.text_parts.append(data)


def parse(html: str) -> Node:
    """Parses a document; raises on unbalanced end tags."""
    b = _Builder()
    b.feed(html)
    b.close()
    if b.cur is not b.root:
        raise ValueError(f"unclosed <{b.cur.tag}>")
    return b.root


_COMPOUND = re.compile(r"^([a-z][a-z0-9]*)?((?:[.#][A-Za-z0-9_-]+|\[[a-z-]+(?:=\"?[^\]\"]*\"?)?\])*)$")
_PART = re.compile(r"([.#])([A-Za-z0-9_-]+)|\[([a-z-]+)(?:=\"?([^\]\"]*)\"?)?\]")


def _compound_matches(node: Node, comp: str) -> bool:
    m = _COMPOUND.match(comp)
    if not m:
        raise ValueError(f"selector part {comp!r} is outside the supported subset")
    if m.group(1) and node.tag != m.group(1):
        return False
    for pm in _PART.finditer(m.group(2) or ""):
        if pm.group(1) == "." and pm.group(2) not in node.classes:
            return False
        if pm.group(1) == "#" and node.attrs.get("id") != pm.group(2):
            return False
        if pm.group(3):
            if pm.group(3) not in node.attrs:
                return False
            if pm.group(4) is not None and node.attrs[pm.group(3)] != pm.group(4):
                return False
    return True


def select(root: Node, selector: str) -> list[Node]:
    """Nodes matching a selector of compounds joined by descendant (space) or child (>)
    combinators; a comma list is a union."""
    out: list[Node] = []
    for alt in selector.split(","):
        tokens = alt.replace(">", " > ").split()
        for node in root.walk():
            if node.tag != "#root" and _matches(node, tokens) and node not in out:
                out.append(node)
    return out


def _matches(node: Node, tokens: list[str]) -> bool:
    if not _compound_matches(node, tokens[-1]):
        return False
    rest = tokens[:-1]
    if not rest:
        return True
    if rest[-1] == ">":
        return node.parent is not None and _matches(node.parent, rest[:-1])
    anc = node.parent
    while anc is not None and anc.tag != "#root":
        if _matches(anc, rest):
            return True
        anc = anc.parent
    return False


def select_values(root: Node, spec: str) -> list[str]:
    """Values of a profile field spec: `selector` (text) or `selector@attr` (attribute)."""
    sel, _, attr = spec.partition("@")
    nodes = select(root, sel)
    if attr:
        return [n.attrs[attr] for n in nodes if attr in n.attrs]
    return [" ".join(n.text().split()) for n in nodes]


def links(root: Node) -> list[str]:
    """Every href and src in the document."""
    out = []
    for n in root.walk():
        for a in ("href", "src"):
            if a in n.attrs:
                out.append(n.attrs[a])
        style = n.attrs.get("style", "")
        out += re.findall(r"url\('([^']+)'\)", style)
    return out
