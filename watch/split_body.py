"""Article bodies split into several containers around ads, joined again after extraction.

Some sites cut an article's body into sibling containers of the same tag and class (the ad
slots sit between them). Trafilatura keeps the first container and leaves out the rest;
:func:`rejoin_split_body` finds such a group on the page, and when the extracted text holds
one member well (at least :data:`MIN_PRESENT` of its paragraphs) and none of another member
whose paragraphs read as prose, it puts the missing members' paragraphs back in page order.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml.etree import XPath
from lxml.html import HtmlElement

from watch.text import clean_text

__all__ = ["MIN_PRESENT", "MIN_PROSE_CHARS", "rejoin_split_body"]

#: Paragraphs of a member that must be in the extracted text for its group to count.
MIN_PRESENT = 3
#: Mean paragraph length (characters) of a missing member for it to read as prose.
MIN_PROSE_CHARS = 80
_WORD = re.compile(r"\w+")
_CONTAINERS = XPath("//div[@class][p[2]] | //section[@class][p[2]]")  # two <p> children or more


def rejoin_split_body(tree: HtmlElement, text: str) -> str:
    """``text`` (one paragraph a line) with the missing parts of a split body put back."""
    lines = text.split("\n")
    where = {_key(line): i for i, line in reversed(list(enumerate(lines))) if _key(line)}
    for members in _groups(tree):
        paragraphs = [_paragraphs(member) for member in members]
        found = [[where[_key(p)] for p in group if _key(p) in where] for group in paragraphs]
        present = [i for i, lines_found in enumerate(found) if len(lines_found) >= MIN_PRESENT]
        missing = [i for i, group in enumerate(paragraphs) if not found[i] and _is_prose(group)]
        if present and missing:
            first = min(min(found[i]) for i in present)
            last = max(max(found[i]) for i in present)
            before = [p for i in missing if i < present[0] for p in paragraphs[i]]
            after = [p for i in missing if i > present[0] for p in paragraphs[i]]
            return "\n".join(
                lines[:first] + before + lines[first : last + 1] + after + lines[last + 1 :]
            )
    return text


def _groups(tree: HtmlElement) -> list[list[HtmlElement]]:
    """Containers of two or more paragraphs, grouped by tag and class; groups of two or more."""
    groups: dict[tuple[str, str], list[HtmlElement]] = defaultdict(list)
    for element in _CONTAINERS(tree):
        groups[(element.tag, element.get("class"))].append(element)
    return [members for members in groups.values() if len(members) >= 2]


def _paragraphs(element: HtmlElement) -> list[str]:
    texts = (clean_text(p.text_content()) for p in element.iterfind("p"))
    return [text for text in texts if text]


def _is_prose(paragraphs: list[str]) -> bool:
    return bool(paragraphs) and sum(map(len, paragraphs)) >= MIN_PROSE_CHARS * len(paragraphs)


def _key(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))
