"""The metadata llwatch keeps from an article page (title, description, authors, date).

Trafilatura's ``extract_metadata`` also reads categories, tags, the licence and the site name,
which llwatch does not keep and which cost about a fifth of a page's extraction time (the tag
and category searches walk the whole tree). This module runs only the steps llwatch needs, in
the same order and with the same rules: ``<meta>`` tags, then JSON-LD, then the page's own
title and byline, and the date from htmldate.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

__all__ = ["page_metadata"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())


def page_metadata(tree: HtmlElement, url: str, not_before: date) -> Document:
    """Title, description, author(s) (";"-separated) and date ("YYYY-MM-DD") of a page."""
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # one word is a handle, not a name
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception as exc:  # trafilatura's JSON-LD reader fails on odd but valid JSON
        logger.debug("JSON-LD metadata unreadable at %s: %s", url, exc)
    meta.title = meta.title or extract_title(tree)
    meta.author = meta.author or extract_author(tree)
    meta.date = find_date(tree, url=meta.url or extract_url(tree, url), **_date_options(not_before))
    meta.clean_and_trim()
    return meta


def _date_options(not_before: date) -> dict[str, Any]:
    return {
        "extensive_search": True,
        "original_date": True,
        "outputformat": "%Y-%m-%d",
        "min_date": not_before.isoformat(),  # htmldate then looks for a candidate in range
    }
