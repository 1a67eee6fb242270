"""Normalisation of an article before it is compared, understood and stored."""

from __future__ import annotations

from datetime import datetime

from watch.extract import DATE_FLOOR
from watch.feeds import plausible_iso
from watch.health import parse_iso
from watch.items import Article
from watch.store.sqlite import utc_now
from watch.text import clean_text, content_hash
from watch.urls import article_id, canonical_url, is_http_url

__all__ = ["EARLIEST", "normalize_article", "plausible_date"]

#: No article of the watch is older than this (a date before the web's news is a parsing accident).
EARLIEST = DATE_FLOOR.isoformat()


def plausible_date(published: str, since: str = "", now: datetime | None = None) -> str:
    """``published`` when it is a date that can be true: not in the future (a day of clock and
    time-zone slack: feeds often give local dates), not before the source existed (``since``,
    feeds.yaml) nor before EARLIEST; "" otherwise. The last guard for every path (feed, sitemap,
    listing, page, PDF)."""
    moment = parse_iso(published)
    floor = parse_iso(max(since, EARLIEST))
    if moment is None or not plausible_iso(moment, now) or (floor and moment < floor):
        return ""
    return published


#: Texts and titles are cut to these many characters (bounded rows, engine limits).
MAX_TEXT = 200_000
MAX_TITLE = 1_000
MAX_SUMMARY = 5_000


def normalize_article(article: Article) -> str:
    """Normalise in place; return "" when fine, else the reason to drop it (a stats key)."""
    if not is_http_url(article.url):
        return "bad_url"
    article.canonical_url = canonical_url(article.canonical_url or article.url)
    article.id = article.id or article_id(article.canonical_url)
    article.title = clean_text(article.title)[:MAX_TITLE]
    article.summary = clean_text(article.summary)[:MAX_SUMMARY]
    article.text = clean_text(article.text)[:MAX_TEXT]
    if not (article.title or article.text):
        return "empty"
    article.authors = list(dict.fromkeys(a for a in (clean_text(x) for x in article.authors) if a))
    article.fetched_at = article.fetched_at or utc_now()
    article.published_at = plausible_date(article.published_at, article.source_since)
    article.content_hash = content_hash(article.text) if len(article.text) >= 200 else ""
    return ""
