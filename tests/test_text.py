"""Tests of watch.text (clean-up, HTML to text, duplicate keys, language tags) and of
watch.tables (fixed-width terminal tables), the other pure text-rendering module."""

from __future__ import annotations

import re

import pytest

from watch.tables import render_table
from watch.text import clean_text, content_hash, html_to_text, language_tag

# --- clean_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Adult   learning \t week  ", "Adult learning week"),
        ("a\u00a0b\u2003c\u202fd\u3000e", "a b c d e"),  # no-break, em, narrow and ideographic
        ("one\r\ntwo", "one\ntwo"),
        ("one\n\n\n\n\ntwo", "one\n\ntwo"),  # at most one blank line
        ("one\n   \n \t \ntwo", "one\n\ntwo"),  # lines of spaces count as blank
        ("\n\n  one  \n\n", "one"),
        ("bell\x07 nul\x00 esc\x1b del\x7f", "bell nul esc del"),
        ("e\u0301te\u0301", "\u00e9t\u00e9"),  # NFC: combining accents composed
        ("", ""),
        ("   \n\t  ", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_keeps_tabs_out_and_newlines_in() -> None:
    assert clean_text("a\tb\nc") == "a b\nc"


# --- html_to_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<h2>Title</h2>Body text", "Title\n\nBody text"),
        ("<ul><li>reading</li><li>writing</li></ul>", "reading\n\nwriting"),
        ("first<br>second<br/>third", "first\n\nsecond\n\nthird"),
        ("<p>Adult <b>learning</b> <a href='/x'>week</a></p>", "Adult learning week"),
        # scripts, styles and other non-text elements dropped with their content
        ("<script>track()</script><style>p{color:red}</style><p>Visible</p>", "Visible"),
        ("<noscript>x</noscript><template>t</template><iframe>i</iframe>ok", "ok"),
        ("<svg><text>logo</text></svg><p>after</p>", "after"),
        ("<!-- a comment --><p>kept</p>", "kept"),
        # entities, in markup and in plain text
        (
            "<p>Fish &amp; chips &eacute;t&eacute; &#8217;&#x2019; &lt;b&gt;</p>",
            "Fish & chips été ’’ <b>",
        ),
        ("Fish &amp; chips &eacute;t&eacute;&nbsp;!", "Fish & chips été !"),
        # control characters removed before parsing (lxml refuses them)
        ("<p>a\x00b\x07c\x1bd</p>", "abcd"),
        ("a\x00b\x0bc", "abc"),
        # broken HTML: unclosed tags, stray end tags, lone "<"
        ("<p>unclosed <b>bold <i>italic</p><div>next", "unclosed bold italic\n\nnext"),
        ("</p></div>text</span>", "text"),
        ("Growth < 5% & rising", "Growth < 5% & rising"),
        ("<", "<"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_html_to_text(fragment: str, expected: str) -> None:
    assert html_to_text(fragment) == expected


def test_html_to_text_block_elements_are_separate_paragraphs() -> None:
    text = html_to_text(
        "<article><h1>Night school</h1><p>First paragraph.</p>"
        "<blockquote>A quote.</blockquote><p>Last   paragraph.</p></article>"
    )
    assert text.split("\n\n") == ["Night school", "First paragraph.", "A quote.", "Last paragraph."]


@pytest.mark.parametrize(
    ("fragment", "words"),
    [
        ("Lead text<p>First paragraph</p>", ["text", "First"]),
        ("<div>Intro<p>Body</p></div>", ["Intro", "Body"]),
        ("<table><tr><td>Name</td><td>Age</td></tr></table>", ["Name", "Age"]),
    ],
)
def test_html_to_text_never_glues_words_of_separate_blocks(fragment: str, words: list[str]) -> None:
    assert set(words) <= set(re.findall(r"\w+", html_to_text(fragment)))


# --- content_hash --------------------------------------------------------------------------


def test_content_hash_folds_case_punctuation_and_spacing() -> None:
    base = content_hash("Adult learning week starts on Monday.")
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    for variant in [
        "adult learning week starts on monday",
        "ADULT  LEARNING\nWEEK -- starts on Monday!!!",
        "  Adult, learning; week: starts (on) Monday…  ",
    ]:
        assert content_hash(variant) == base, variant


def test_content_hash_folds_unicode_compatibility_forms() -> None:
    assert content_hash("ﬁne Straße") == content_hash("FINE STRASSE")  # NFKC ligature, casefold


def test_content_hash_differs_for_different_words() -> None:
    assert content_hash("Adult learning week") != content_hash("Adult learning weeks")
    assert content_hash("learning adult week") != content_hash("adult learning week")


@pytest.mark.parametrize("text", ["", "   ", "...!?", "— – •"])
def test_content_hash_empty_for_no_words(text: str) -> None:
    assert content_hash(text) == ""


# --- language_tag --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("fr-FR", "fr"),
        ("en_US", "en"),
        ("es", "es"),
        ("EN-gb", "en"),
        (" de-DE ", "de"),
        ("pt-BR, en;q=0.8", "pt"),
        ("zh-Hant-TW", "zh"),
        ("eng", ""),  # ISO 639-2 is not ISO 639-1
        ("x-klingon", ""),
        ("*", ""),
        ("12", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_language_tag(value: str | None, expected: str) -> None:
    assert language_tag(value) == expected


# --- render_table (watch.tables) -----------------------------------------------------------


def test_render_table_sizes_columns_to_content() -> None:
    table = render_table(["id", "title"], [["a", "Adult learning"], ["bb", "x"]])
    assert table.splitlines() == [
        "id  title",
        "--  --------------",
        "a   Adult learning",
        "bb  x",
    ]


def test_render_table_cuts_wide_cells_with_an_ellipsis() -> None:
    table = render_table(["id", "title"], [["a", "Adult learning week in Lyon"]], [5, 10])
    assert table.splitlines() == ["id  title", "--  ----------", "a   Adult lea…"]


def test_render_table_default_cap_is_60() -> None:
    lines = render_table(["title"], [["x" * 100]]).splitlines()
    assert lines[1] == "-" * 60
    assert lines[2] == "x" * 59 + "…"


def test_render_table_cuts_headers_too_and_folds_whitespace() -> None:
    lines = render_table(["description", "n"], [["multi\n line\ttext", 3]], [5]).splitlines()
    assert lines == ["desc…  n", "-----  -", "mult…  3"]
    assert render_table(["h"], [["multi\n  line\ttext"]]).splitlines()[2] == "multi line text"


def test_render_table_counts_wide_characters_as_two() -> None:
    lines = render_table(["lang", "title"], [["ja", "生涯学習"], ["en", "abc"]]).splitlines()
    assert lines[1] == "----  --------"  # 4 CJK characters are 8 columns
    assert lines[3] == "en    abc"
    # cut on a wide character: never half a character, padded to the exact width
    cut = render_table(["t"], [["生涯学習の日本"], ["abcdefg"]], [6]).splitlines()
    assert cut[2] == "生涯…"  # 2 + 2 + 1 = 5 columns, the last one stays blank (stripped)
    assert cut[3] == "abcde…"
    padded = render_table(["t", "n"], [["生涯学習の日本", 1]], [6]).splitlines()
    assert padded[2] == "生涯…   1"  # 5 columns + 1 space of padding + 2 of separator


def test_render_table_aligns_rows_of_mixed_width_characters() -> None:
    lines = render_table(["title", "n"], [["生涯", 1], ["ab", 2], ["abcd", 3]]).splitlines()
    assert lines[2:] == ["生涯   1", "ab     2", "abcd   3"]  # "生涯" is 4 columns wide


def test_render_table_without_rows() -> None:
    assert render_table(["a", "bb"], []) == "a  bb\n-  --"
