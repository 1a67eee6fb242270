"""Article-page boundary over trafilatura: HTML bytes in, :class:`PageArticle` out.

The page is parsed once (trafilatura's ``load_html``). From that tree come the metadata llwatch
keeps (:mod:`watch.page_meta`) and the main text: trafilatura in its fast mode, favouring
recall (its second pass through its readability and jusText ports cost a third more time and
lost precision on the extraction benchmark). Two repairs follow: a heading line that repeats
the title is dropped (the title is a field of its own), and an article body split around ads
is joined again (:mod:`watch.split_body`). Dates outside the plausible range (before
:data:`DATE_FLOOR` or the caller's ``not_before``, or in the future) are left out.
``bench/extraction.py`` measures text quality and speed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from watch.feeds import iso_utc
from watch.page_meta import page_metadata
from watch.split_body import rejoin_split_body
from watch.text import clean_text, language_tag

__all__ = [
    "DATE_FLOOR",
    "DATE_SKEW",
    "MIN_TEXT_CHARS",
    "PageArticle",
    "extract_article",
    "plausible_date",
]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: A page whose main text is shorter than this (in characters; two thirds of them letters) is
#: treated as a failed extraction.
MIN_TEXT_CHARS = 200
#: No news page is older than this: an earlier date is a template's or a broken clock's.
DATE_FLOOR = date(1994, 1, 1)
#: How far in the future a date may lie and still be taken (clocks disagree a little).
DATE_SKEW = timedelta(minutes=5)
_HTML_LANG = re.compile(
    rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)", re.I
)
_WORD = re.compile(r"\w+")
_TITLE_LOOKAHEAD = 3  # lines at the start of the text where a repeated title is looked for


@dataclass
class PageArticle:
    """What the page itself says about the article."""

    text: str  # plain text, one paragraph a line
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str = ""  # UTC ISO 8601 date (midnight) or "" (none, or implausible)
    description: str = ""
    language: str = ""  # ISO 639-1 declared by <html lang>, or ""


def extract_article(
    body: bytes | str, url: str, *, not_before: date | None = None
) -> PageArticle | None:
    """The main text and metadata of an article page; None when no article text is found.

    ``not_before`` is the earliest plausible publication date (e.g. when the source is known
    to have started later than :data:`DATE_FLOOR`); a page date outside the plausible range
    is left out (``published == ""``).
    """
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    floor = max(not_before or DATE_FLOOR, DATE_FLOOR)
    tree = _parse(raw, url)
    found = _extract(tree, url, floor) if tree is not None else None
    if tree is None or found is None:
        return None
    doc, main_text = found
    title = clean_text(doc.title or "")
    text = rejoin_split_body(tree, _without_title(clean_text(main_text), title))
    if not _is_article_text(text):
        return None
    return PageArticle(
        text=text,
        title=title,
        authors=_authors(doc.author),
        published=_page_date(doc.date, floor),
        description=clean_text(doc.description or ""),
        language=_declared_language(raw),
    )


def plausible_date(
    moment: datetime, not_before: date | None = None, now: datetime | None = None
) -> datetime | None:
    """``moment`` (naive taken as UTC) when it lies between the floor and now, else None.

    The floor is ``not_before`` or :data:`DATE_FLOOR`, whichever is later; "now" allows
    :data:`DATE_SKEW` of clock skew.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    floor = max(not_before or DATE_FLOOR, DATE_FLOOR)
    earliest = datetime(floor.year, floor.month, floor.day, tzinfo=UTC)
    latest = (now or datetime.now(UTC)) + DATE_SKEW
    return moment if earliest <= moment <= latest else None


def _parse(raw: bytes, url: str) -> HtmlElement | None:
    """The page's tree, parsed once: trafilatura reads a copy of it, the repairs the original."""
    try:
        return trafilatura.load_html(raw)
    except Exception as exc:  # lxml raises many types on broken markup
        logger.info("unparsable page %s: %s", url, exc)
        return None


def _extract(tree: HtmlElement, url: str, floor: date) -> tuple[Document, str] | None:
    """The page's metadata and main text (trafilatura reads a copy of the tree)."""
    try:
        meta = page_metadata(tree, url, floor)
        text = trafilatura.extract(
            tree,
            url=url,
            fast=True,  # no second pass through trafilatura's readability and jusText ports
            favor_recall=True,
            include_comments=False,
            include_tables=True,
        )
    except Exception as exc:  # trafilatura/lxml raise many types on broken markup
        logger.info("extraction failed for %s: %s", url, exc)
        return None
    return meta, text or ""


def _without_title(text: str, title: str) -> str:
    """The text without a heading line near its start that repeats the title.

    The title is a field of its own. A line repeats it when its words are the title's, or a
    run of the title's words covering at least half of them (titles often carry the site's
    name or a rubric: "Opinion | ...", "... - Site name").
    """
    lines = text.split("\n")
    title_words = _words(title)
    for index, line in enumerate(lines[:_TITLE_LOOKAHEAD]):
        words = _words(line)
        if words and 2 * len(words) >= len(title_words) and _is_run_of(words, title_words):
            return clean_text("\n".join(lines[:index] + lines[index + 1 :]))
    return text


def _is_run_of(words: list[str], sequence: list[str]) -> bool:
    size = len(words)
    return any(sequence[i : i + size] == words for i in range(len(sequence) - size + 1))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _is_article_text(text: str) -> bool:
    """Long enough, and letters enough not to be markup debris (the start usually tells)."""
    needed = MIN_TEXT_CHARS * 2 // 3
    return len(text) >= MIN_TEXT_CHARS and (
        _letters(text[: 2 * MIN_TEXT_CHARS]) >= needed or _letters(text) >= needed
    )


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _authors(value: str | None) -> list[str]:
    return [a.strip() for a in (value or "").split(";") if a.strip()]


def _page_date(value: str | None, floor: date) -> str:
    try:
        moment = datetime.strptime(value or "", "%Y-%m-%d")
    except ValueError:
        return ""
    plausible = plausible_date(moment, floor)
    return iso_utc(plausible) if plausible else ""


def _declared_language(raw: bytes) -> str:
    match = _HTML_LANG.search(raw[:4096])
    return language_tag(match.group(1).decode("ascii")) if match else ""
