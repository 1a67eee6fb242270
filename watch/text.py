"""Plain text from HTML fragments and text clean-up shared by the feed and page boundaries."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

import lxml.etree
import lxml.html

__all__ = ["clean_text", "content_hash", "html_to_text", "language_tag"]

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "table",
        "tr",
        "section",
        "article",
        "header",
        "footer",
        "figure",
        "figcaption",
        "dd",
        "dt",
        "hr",
        "td",
        "th",
        "caption",
    ]
)
#: Elements whose content is no reading text (<object> is not here: its content is fallback text).
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg")
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """NFC, no control characters, runs of spaces folded, at most one blank line between paragraphs."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text.replace("\r\n", "\n")))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    for line in lines:
        if line or (paragraphs and paragraphs[-1]):
            paragraphs.append(line)
    return "\n".join(paragraphs).strip().replace("\n\n\n", "\n\n")


def html_to_text(fragment: str) -> str:
    """Readable plain text of an HTML fragment (scripts dropped, blocks on their own lines)."""
    fragment = _CONTROL.sub("", fragment)
    if "<" not in fragment:
        return clean_text(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return clean_text(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    for bad in list(root.iter(*_DROP_TAGS)):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.text = "\n\n" + (el.text or "")  # a block starts and ends a paragraph
            el.tail = "\n\n" + (el.tail or "")
    return clean_text(root.text_content())


def content_hash(text: str) -> str:
    """sha256 of the text with case, punctuation and spacing folded (exact-duplicate key)."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest() if words else ""


def language_tag(value: str | None) -> str:
    """ISO 639-1 code of a declared language tag (``fr-FR``, ``en_US``, ``es``), or ""."""
    if not value or not isinstance(value, str):
        return ""
    primary = re.split(r"[-_,; ]", value.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2}", primary) else ""
