"""Tests of watch.urls: canonical article URLs, the ids derived from them, URL checks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watch.urls import article_id, canonical_url, is_http_url, is_tracking_param

CANONICAL = [
    # tracking parameters dropped, the others kept and sorted, fragment dropped
    (
        "https://example.org/news/a?utm_source=rss&b=2&utm_medium=feed&a=1#comments",
        "https://example.org/news/a?a=1&b=2",
    ),
    ("https://example.org/a?fbclid=IwAR0x&id=7", "https://example.org/a?id=7"),
    ("https://example.org/a?gclid=abc&gclsrc=aw.ds", "https://example.org/a"),
    ("https://example.org/a?mc_cid=1&mc_eid=2&page=3", "https://example.org/a?page=3"),
    ("https://example.org/a?UTM_Source=x&Mc_Cid=1&x=1", "https://example.org/a?x=1"),
    ("https://example.org/a?_ga=1.2&pk_campaign=x&mtm_kwd=y&q=z", "https://example.org/a?q=z"),
    # repeated keys kept, sorted by key then value
    ("https://example.org/?b=2&a=1&a=0", "https://example.org/?a=0&a=1&b=2"),
    # a parameter that only starts like a tracking one is kept
    ("https://example.org/?atx=2&at_medium=1", "https://example.org/?atx=2"),
    # host and scheme lower-cased, trailing dot of the host dropped
    ("HTTPS://WWW.Example.ORG/Path/Case", "https://www.example.org/Path/Case"),
    ("https://example.org./x", "https://example.org/x"),
    # default ports dropped, others kept
    ("http://example.org:80/a", "http://example.org/a"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("https://example.org:8443/a", "https://example.org:8443/a"),
    ("http://example.org:443/a", "http://example.org:443/a"),
    # double slashes folded, dot segments resolved, empty path becomes "/"
    ("https://example.org//news///2024//item", "https://example.org/news/2024/item"),
    ("https://example.org/a/./b/../c", "https://example.org/a/c"),
    ("https://example.org", "https://example.org/"),
    # percent-encoding normalised: upper-case escapes, unreserved characters decoded
    ("https://example.org/caf%c3%a9?q=%7e", "https://example.org/caf%C3%A9?q=~"),
    ("https://example.org/café?q=ü", "https://example.org/caf%C3%A9?q=%C3%BC"),
    ("https://example.org/%7Euser", "https://example.org/~user"),
    ("https://example.org/a%2Fb", "https://example.org/a%2Fb"),
    # spaces in the query end up as "+", an escaped "&" stays escaped, blank values kept
    ("https://example.org/?q=a%20b", "https://example.org/?q=a+b"),
    ("https://example.org/?q=a+b", "https://example.org/?q=a+b"),
    ("https://example.org/?q=a%26b", "https://example.org/?q=a%26b"),
    ("https://example.org/?a&b=1", "https://example.org/?a=&b=1"),
    # surrounding whitespace and credentials dropped
    ("  https://example.org/x \n", "https://example.org/x"),
    ("https://user:secret@example.org/x", "https://example.org/x"),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", [url for url, _ in CANONICAL])
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


# Pieces of paths and queries: reserved characters, non-ASCII, valid escapes, double slashes.
_PIECE = st.sampled_from(
    [*"abcXYZ09-._~/é +&=?#;:@!$()*,", "%2F", "%20", "%e9", "%C3%A9", "%41", "//", "utm_x=1&"]
)


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
    netloc=st.sampled_from(["example.org", "EXAMPLE.org:443", "ex-ample.org.:8080"]),
    path=st.lists(_PIECE, max_size=10).map("".join),
    query=st.lists(_PIECE, max_size=10).map("".join),
)
def test_canonical_url_is_idempotent_property(
    scheme: str, netloc: str, path: str, query: str
) -> None:
    once = canonical_url(f"{scheme}://{netloc}/{path}?{query}")
    assert canonical_url(once) == once


def test_canonical_url_is_idempotent_on_stray_percent() -> None:
    once = canonical_url("https://example.org/%a%41")
    assert canonical_url(once) == once


def test_canonical_url_same_for_tracking_variants() -> None:
    variants = [
        "https://example.org/news/adult-learning?id=5",
        "https://example.org/news/adult-learning?id=5&utm_source=twitter",
        "https://EXAMPLE.org:443/news//adult-learning?fbclid=x&id=5#top",
        "https://example.org/news/adult-learning?gclid=1&id=5&mc_cid=2&mc_eid=3",
    ]
    assert {canonical_url(v) for v in variants} == {"https://example.org/news/adult-learning?id=5"}


def test_canonical_url_keeps_different_pages_apart() -> None:
    assert canonical_url("https://example.org/a?page=1") != canonical_url(
        "https://example.org/a?page=2"
    )
    assert canonical_url("https://example.org/a") != canonical_url("https://example.org/b")
    assert canonical_url("http://example.org/a") != canonical_url("https://example.org/a")


def test_canonical_url_keeps_non_utf8_escapes() -> None:
    first = canonical_url("https://example.org/search?q=caf%E9")
    second = canonical_url("https://example.org/search?q=caf%E8")
    assert first != second
    assert first == "https://example.org/search?q=caf%E9"


@pytest.mark.parametrize("url", ["http://example.org:abc/news", "http://example.org:99999/"])
def test_bad_port_is_no_http_url_and_canonical_url_never_raises(url: str) -> None:
    assert not is_http_url(url)  # the normalize pipeline drops such links as bad_url
    assert canonical_url(url) == url  # a ValueError here would escape the one error hierarchy


def test_ipv6_literal_keeps_its_brackets() -> None:
    assert is_http_url("http://[::1]:8080/a")
    assert canonical_url("HTTP://[::1]:8080/a?utm_source=x") == "http://[::1]:8080/a"


@pytest.mark.parametrize(
    ("name", "tracking"),
    [
        ("utm_source", True),
        ("utm_whatever_new", True),
        ("UTM_Campaign", True),
        ("fbclid", True),
        ("gclid", True),
        ("mc_cid", True),
        ("_hsenc", True),
        ("id", False),
        ("page", False),
        ("q", False),
        ("utm", False),
        ("ref", False),
    ],
)
def test_is_tracking_param(name: str, tracking: bool) -> None:
    assert is_tracking_param(name) is tracking


def test_article_id_is_32_hex_and_stable() -> None:
    url = "https://example.org/news/adult-learning?id=5"
    first = article_id(url)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert article_id(url) == first
    # pinned (sha256 prefix): ids are stored, a change would orphan every stored article
    assert article_id("https://example.org/") == "8198d1bac40a1033653a78e48800cefc"


def test_article_id_same_for_tracking_variants_different_for_pages() -> None:
    a = article_id(canonical_url("https://example.org/x?id=1&utm_source=rss"))
    b = article_id(canonical_url("https://example.org/x?fbclid=abc&id=1#frag"))
    c = article_id(canonical_url("https://example.org/x?id=2"))
    assert a == b
    assert a != c


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("HTTP://EXAMPLE.ORG/", True),
        ("  https://example.org/a  ", True),
        ("https://example.org:8080/a", True),
        ("ftp://example.org/file", False),
        ("mailto:someone@example.org", False),
        ("javascript:alert(1)", False),
        ("/relative/path", False),
        ("example.org/a", False),
        ("https://", False),
        ("https:///path-only", False),
        ("", False),
    ],
)
def test_is_http_url(url: str, ok: bool) -> None:
    assert is_http_url(url) is ok
