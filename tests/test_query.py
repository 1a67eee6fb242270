"""Tests of watch.query: trees (with positions), errors (with positions), round-trips."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watch.errors import QuerySyntaxError
from watch.query import (
    FIELDS,
    And,
    Field,
    Node,
    Not,
    Or,
    Phrase,
    Term,
    fields,
    parse,
    positive_terms,
    to_string,
)


# Short builders for the tables below (word, phrase, field, AND, OR, NOT).
def w(text: str, pos: int, prefix: bool = False) -> Term:
    return Term(text, pos, prefix)


def ph(text: str, pos: int) -> Phrase:
    return Phrase(text, pos)


def fd(name: str, value: str, pos: int) -> Field:
    return Field(name, value, pos)


def all_of(*children: Node) -> And:
    return And(children)


def any_of(*children: Node) -> Or:
    return Or(children)


def neg(child: Node, pos: int) -> Not:
    return Not(child, pos)


VALID: list[tuple[str, Node]] = [
    # words, phrases, implicit and explicit AND
    ("education", w("education", 0)),
    ("  education  ", w("education", 2)),
    ("adult education", all_of(w("adult", 0), w("education", 6))),
    ("adult AND education", all_of(w("adult", 0), w("education", 10))),
    ("a\tb\nc", all_of(w("a", 0), w("b", 2), w("c", 4))),
    ("a AND b AND c", all_of(w("a", 0), w("b", 6), w("c", 12))),
    ("a b AND c", all_of(w("a", 0), w("b", 2), w("c", 8))),
    ('"adult learning"', ph("adult learning", 0)),
    ('"  adult \t learning\n centres "', ph("adult learning centres", 0)),
    ('"education"', ph("education", 0)),
    ('x "a b" y', all_of(w("x", 0), ph("a b", 2), w("y", 8))),
    ('"a"b', all_of(ph("a", 0), w("b", 3))),
    ('a"b c"', all_of(w("a", 0), ph("b c", 1))),
    ('"AND" "NOT"', all_of(ph("AND", 0), ph("NOT", 6))),
    ("foo(bar)", all_of(w("foo", 0), w("bar", 4))),
    # OR and precedence
    ("a OR b", any_of(w("a", 0), w("b", 5))),
    ("a OR b OR c", any_of(w("a", 0), w("b", 5), w("c", 10))),
    ("a b OR c", any_of(all_of(w("a", 0), w("b", 2)), w("c", 7))),
    ("a OR b c", any_of(w("a", 0), all_of(w("b", 5), w("c", 7)))),
    ("a OR b AND c", any_of(w("a", 0), all_of(w("b", 5), w("c", 11)))),
    ("a AND b OR c AND d", any_of(all_of(w("a", 0), w("b", 6)), all_of(w("c", 11), w("d", 17)))),
    ("(a OR b) c", all_of(any_of(w("a", 1), w("b", 6)), w("c", 9))),
    ("a (b OR c)", all_of(w("a", 0), any_of(w("b", 3), w("c", 8)))),
    ("NOT a OR b", any_of(neg(w("a", 4), 0), w("b", 9))),
    ("NOT a b", all_of(neg(w("a", 4), 0), w("b", 6))),
    # parentheses and flattening
    ("(a)", w("a", 1)),
    ("((a))", w("a", 2)),
    ("a (b c)", all_of(w("a", 0), w("b", 3), w("c", 5))),
    ("(a b) (c d)", all_of(w("a", 1), w("b", 3), w("c", 7), w("d", 9))),
    ("a AND (b AND c)", all_of(w("a", 0), w("b", 7), w("c", 13))),
    ("a OR (b OR c)", any_of(w("a", 0), w("b", 6), w("c", 11))),
    ("(a OR b) OR (c OR d)", any_of(w("a", 1), w("b", 6), w("c", 13), w("d", 18))),
    ("(a OR b) (c OR d)", all_of(any_of(w("a", 1), w("b", 6)), any_of(w("c", 10), w("d", 15)))),
    ("a AND(b)", all_of(w("a", 0), w("b", 6))),
    # negation
    ("NOT a", neg(w("a", 4), 0)),
    ("-a", neg(w("a", 1), 0)),
    ("a -b", all_of(w("a", 0), neg(w("b", 3), 2))),
    ("a NOT b", all_of(w("a", 0), neg(w("b", 6), 2))),
    ("a AND NOT b", all_of(w("a", 0), neg(w("b", 10), 6))),
    ('-"foo bar"', neg(ph("foo bar", 1), 0)),
    ("-(a OR b)", neg(any_of(w("a", 2), w("b", 7)), 0)),
    ("NOT (a b)", neg(all_of(w("a", 5), w("b", 7)), 0)),
    ("NOT(a)", neg(w("a", 4), 0)),
    ("NOT NOT a", neg(neg(w("a", 8), 4), 0)),
    ("--a", neg(neg(w("a", 2), 1), 0)),
    ("-NOT a", neg(neg(w("a", 5), 1), 0)),
    ("(-a)", neg(w("a", 2), 1)),
    ('"a"-b', all_of(ph("a", 0), neg(w("b", 4), 3))),
    ("-lang:fr", neg(fd("lang", "fr", 1), 0)),
    ("-educat*", neg(w("educat", 1, True), 0)),
    ("e-learning", w("e-learning", 0)),
    ("a-", w("a-", 0)),
    ("a-b-", w("a-b-", 0)),
    # operators are upper case whole tokens only
    ("and or not", all_of(w("and", 0), w("or", 4), w("not", 7))),
    ("And Or", all_of(w("And", 0), w("Or", 4))),
    ("ANDROID ORB NOTE", all_of(w("ANDROID", 0), w("ORB", 8), w("NOTE", 12))),
    ("AND*", w("AND", 0, True)),
    # prefix
    ("educat*", w("educat", 0, True)),
    ("educat**", w("educat", 0, True)),
    ("a*b", w("a*b", 0)),
    ("*a", w("*a", 0)),
    ("literacy numera*", all_of(w("literacy", 0), w("numera", 9, True))),
    # fields and their normalisation
    ("lang:fr", fd("lang", "fr", 0)),
    ("lang:FR", fd("lang", "fr", 0)),
    ("lang:und", fd("lang", "und", 0)),
    ("lang:UND", fd("lang", "und", 0)),
    ("LANG:fr", fd("lang", "fr", 0)),
    ("Lang:Es", fd("lang", "es", 0)),
    ('lang:" fr "', fd("lang", "fr", 0)),
    ("country:sn", fd("country", "SN", 0)),
    ("country:SN", fd("country", "SN", 0)),
    ("country:global", fd("country", "global", 0)),
    ("country:Africa", fd("country", "africa", 0)),
    ("country:arab-states", fd("country", "arab-states", 0)),
    ("country:asia-pacific", fd("country", "asia-pacific", 0)),
    ("country:europe-north-america", fd("country", "europe-north-america", 0)),
    ("country:LATIN-AMERICA-CARIBBEAN", fd("country", "latin-america-caribbean", 0)),
    ("source:uil", fd("source", "uil", 0)),
    ('source:"uil"', fd("source", "uil", 0)),
    ('source:"UIL" x', all_of(fd("source", "uil", 0), w("x", 13))),
    ("source:UIL.unesco_x-1", fd("source", "uil.unesco_x-1", 0)),
    ("source:0a", fd("source", "0a", 0)),
    ("topic:adult-education", fd("topic", "adult-education", 0)),
    ("topic:Adult-Education", fd("topic", "adult-education", 0)),
    ("since:2026", fd("since", "2026-01-01", 0)),
    ("since:2026-03", fd("since", "2026-03-01", 0)),
    ("since:2026-03-15", fd("since", "2026-03-15", 0)),
    ("until:2026-03-15", fd("until", "2026-03-15", 0)),
    ("until:2024", fd("until", "2024-12-31", 0)),
    ("until:2026-01", fd("until", "2026-01-31", 0)),
    ("until:2026-02", fd("until", "2026-02-28", 0)),
    ("until:2024-02", fd("until", "2024-02-29", 0)),
    ("until:2000-02", fd("until", "2000-02-29", 0)),
    ("until:1900-02", fd("until", "1900-02-28", 0)),
    ("until:2026-04", fd("until", "2026-04-30", 0)),
    ("until:2026-12", fd("until", "2026-12-31", 0)),
    ("until:2024-02-29", fd("until", "2024-02-29", 0)),
    ('until:"2026-02"', fd("until", "2026-02-28", 0)),
    (
        "literacy lang:fr country:SN since:2025 until:2025-06",
        all_of(
            w("literacy", 0),
            fd("lang", "fr", 9),
            fd("country", "SN", 17),
            fd("since", "2025-01-01", 28),
            fd("until", "2025-06-30", 39),
        ),
    ),
    ("topic:a OR source:b", any_of(fd("topic", "a", 0), fd("source", "b", 11))),
    # plain words that contain ':'
    ("https://unesco.org/uil", w("https://unesco.org/uil", 0)),
    ("see http://x.org/a:b", all_of(w("see", 0), w("http://x.org/a:b", 4))),
    ("10:30", w("10:30", 0)),
    (":foo", w(":foo", 0)),
    ("a1:b", w("a1:b", 0)),
    ("10:", w("10:", 0)),
    ("x-y:z", w("x-y:z", 0)),
    ("https://x.org*", w("https://x.org", 0, True)),
    # unicode and symbols are word characters; control characters (NUL...) are blanks
    ("café éducation", all_of(w("café", 0), w("éducation", 5))),
    ("生涯学习 教育", all_of(w("生涯学习", 0), w("教育", 5))),
    ("C++ c#", all_of(w("C++", 0), w("c#", 4))),
    ("a\x00b", all_of(w("a", 0), w("b", 2))),
    ('"x\x1fy"', ph("x y", 0)),
    ("a\u00a0b", all_of(w("a", 0), w("b", 2))),
    (
        'x (a OR "b c") -(d e) lang:fr',
        all_of(
            w("x", 0),
            any_of(w("a", 3), ph("b c", 8)),
            neg(all_of(w("d", 17), w("e", 19)), 15),
            fd("lang", "fr", 22),
        ),
    ),
]

VALID_IDS = [repr(query) for query, _ in VALID]


@pytest.mark.parametrize(("query", "expected"), VALID, ids=VALID_IDS)
def test_parse_builds_the_expected_tree(query: str, expected: Node) -> None:
    tree = parse(query)
    assert tree == expected
    assert repr(tree) == repr(expected)  # repr includes the positions, == does not


@pytest.mark.parametrize(("query", "expected"), VALID, ids=VALID_IDS)
def test_to_string_round_trips(query: str, expected: Node) -> None:
    text = to_string(expected)
    again = parse(text)
    assert again == expected
    assert again is not None
    assert to_string(again) == text  # the canonical form is a fixed point


@pytest.mark.parametrize("query", ["", " ", "\t\n  ", "\u3000"])
def test_blank_query_is_none(query: str) -> None:
    assert parse(query) is None


def test_positions_are_not_part_of_equality() -> None:
    assert Term("a", 0) == Term("a", 7)
    assert hash(Phrase("a b", 0)) == hash(Phrase("a b", 3))
    assert Not(Term("a", 1), 0) == Not(Term("a", 5), 4)
    assert Term("a", 0) != Term("a", 0, prefix=True)
    assert Field("lang", "fr", 0) != Field("lang", "en", 0)


def test_fields_constant() -> None:
    assert (
        frozenset({"lang", "country", "source-country", "source", "topic", "since", "until"})
        == FIELDS
    )


def test_query_of_maximum_length_parses() -> None:
    tree = parse("a " * 5000)
    assert isinstance(tree, And)
    assert len(tree.children) == 5000
    assert tree.children[-1] == Term("a", 9998)


def test_nesting_of_maximum_depth_parses() -> None:
    assert parse("(" * 32 + "a" + ")" * 32) == Term("a", 32)
    tree: Node = Term("a", 0)
    for _ in range(32):
        tree = Not(tree, 0)
    assert parse("-" * 32 + "a") == tree
    assert parse("NOT " * 16 + "-" * 16 + "a") == tree


UNKNOWN = "unknown field '{}' (known: country, lang, since, source, source-country, topic, until)"

ERRORS: list[tuple[str, int, str]] = [
    # quotes
    ('"abc', 0, 'unclosed quote "'),
    ('"', 0, 'unclosed quote "'),
    ('a "b', 2, 'unclosed quote "'),
    ('a "b" "c', 6, 'unclosed quote "'),
    ('"a" "b" "', 8, 'unclosed quote "'),
    ('source:"uil', 7, 'unclosed quote "'),
    ('""', 0, 'empty phrase ""'),
    ('a "  " b', 2, 'empty phrase ""'),
    # parentheses
    ("(a", 0, "unclosed '('"),
    ("(", 0, "unclosed '('"),
    ("a (b (c)", 2, "unclosed '('"),
    ("((a) b", 0, "unclosed '('"),
    ("a)", 1, "unexpected ')'"),
    (")", 0, "unexpected ')'"),
    (") a", 0, "unexpected ')'"),
    ("(a))", 3, "unexpected ')'"),
    ("(a) b) c", 5, "unexpected ')'"),
    ("()", 0, "empty parentheses '()'"),
    ("a ( )", 2, "empty parentheses '()'"),
    ("(a OR ())", 6, "empty parentheses '()'"),
    # dangling operators
    ("AND", 0, "'AND' needs a term on both sides"),
    ("AND a", 0, "'AND' needs a term on both sides"),
    ("a AND", 2, "'AND' needs a term on both sides"),
    ("a AND OR b", 2, "'AND' needs a term on both sides"),
    ("a AND AND b", 2, "'AND' needs a term on both sides"),
    ("(AND a)", 1, "'AND' needs a term on both sides"),
    ("(a AND)", 3, "'AND' needs a term on both sides"),
    ("OR", 0, "'OR' needs a term on both sides"),
    ("OR a", 0, "'OR' needs a term on both sides"),
    ("a OR", 2, "'OR' needs a term on both sides"),
    ("a OR AND b", 2, "'OR' needs a term on both sides"),
    ("a OR OR b", 2, "'OR' needs a term on both sides"),
    ("a (OR b)", 3, "'OR' needs a term on both sides"),
    ("(a OR) b", 3, "'OR' needs a term on both sides"),
    ("NOT", 0, "'NOT' needs a term after it"),
    ("a NOT", 2, "'NOT' needs a term after it"),
    ("a NOT OR b", 2, "'NOT' needs a term after it"),
    ("(NOT)", 1, "'NOT' needs a term after it"),
    ("NOT NOT", 4, "'NOT' needs a term after it"),
    ("-AND a", 0, "'-' needs a term right after it"),
    ("a -OR b", 2, "'-' needs a term right after it"),
    # lone '-' and '*'
    ("-", 0, "a lone '-'"),
    ("a - b", 2, "a lone '-'"),
    ("a -", 2, "a lone '-'"),
    ("(a -)", 3, "a lone '-'"),
    ("-- a", 1, "a lone '-'"),
    ("*", 0, "a lone '*'"),
    ("**", 0, "a lone '*'"),
    ("a * b", 2, "a lone '*'"),
    ("-*", 1, "a lone '*'"),
    ('"a"*', 3, "a lone '*'"),
    ("(a)*", 3, "a lone '*'"),
    # empty field values
    ("lang:", 0, "field 'lang:' needs a value"),
    ("a source:", 2, "field 'source:' needs a value"),
    ('topic:""', 0, "field 'topic:' needs a value"),
    ('until:"  "', 0, "field 'until:' needs a value"),
    # bad field values: the position is that of the field
    ("lang:xx", 0, "invalid value 'xx' for lang"),
    ("a lang:fra", 2, "invalid value 'fra' for lang"),
    ("lang:f", 0, "invalid value 'f' for lang"),
    ("lang:f1", 0, "invalid value 'f1' for lang"),
    ("lang:ﬀ", 0, "invalid value 'ﬀ' for lang"),
    ("lang:french", 0, "did you mean lang:fr?"),
    ("lang:/fr", 0, "invalid value '/fr' for lang"),
    ("lang:fr*", 0, "invalid value 'fr*' for lang"),
    ("country:XX", 0, "invalid value 'XX' for country"),
    ("country:SEN", 0, "invalid value 'SEN' for country"),
    ("country:mars", 0, "invalid value 'mars' for country"),
    ("country:UK", 0, "did you mean country:GB?"),
    ("country:Senegal", 0, "did you mean country:SN?"),
    ("country:ſn", 0, "invalid value 'ſn' for country"),
    ("source:-uil", 0, "invalid value '-uil' for source"),
    ("source:u/il", 0, "invalid value 'u/il' for source"),
    ("source:ü", 0, "invalid value 'ü' for source"),
    ('source:"u i l"', 0, "invalid value 'u i l' for source"),
    ("topic:_x", 0, "invalid value '_x' for topic"),
    ("topic:a+b", 0, "invalid value 'a+b' for topic"),
    ("since:2026-13-01", 0, "invalid value '2026-13-01' for since"),
    ("since:2026-02-30", 0, "invalid value '2026-02-30' for since"),
    ("since:2026-00", 0, "invalid value '2026-00' for since"),
    ("since:0000", 0, "invalid value '0000' for since"),
    ("since:26", 0, "invalid value '26' for since"),
    ("since:2026-1-1", 0, "invalid value '2026-1-1' for since"),
    ("since:2026/01/01", 0, "invalid value '2026/01/01' for since"),
    ("since:２０２６", 0, "invalid value '２０２６' for since"),
    ("since:yesterday", 0, "use a date as YYYY, YYYY-MM or YYYY-MM-DD"),
    ("until:2026-13", 0, "invalid value '2026-13' for until"),
    ("until:2023-02-29", 0, "invalid value '2023-02-29' for until"),
    ("a b until:2026-04-31", 4, "invalid value '2026-04-31' for until"),
    # unknown fields
    ("title:foo", 0, UNKNOWN.format("title")),
    ("a Title:x", 2, UNKNOWN.format("Title")),
    ('title:"x y"', 0, UNKNOWN.format("title")),
    ("author_name:", 0, UNKNOWN.format("author_name")),
    ("a:b:c", 0, UNKNOWN.format("a")),
    ("AND:x", 0, UNKNOWN.format("AND")),
    ("-note:x", 1, UNKNOWN.format("note")),
    ("isbn:978-3", 0, UNKNOWN.format("isbn")),
    # limits
    ("a" * 10_001, 10_000, "query too long (10,001 characters)"),
    (" " * 20_000, 10_000, "query too long"),
    ("(" * 33 + "a" + ")" * 33, 32, "nested too deeply"),
    ("-" * 33 + "a", 32, "nested too deeply"),
    ("NOT " * 33 + "a", 128, "nested too deeply"),
    ("(-" * 17 + "a" + ")" * 17, 32, "nested too deeply"),
    ("-" * 5000 + "a", 32, "nested too deeply"),
    ("(" * 5000, 32, "nested too deeply"),
]


@pytest.mark.parametrize(
    ("query", "pos", "message"), ERRORS, ids=[repr(q[:40]) for q, _, _ in ERRORS]
)
def test_errors_name_the_culprit(query: str, pos: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert error.pos == pos
    assert error.query == query
    assert message in error.args[0]
    assert str(error) == f"query error at position {pos + 1}: {error.args[0]}"


def test_error_messages_say_what_to_do() -> None:
    cases = {
        '"abc': 'unclosed quote ": add the closing " or remove this one',
        "a AND": "'AND' needs a term on both sides, e.g. a AND b",
        "(a": "unclosed '(': add a ')' to close it",
        "lang:xx": "invalid value 'xx' for lang: use a two-letter ISO 639-1 code such as lang:fr,"
        " or lang:und",
        "title:x": UNKNOWN.format("title"),
    }
    for query, message in cases.items():
        with pytest.raises(QuerySyntaxError) as caught:
            parse(query)
        assert caught.value.args[0] == message


def test_error_str_is_one_based() -> None:
    with pytest.raises(QuerySyntaxError, match=r"^query error at position 3: 'AND' needs"):
        parse("a AND")


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("a AND b", "a b"),
        ("a  b   OR  c", "a b OR c"),
        ("(a OR b) c", "(a OR b) c"),
        ("(a b) OR c", "a b OR c"),
        ("NOT a", "-a"),
        ("NOT (a b)", "-(a b)"),
        ("NOT (a OR b)", "-(a OR b)"),
        ("NOT NOT a", "--a"),
        ("-(-a)", "--a"),
        ("-(a)", "-a"),
        ('-(  "a   b" )', '-"a b"'),
        ('source:"UIL"', "source:uil"),
        ("Lang:FR", "lang:fr"),
        ("country:sn", "country:SN"),
        ("until:2024-02", "until:2024-02-29"),
        ("since:2026", "since:2026-01-01"),
        ("educat**", "educat*"),
        ('"  a   b "', '"a b"'),
        ("a (b (c OR d))", "a b (c OR d)"),
        ("a OR (b c) OR -d", "a OR b c OR -d"),
    ],
)
def test_to_string_is_canonical(query: str, canonical: str) -> None:
    tree = parse(query)
    assert tree is not None
    assert to_string(tree) == canonical


def test_to_string_groups_hand_built_trees() -> None:
    tree = And((Or((Term("a", 0), Term("b", 0))), Not(Or((Term("c", 0), Term("d", 0))), 0)))
    assert to_string(tree) == "(a OR b) -(c OR d)"
    assert parse(to_string(tree)) == tree


@pytest.mark.parametrize(
    "leaf",
    [
        Term("", 0),
        Term("a b", 0),
        Term("AND", 0),
        Term("-a", 0),
        Term("a*", 0),
        Term("lang:fr", 0),
        Term("(a)", 0),
        Phrase("", 0),
        Phrase('say "hi"', 0),
        Phrase("a  b", 0),
        Field("lang", "FR", 0),
        Field("lang", "", 0),
        Field("title", "x", 0),
        Field("until", "2026-02", 0),
        Field("source", "a b", 0),
    ],
    ids=repr,
)
def test_to_string_rejects_unwritable_leaves(leaf: Term | Phrase | Field) -> None:
    with pytest.raises(ValueError, match="cannot be written as query text"):
        to_string(leaf)
    with pytest.raises(ValueError, match="cannot be written as query text"):
        to_string(And((Term("x", 0), Not(leaf, 0))))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("education", ["education"]),
        ("lang:fr", []),
        ("-a", []),
        ("a b OR c", ["a", "b", "c"]),
        ('a -b "c d" NOT (e f) lang:fr g* OR h', ["a", "c d", "g", "h"]),
        ("NOT (a -b) c", ["c"]),
        ("a a", ["a", "a"]),
        ('(x OR "y z") -"w"', ["x", "y z"]),
    ],
)
def test_positive_terms(query: str, expected: list[str]) -> None:
    tree = parse(query)
    assert tree is not None
    assert positive_terms(tree) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("education", []),
        ("lang:fr", [Field("lang", "fr", 0)]),
        (
            "lang:fr -(source:uil) (a OR country:sn) NOT until:2024",
            [
                Field("lang", "fr", 0),
                Field("source", "uil", 10),
                Field("country", "SN", 28),
                Field("until", "2024-12-31", 44),
            ],
        ),
    ],
)
def test_fields(query: str, expected: list[Field]) -> None:
    tree = parse(query)
    assert tree is not None
    found = fields(tree)
    assert found == expected
    assert [f.pos for f in found] == [f.pos for f in expected]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


def _check_positions(tree: Node, query: str) -> None:
    """Every position points at the text the node came from."""
    if isinstance(tree, And | Or):
        for child in tree.children:
            _check_positions(child, query)
    elif isinstance(tree, Not):
        assert query.startswith(("-", "NOT"), tree.pos)
        _check_positions(tree.child, query)
    elif isinstance(tree, Term):
        assert query.startswith(tree.text, tree.pos)
    elif isinstance(tree, Phrase):
        assert query[tree.pos] == '"'
    else:
        assert query[tree.pos : tree.pos + len(tree.name)].lower() == tree.name


def _parse_or_error(query: str) -> Node | QuerySyntaxError | None:
    try:
        return parse(query)
    except QuerySyntaxError as error:
        return error


def _check_any_query(query: str) -> None:
    tree = _parse_or_error(query)
    if isinstance(tree, QuerySyntaxError):
        assert 0 <= tree.pos < len(query)
        assert tree.query == query
        return
    if tree is None:
        assert not re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", query).strip()  # blanks, controls
        return
    assert isinstance(tree, Term | Phrase | Field | And | Or | Not)
    _check_positions(tree, query)
    text = to_string(tree)
    again = parse(text)
    assert again == tree
    assert again is not None
    assert to_string(again) == text


@settings(max_examples=300, database=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_raises_query_syntax_error(query: str) -> None:
    _check_any_query(query)


_PIECES = [
    *' \t()"-*:',
    *"abcXYZé0",
    " AND ",
    " OR ",
    " NOT ",
    "and",
    "lang:",
    "country:",
    "source:",
    "topic:",
    "since:",
    "until:",
    "title:",
    "fr",
    "SN",
    "africa",
    "2024-02",
    "2026",
    "https://x.org",
    "10:30",
    "e-learning",
    "educat*",
]


@settings(max_examples=500, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_query_like_text_parses_or_raises_query_syntax_error(query: str) -> None:
    _check_any_query(query)
