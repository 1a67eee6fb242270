"""Article-page boundary over trafilatura: HTML bytes in, :class:`PageArticle` out."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import trafilatura
import trafilatura.settings

from watch.feeds import iso_utc
from watch.text import clean_text, language_tag

__all__ = ["MIN_TEXT_CHARS", "PageArticle", "extract_article"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

#: A page whose main text is shorter than this (in characters; two thirds of them letters) is
#: treated as a failed extraction.
MIN_TEXT_CHARS = 200
_HTML_LANG = re.compile(
    rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)", re.I
)
_DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%d"}


@dataclass
class PageArticle:
    """What the page itself says about the article."""

    text: str
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: str = ""  # UTC ISO 8601 date (midnight) or ""
    description: str = ""
    language: str = ""  # ISO 639-1 declared by <html lang>, or ""


def extract_article(body: bytes | str, url: str) -> PageArticle | None:
    """The main text and metadata of an article page; None when no article text is found."""
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else body
    try:
        doc = trafilatura.bare_extraction(
            raw,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=_DATE_PARAMS,
        )
    except Exception as exc:  # trafilatura/lxml raise many types on broken markup
        logger.info("extraction failed for %s: %s", url, exc)
        return None
    if not isinstance(doc, trafilatura.settings.Document):
        return None
    text = clean_text(doc.text or "")
    letters = sum(ch.isalpha() for ch in text)
    if len(text) < MIN_TEXT_CHARS or letters < MIN_TEXT_CHARS * 2 // 3:  # not markup debris
        return None
    return PageArticle(
        text=text,
        title=clean_text(doc.title or ""),
        authors=_authors(doc.author),
        published=_page_date(doc.date),
        description=clean_text(doc.description or ""),
        language=_declared_language(raw),
    )


def _authors(value: str | None) -> list[str]:
    return [a.strip() for a in (value or "").split(";") if a.strip()]


def _page_date(value: str | None) -> str:
    try:
        moment = datetime.strptime(value or "", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return ""
    return iso_utc(moment) if moment <= datetime.now(UTC) else ""


def _declared_language(raw: bytes) -> str:
    match = _HTML_LANG.search(raw[:4096])
    return language_tag(match.group(1).decode("ascii")) if match else ""
