"""Normalisation before an article is compared, understood and stored: dates that can be true."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from watch.items import Article
from watch.normalize import normalize_article, plausible_date

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "since", "kept"),
    [
        ("2026-11-20T08:00:00Z", "", True),
        ("2026-11-27T06:00:00Z", "", True),  # clocks differ: within a day ahead
        ("2026-12-05T00:00:00Z", "", False),  # in the future
        ("1970-01-01T00:00:00Z", "", False),  # a zero timestamp, not a date
        ("1993-12-31T00:00:00Z", "", False),  # before the web's news
        ("1994-01-02T00:00:00Z", "", True),
        ("2003-05-01T00:00:00Z", "2004-01-01", False),  # before the source existed
        ("2004-01-01T00:00:00Z", "2004-01-01", True),
        ("not a date", "", False),
        ("", "", False),
    ],
)
def test_dates_never_in_the_future_nor_before_the_source(
    published: str, since: str, kept: bool
) -> None:
    assert plausible_date(published, since, NOW) == (published if kept else "")


def test_normalize_clears_an_impossible_date() -> None:
    article = Article(url="https://x.org/a", title="T", published_at="2999-01-01T00:00:00Z",
                      source_since="2010-01-01")  # fmt: skip
    assert normalize_article(article) == ""
    assert article.published_at == ""
    article = Article(url="https://x.org/b", title="T", published_at="2008-03-01T00:00:00Z",
                      source_since="2010-01-01")  # fmt: skip
    normalize_article(article)
    assert article.published_at == ""
