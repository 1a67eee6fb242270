"""Every file of the two feed corpora parses right or fails with a clear SourceError; none crashes.

One test per file (ids ``wild/<path>`` and ``real/<path>``), reading the corpora in
``../shared/corpora`` (or ``$LLWATCH_CORPORA``); skipped with the reason when they are absent.

What "right" means, per corpus (see each corpus README):

``feeds-wild`` (feedparser's edge cases) -- each file carries an ``Expect:`` Python expression over
feedparser's result. The parts of it that speak of what llwatch keeps are checked against
:class:`~watch.feeds.ParsedFeed`: ``feed.title``, ``feed.link``, ``entries[i].title``,
``entries[i].link`` (and their ``title_detail.value``) compared with ``==``, ``len(entries)``,
and ``bozo`` / ``not bozo``. feedparser keeps markup in titles, llwatch keeps plain text, so a
title is right when it equals the expected value read as text *or* as HTML (entities decoded,
tags dropped), whitespace folded; an expected title with no text (only an ``<img>``) on an entry
without link may be missing, as such entries are dropped by design. Links are compared exactly.
``bozo`` (a problem the parser must notice) is right when we raise SourceError or keep a
warning; ``not bozo`` when we parse without one. Each file is parsed as feedparser's harness
serves it: from ``http://127.0.0.1:8097/tests/...`` with its ``Header: Content-type`` (relative
links resolve against that URL). Microsoft CDF documents (root ``<CHANNEL>``) are no feed format
llwatch reads: a SourceError is right for them.

``feeds-real`` (real captured feeds, ``manifest.json``) -- a file whose ``format`` is HTML must
raise SourceError saying it is an HTML page; every other file must parse, with as many entries as
the manifest's ``items`` count, a channel title equal to the manifest's (entities decoded,
whitespace folded; the manifest writes "|" as "/" and cuts titles at 70 characters; for files
flagged double-encoded the repaired title is right too), titles free of U+FFFD, and, for languages written in their own script, entry
titles in that script (a wrong encoding shows there first).

For every parsed file: entries are plain (absolute http(s) link or "", title or link present, ISO
dates); every SourceError is one line.

Run as a script for a summary: ``python tests/test_feeds_corpus.py``; ``bench/feeds_corpus.py``
prints the same with speed.
"""

from __future__ import annotations

import ast
import html
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

if __name__ == "__main__":  # run as a script: import the working tree's packages
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import CORPORA
from tests.test_feeds import _check_invariants
from watch.errors import SourceError
from watch.feeds import ParsedFeed, parse_feed
from watch.text import clean_text, html_to_text

WILD = CORPORA / "feeds-wild"
REAL = CORPORA / "feeds-real"
#: Where feedparser's harness serves the feeds-wild files (their expectations depend on it).
WILD_URL = "http://127.0.0.1:8097/"
REAL_URL = "https://example.org/feed.xml"

_RFC7231 = (
    "expects Content-Location as the base URI, which RFC 7231 (appendix B) dropped; llwatch "
    "resolves against the URL the feed was fetched from"
)
_CRAZY = (
    "the title is a whole HTML document; the expected value is feedparser's sanitiser output with "
    "script source and comment text kept, which no plain-text reading reproduces"
)
#: Files whose corpus expectation is dubious: test id -> why (kept short, each reasoned).
XFAIL: dict[str, str] = {
    "wild/wellformed/base/http_channel_link_base_content_location.xml": _RFC7231,
    "wild/wellformed/base/http_item_link_base_content_location.xml": _RFC7231,
    "wild/wellformed/http/headers_content_location-relative.xml": _RFC7231,
    "wild/encoding/bozo_http_i18n.xml": (
        "expects text/xml without charset to mean US-ASCII (RFC 3023); RFC 7303 (section 3.2) "
        "replaced that: the XML declaration (UTF-8) rules, so there is no problem to report"
    ),
    "wild/wellformed/sanitize/xml_malicious_comment.xml": (
        "expects SGML comment rules ('--' pairs); in HTML 'sa<!-- -- nonwhitespace >fe...' opens a "
        "comment that never ends, so the text is 'sa'"
    ),
    "wild/wellformed/sanitize/feed_title_crazy.xml": _CRAZY,
    "wild/wellformed/sanitize/entry_title_crazy.xml": _CRAZY,
    "real/node-feedparser/illegally-nested.xml": (
        "the manifest counts 20 <item> tags, but 10 are empty <item /> nested inside the 10 real "
        "items: 10 entries is right"
    ),
    "real/chardet/KOI8-R/susu.ac.ru.xml": (
        "the manifest title is the <image><title>; the channel's own <title> is 'Новости ЮУрГУ'"
    ),
    "real/rss-parser-js/customfields.rss": (
        "labelled Kannada (the publisher's language) but the file holds no Kannada character: "
        "its titles are English"
    ),
    "real/chardet/CP932/y-moto.com.xml": (
        "the manifest reads byte pair 0x8160 as U+301C WAVE DASH (JIS); the declared Shift_JIS is "
        "read as its Windows superset cp932, as the web does for this label, giving U+FF5E"
    ),
}

#: Formats llwatch does not read, so a SourceError is the right outcome: root element -> why.
UNSUPPORTED = {
    "channel": "Microsoft CDF (1997, IE4 channels) is no feed format llwatch reads",
}
_ROOT = re.compile(rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>)*<([A-Za-z][\w:.-]*)", re.S)
#: The manifest's titles are cut at this many characters.
MANIFEST_TITLE_CUT = 70

#: Scripts expected in entry titles of feeds in these languages (feeds-real ``content_lang``).
SCRIPTS = {
    "zh": r"[\u4e00-\u9fff]",
    "ja": r"[\u3040-\u30ff\u4e00-\u9fff]",
    "ko": r"[\uac00-\ud7af]",
    "ru": r"[\u0400-\u04ff]",
    "uk": r"[\u0400-\u04ff]",
    "bg": r"[\u0400-\u04ff]",
    "he": r"[\u0590-\u05ff]",
    "el": r"[\u0370-\u03ff]",
    "th": r"[\u0e00-\u0e7f]",
    "hi": r"[\u0900-\u097f]",
    "kn": r"[\u0c80-\u0cff]",
}


@dataclass
class Case:
    """One corpus file and what the corpus expects of it."""

    id: str
    path: Path
    url: str
    content_type: str = ""
    fails: bool = False  # the corpus expects no feed (SourceError)
    fail_words: str = ""  # ...with these words in the message
    bozo: bool | None = None  # feeds-wild: a problem to notice (True) or none (False)
    #: (scope, index, key, value): ("feed", 0, "title", "T"), ("entry", 2, "link", ...), ("len", ...)
    checks: list[tuple[str, int, str, Any]] = field(default_factory=list)
    real: dict[str, Any] = field(default_factory=dict)  # feeds-real manifest row


# --- feeds-wild: the Expect: expressions -------------------------------------------------------

_FIELDS = {"title", "link", "title_detail"}


def _decode_comment(body: bytes) -> str:
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        text = body.decode(encoding, errors="replace")
        if "Expect:" in text:
            return text
    return body.decode("latin-1")


def _header_value(text: str, key: str) -> str:
    match = re.search(rf"^\s*{key}:[ \t]*(.*?)\s*(?:-->)?$", text, re.M)
    return match.group(1) if match else ""


def _expect_source(text: str) -> str:
    match = re.search(r"Expect:\s*(.*?)\s*(?:-->|$)", text, re.M)
    return match.group(1) if match else ""


def _conjuncts(node: ast.expr) -> Iterator[ast.expr]:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        for value in node.values:
            yield from _conjuncts(value)
    else:
        yield node


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left) + _literal(node.right)
    return ast.literal_eval(node)


def _key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return None


def _target(node: ast.expr) -> tuple[str, int, str] | None:
    """``feed['title']`` -> ("feed", 0, "title"); ``entries[2].link`` -> ("entry", 2, "link")."""
    key = _key(node)
    inner = getattr(node, "value", None)
    if key == "value" and inner is not None and _key(inner) == "title_detail":
        found = _target(inner)
        return (found[0], found[1], "title") if found else None
    if key not in _FIELDS - {"title_detail"} or inner is None:
        return None
    if isinstance(inner, ast.Name) and inner.id == "feed":
        return ("feed", 0, key)
    if (
        isinstance(inner, ast.Subscript)
        and isinstance(inner.value, ast.Name)
        and inner.value.id == "entries"
        and isinstance(inner.slice, ast.Constant)
        and isinstance(inner.slice.value, int)
    ):
        return ("entry", inner.slice.value, key)
    return None


def _read_conjunct(node: ast.expr, case: Case) -> None:
    if isinstance(node, ast.Name) and node.id == "bozo":
        case.bozo = True
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        if isinstance(node.operand, ast.Name) and node.operand.id == "bozo":
            case.bozo = False
    elif isinstance(node, ast.Compare) and all(isinstance(op, ast.Eq) for op in node.ops):
        _read_comparison([node.left, *node.comparators], case)


def _read_comparison(operands: list[ast.expr], case: Case) -> None:
    values = []
    for operand in operands:
        try:
            values.append(_literal(operand))
        except (ValueError, TypeError, SyntaxError):
            continue
    if len(values) != 1:
        return
    for operand in operands:
        target = _target(operand)
        if target and isinstance(values[0], str):
            case.checks.append((*target, values[0]))
        elif (
            isinstance(operand, ast.Call)
            and getattr(operand.func, "id", "") == "len"
            and getattr(operand.args[0], "id", "") == "entries"
        ):
            case.checks.append(("len", 0, "entries", values[0]))


def _wild_case(path: Path) -> Case:
    relative = path.relative_to(WILD).as_posix()
    text = _decode_comment(path.read_bytes())
    case = Case(
        id="wild/" + relative.removeprefix("tests/"),
        path=path,
        url=WILD_URL + relative,
        content_type=_header_value(text, "Header: +Content-type") or "text/xml",
    )
    expression = _expect_source(text)
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        tree = ast.Constant(1)
    for node in _conjuncts(tree):
        _read_conjunct(node, case)
    root = _ROOT.match(path.read_bytes()[:4096])
    if root and root.group(1).decode("ascii").lower() in UNSUPPORTED:
        case.fails, case.fail_words, case.checks = True, "not a feed", []
    return case


def _wild_cases() -> list[Case]:
    files = sorted(p for p in WILD.rglob("*") if p.is_file() and p.name != "README.md")
    return [_wild_case(p) for p in files]


# --- feeds-real: the manifest -----------------------------------------------------------------


def _real_cases() -> list[Case]:
    rows = json.loads((REAL / "manifest.json").read_text(encoding="utf-8"))
    cases = []
    for row in rows:
        case = Case(id="real/" + row["file"], path=REAL / row["file"], url=REAL_URL, real=row)
        if row["format"].startswith("HTML"):
            case.fails, case.fail_words = True, "HTML page"
        cases.append(case)
    return cases


def corpus_cases() -> list[Case]:
    """Every file of both corpora, feeds-wild first; [] when the corpora are absent."""
    cases = []
    if (WILD / "README.md").is_file():
        cases += _wild_cases()
    if (REAL / "manifest.json").is_file():
        cases += _real_cases()
    return cases


def parse_case(case: Case) -> ParsedFeed:
    """Parse a corpus file as it would arrive from its URL with its Content-Type."""
    return parse_feed(case.path.read_bytes(), case.url, case.content_type)


# --- the checks -------------------------------------------------------------------------------


def _same_text(got: str, expected: str) -> bool:
    """``got`` (plain text) is ``expected`` read as text or as HTML, whitespace folded."""
    readings = {clean_text(expected), clean_text(html.unescape(expected)), html_to_text(expected)}
    return clean_text(got) in readings


def _value(feed: ParsedFeed, scope: str, index: int, key: str) -> Any:
    if scope == "len":
        return len(feed.entries)
    if scope == "feed":
        return getattr(feed, key)
    assert index < len(feed.entries), f"no entry {index}: {len(feed.entries)} entries"
    return getattr(feed.entries[index], key)


def _dropped_by_design(feed: ParsedFeed, scope: str, index: int, key: str, expected: Any) -> bool:
    """An entry whose title has no text (e.g. only an <img>) and no link is dropped by design."""
    missing = scope == "entry" and index >= len(feed.entries)
    return missing and key == "title" and html_to_text(expected) == ""


def _check_wild(case: Case, feed: ParsedFeed) -> None:
    if case.bozo:
        assert feed.warning, "the corpus expects a problem noticed (bozo), we saw none"
    if case.bozo is False:
        assert not feed.warning, f"the corpus expects no problem (not bozo), we saw: {feed.warning}"
    for scope, index, key, expected in case.checks:
        if _dropped_by_design(feed, scope, index, key, expected):
            continue
        got = _value(feed, scope, index, key)
        where = f"{scope}[{index}].{key}"
        if key == "title":
            assert _same_text(got, expected), f"{where}: {got!r} != {expected!r}"
        else:
            assert got == expected, f"{where}: {got!r} != {expected!r}"


def _check_real(case: Case, feed: ParsedFeed) -> None:
    row = case.real
    if str(row["items"]).isdigit() and row["format"].startswith(("RSS", "Atom")):
        assert len(feed.entries) == int(row["items"]), "entry count differs from the manifest"
    if row["title"]:
        _check_real_title(feed.title, row)
    titles = [e.title for e in feed.entries]
    assert not [t for t in titles if "\ufffd" in t], "replacement characters in titles"
    script = SCRIPTS.get(row["content_lang"])
    if script and titles and "mojibake" not in row["flags"]:
        in_script = [t for t in titles if re.search(script, t)]
        assert len(in_script) >= len(titles) / 2, (
            f"titles not in {row['content_lang']}: {titles[:3]}"
        )


def _check_real_title(title: str, row: dict[str, Any]) -> None:
    """The channel title is the manifest's: "|" written "/", cut at 70 characters, and where the
    file is flagged double-encoded, either the bytes' reading or the repaired one."""
    got = clean_text(title).replace("|", "/")
    readings = {clean_text(html.unescape(row["title"]))}
    if "mojibake" in row["flags"]:
        readings |= {_undo_double_utf8(r) for r in readings}
    if len(row["title"]) >= MANIFEST_TITLE_CUT:
        assert any(got.startswith(r) for r in readings), f"channel title {got!r}: {readings}"
    else:
        assert got in readings, f"channel title {got!r} not in {readings}"


def _undo_double_utf8(text: str) -> str:
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


def _check_failure(case: Case, error: SourceError) -> None:
    message = str(error)
    assert "\n" not in message, "a SourceError is one line"
    assert case.fails or case.bozo, f"the corpus expects a feed, we said: {message}"
    assert case.fail_words in message, message


def check_case(case: Case) -> ParsedFeed | None:
    """Assert that ``case`` parses right or fails clearly; the ParsedFeed, None on SourceError."""
    try:
        feed = parse_case(case)
    except SourceError as error:
        _check_failure(case, error)
        return None
    assert not case.fails, f"the corpus expects no feed, we parsed {feed.version}"
    _check_invariants(feed)
    if case.real:
        _check_real(case, feed)
    else:
        _check_wild(case, feed)
    return feed


def _params() -> list[Any]:
    cases = corpus_cases()
    if not cases:
        reason = f"feed corpora not found in {CORPORA} (set LLWATCH_CORPORA)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="corpora-absent")]
    marks = {cid: pytest.mark.xfail(reason=why, strict=True) for cid, why in XFAIL.items()}
    return [pytest.param(c, id=c.id, marks=marks.get(c.id, ())) for c in cases]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("case", _params())
def test_corpus_file(case: Case) -> None:
    check_case(case)


def test_xfail_list_names_existing_files() -> None:
    ids = {c.id for c in corpus_cases()}
    if not ids:
        pytest.skip(f"feed corpora not found in {CORPORA}")
    assert sorted(set(XFAIL) - ids) == []


# --- a summary when run as a script -----------------------------------------------------------


def summary() -> dict[str, Any]:
    """Outcome counts over both corpora: right, parse failures, known (xfail), wrong, crashes."""
    counts = dict.fromkeys(("files", "right", "entries", "parse_failures", "known"), 0)
    counts |= {"wrong": 0, "crashes": 0}
    problems: list[str] = []
    for case in corpus_cases():
        counts["files"] += 1
        try:
            feed = check_case(case)
        except AssertionError as error:
            kind = "known" if case.id in XFAIL else "wrong"
            counts[kind] += 1
            problems.append(f"{kind}: {case.id}: {str(error).splitlines()[0]}")
            continue
        except Exception as error:  # a crash is what this counts
            counts["crashes"] += 1
            problems.append(f"crash: {case.id}: {type(error).__name__}: {error}")
            continue
        counts["right" if feed else "parse_failures"] += 1
        counts["entries"] += len(feed.entries) if feed else 0
    return {**counts, "problems": problems}


if __name__ == "__main__":
    result = summary()
    for line in result.pop("problems"):
        print(line)
    print(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.items()))
