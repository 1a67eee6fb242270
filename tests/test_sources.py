"""Tests of watch.sources: the watch-list model, its checks, durations and selection."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from watch.errors import ConfigError
from watch.sources import (
    FOCUSES,
    KEYS,
    KINDS,
    ORG_TYPES,
    REGIONS,
    Selectors,
    Source,
    check_sources,
    compile_selector,
    format_duration,
    load_sources,
    parse_duration,
    select_sources,
)

# The keys of one_source() and the line each is on (line 1 is "sources:").
BASE = {
    "id": "a",
    "name": "A",
    "url": "https://a.org/feed",
    "country": "FR",
    "languages": "[fr]",
    "org_type": "ngo",
}
LINE = {key: number for number, key in enumerate(BASE, start=2)}
EXTRA_LINE = 2 + len(BASE)


def one_source(**values: str | None) -> str:
    """A watch list with one valid source; a value replaces a key's YAML, None drops the key.

    Keys not in BASE are added at the end, from line EXTRA_LINE on.
    """
    merged = {**BASE, **values}
    lines = [f"{key}: {value}" for key, value in merged.items() if value is not None]
    return "sources:\n  - " + "\n    ".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_in(tmp_path: Path, text: str) -> list[str]:
    """The problems of ``text``, without the leading ``<path>:``."""
    path = write(tmp_path, text)
    _, problems = check_sources(path)
    return [problem.removeprefix(f"{path}:") for problem in problems]


def sources_in(tmp_path: Path, text: str) -> list[Source]:
    sources, problems = check_sources(write(tmp_path, text))
    assert problems == []
    return sources


def make(source_id: str, enabled: bool = True) -> Source:
    return Source(
        id=source_id,
        name=source_id.upper(),
        url=f"https://{source_id}.org/feed",
        kind="feed",
        country="FR",
        languages=("fr",),
        org_type="ngo",
        focus="lifelong-learning",
        weight=1.0,
        tags=(),
        enabled=enabled,
        interval=21600,
    )


# --- constants ---------------------------------------------------------------------------------


def test_allowed_values() -> None:
    assert KINDS == ("feed", "sitemap", "page")
    assert FOCUSES == ("lifelong-learning", "general")
    assert ORG_TYPES[0] == "un-agency"
    assert len(ORG_TYPES) == 8
    assert REGIONS[0] == "global"
    assert len(REGIONS) == 6
    assert {"id", "name", "url", "interval", "homepage"} <= KEYS
    assert "line" not in KEYS


# --- valid files -------------------------------------------------------------------------------


def test_minimal_source_gets_builtin_defaults(tmp_path: Path) -> None:
    assert sources_in(tmp_path, one_source()) == [
        Source(
            id="a",
            name="A",
            url="https://a.org/feed",
            kind="feed",
            country="FR",
            languages=("fr",),
            org_type="ngo",
            focus="lifelong-learning",
            weight=1.0,
            tags=(),
            enabled=True,
            interval=6 * 3600,
            homepage="",
            line=2,
        )
    ]


def test_defaults_section_applies_and_entries_override_it(tmp_path: Path) -> None:
    text = """\
        defaults:
          interval: 1d
          weight: 2
          country: global
          languages: en
          enabled: no
        sources:
          - id: a
            name: A
            url: https://a.org/feed
            org_type: un-agency
          - id: b
            name: B
            url: http://b.org/rss.xml
            org_type: media
            focus: general
            country: br
            languages: [pt, es]
            weight: 0.5
            interval: 1h30m
            enabled: true
            tags: [EPALE, adult-education]
            homepage: https://b.org/
        """
    first, second = sources_in(tmp_path, text)
    assert (first.interval, first.weight, first.country, first.languages) == (
        86400,
        2.0,
        "global",
        ("en",),
    )
    assert first.enabled is False
    assert first.line == 8
    assert isinstance(first.weight, float)
    assert (second.country, second.languages, second.weight, second.interval) == (
        "BR",
        ("pt", "es"),
        0.5,
        5400,
    )
    assert second.enabled is True
    assert second.focus == "general"
    assert second.line == 12
    assert second.tags == ("epale", "adult-education")
    assert second.homepage == "https://b.org/"


def test_codes_are_normalised(tmp_path: Path) -> None:
    text = one_source(country="gb", languages="EN", org_type="NGO", tags="[A, a, b]")
    (source,) = sources_in(tmp_path, text)
    assert source.country == "GB"
    assert source.languages == ("en",)
    assert source.org_type == "ngo"
    assert source.tags == ("a", "b")


def test_region_is_lower_case(tmp_path: Path) -> None:
    (source,) = sources_in(tmp_path, one_source(country="Asia-Pacific"))
    assert source.country == "asia-pacific"


def test_norway_and_norwegian_are_not_yaml_booleans(tmp_path: Path) -> None:
    (source,) = sources_in(tmp_path, one_source(country="NO", languages="[no, nb]"))
    assert source.country == "NO"
    assert source.languages == ("no", "nb")


def test_yaml_types_resolve_as_usual(tmp_path: Path) -> None:
    (source,) = sources_in(tmp_path, one_source(enabled="off", weight="3", name="'2030'"))
    assert source.enabled is False
    assert source.weight == 3.0
    assert source.name == "2030"


def test_anchors_and_aliases_work(tmp_path: Path) -> None:
    text = """\
        sources:
          - id: a
            name: A
            url: https://a.org/feed
            country: FR
            languages: &langs [fr, en]
            org_type: ngo
          - id: b
            name: B
            url: https://b.org/feed
            country: BE
            languages: *langs
            org_type: ngo
        """
    assert [source.languages for source in sources_in(tmp_path, text)] == [("fr", "en")] * 2


# --- problems in the file as a whole -----------------------------------------------------------


def test_problem_line_format_uses_the_path_as_given(tmp_path: Path) -> None:
    path = write(tmp_path, one_source(contry="FR"))
    expected = f"{path}:{EXTRA_LINE}: source 'a': unknown key 'contry' — did you mean 'country'?"
    assert check_sources(path)[1] == [expected]
    assert check_sources(str(path))[1] == [expected]


def test_yaml_syntax_error_is_one_problem_with_line_and_column(tmp_path: Path) -> None:
    text = """\
        sources:
          - id: a
           name: b
          - id: [c
        """
    assert problems_in(tmp_path, text) == [
        "3:4: YAML syntax error: expected <block end>, but found '<block mapping start>'"
        " — check indentation and quoting near here"
    ]


def test_forbidden_character_is_a_syntax_error(tmp_path: Path) -> None:
    problems = problems_in(tmp_path, "sources:\n  - id: a\x07\n")
    assert len(problems) == 1
    assert problems[0].startswith("2:10: YAML syntax error: unacceptable character #x0007")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"sources:\n  - name: caf\xe9\n")
    assert check_sources(path)[1] == [f"{path}:2: the file is not UTF-8 text — save it as UTF-8"]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert problems_in(tmp_path, text) == [
        "1: the file is empty — add 'sources:' followed by '- id: ...'"
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [("- id: a\n", "a list"), ("hello\n", "the text 'hello'"), ("42\n", "a number (42)")],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    assert problems_in(tmp_path, text) == [
        f"1: the top level is {found}, not a mapping"
        " — start the file with 'sources:' (and optionally 'defaults:')"
    ]


def test_missing_sources(tmp_path: Path) -> None:
    assert problems_in(tmp_path, "defaults:\n  weight: 1\n") == [
        "1: no 'sources' key — add 'sources:' followed by '- id: ...'"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("sources: https://a.org/feed\n", "'sources' is the text 'https://a.org/feed', not a list"),
        ("sources:\n  id: a\n", "'sources' is a mapping, not a list"),
    ],
)
def test_sources_must_be_a_list(tmp_path: Path, text: str, problem: str) -> None:
    assert problems_in(tmp_path, text) == [
        f"1: {problem} — write each source as a '- id: ...' entry"
    ]


@pytest.mark.parametrize("text", ["sources:\n", "sources: []\n"])
def test_sources_must_not_be_empty(tmp_path: Path, text: str) -> None:
    assert problems_in(tmp_path, text) == [
        "1: 'sources' is empty — add at least one '- id: ...' entry"
    ]


def test_unknown_top_level_keys(tmp_path: Path) -> None:
    text = one_source() + "source: []\nversion: 2\n"
    assert problems_in(tmp_path, text) == [
        f"{EXTRA_LINE}: unknown key 'source' — did you mean 'sources'?",
        f"{EXTRA_LINE + 1}: unknown key 'version' — remove it (allowed: defaults, sources)",
    ]


def test_entry_that_is_not_a_mapping(tmp_path: Path) -> None:
    text = one_source() + "  - https://b.org/feed\n  -\n"
    todo = "write 'id: ...', 'name: ...' and the other keys under the '-'"
    problems = problems_in(tmp_path, text)
    assert problems[0] == (
        f"{EXTRA_LINE}: source #2: the entry is the text 'https://b.org/feed', not a mapping"
        f" — {todo}"
    )
    assert problems[1].endswith(f"source #3: the entry is empty, not a mapping — {todo}")
    assert len(problems) == 2


# --- problems in entries -----------------------------------------------------------------------


def test_unknown_key_without_a_close_match_lists_the_allowed_keys(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, one_source(notes="red"))
    assert problem == (
        f"{EXTRA_LINE}: source 'a': unknown key 'notes' — remove it (allowed: id, name, url,"
        " kind, country, languages, org_type, focus, weight, tags, enabled, interval, homepage,"
        " selectors, max_pages, since, match)"
    )


def test_merge_key_is_reported(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, one_source(**{"<<": "{focus: general}"}))
    assert problem == (
        f"{EXTRA_LINE}: source 'a': unknown key '<<'"
        " — merge keys are not supported: put shared values under 'defaults:'"
    )


@pytest.mark.parametrize("key", ["id", "name", "url", "country", "languages", "org_type"])
def test_missing_required_key(tmp_path: Path, key: str) -> None:
    label = "source #1" if key == "id" else "source 'a'"
    assert problems_in(tmp_path, one_source(**{key: None})) == [
        f"{LINE['id']}: {label}: missing '{key}' — add '{key}: ...'"
    ]


def test_every_missing_key_is_reported(tmp_path: Path) -> None:
    assert problems_in(tmp_path, "sources:\n  - id: a\n") == [
        f"2: source 'a': missing '{key}' — add '{key}: ...'"
        for key in ("name", "url", "country", "languages", "org_type")
    ]


def test_required_key_may_come_from_defaults(tmp_path: Path) -> None:
    text = "defaults:\n  country: global\n" + one_source(country=None)
    (source,) = sources_in(tmp_path, text)
    assert source.country == "global"


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("name", "", "'name' has no value — give one"),
        ("weight", "~", "'weight' has no value — give one, or remove the line"),
        ("tags", "", "'tags' has no value — give one, or remove the line"),
    ],
)
def test_null_value(tmp_path: Path, key: str, value: str, problem: str) -> None:
    line = LINE.get(key, EXTRA_LINE)
    assert problems_in(tmp_path, one_source(**{key: value})) == [f"{line}: source 'a': {problem}"]


NUMBER_TODO = "write a number from 0 to 10, e.g. weight: 1.5"
BOOL_TODO = "write enabled: true or enabled: false, without quotes"
TEXT_TODO = "write it as one line of text"
WRONG_TYPES = [
    ("name", "2030", "name must be text, not a number (2030) — quote it: name: '2030'"),
    ("name", "[A, B]", f"name must be text, not a list — {TEXT_TODO}"),
    ("id", "yes", "id must be text, not a bool (yes) — quote it: id: 'yes'"),
    ("url", "{a: b}", f"url must be text, not a mapping — {TEXT_TODO}"),
    ("country", "[FR]", "country must be text, not a list — write e.g. FR"),
    ("languages", "{fr: 1}", "languages must be a list, not a mapping — write e.g. [en, fr]"),
    ("org_type", "3", "org_type must be text, not a number (3) — quote it: org_type: '3'"),
    ("weight", "'2'", f"weight must be a number, not the text '2' — {NUMBER_TODO}"),
    ("weight", "true", f"weight must be a number, not a bool (true) — {NUMBER_TODO}"),
    ("tags", "cpf", "tags must be a list, not the text 'cpf' — write e.g. [cpf, adult-education]"),
    ("enabled", "'true'", f"enabled must be true or false, not the text 'true' — {BOOL_TODO}"),
    ("enabled", "1", f"enabled must be true or false, not a number (1) — {BOOL_TODO}"),
    ("interval", "[6h]", "interval must be text, not a list — write e.g. 6h"),
    ("name", "2024-13-45", "name cannot be read (month must be in 1..12) — quote the value"),
]


@pytest.mark.parametrize(("key", "value", "problem"), WRONG_TYPES)
def test_wrong_type(tmp_path: Path, key: str, value: str, problem: str) -> None:
    label = "source 'yes'" if key == "id" else "source 'a'"
    line = LINE.get(key, EXTRA_LINE)
    assert problems_in(tmp_path, one_source(**{key: value})) == [f"{line}: {label}: {problem}"]


ID = "is not a valid id — use 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit"
URL = "is not an http(s) URL with a host"
URL_TODO = "write a full address like https://example.org/feed"
COUNTRY = "is not an ISO 3166-1 alpha-2 code or a region"
REGION_LIST = (
    "global, africa, arab-states, asia-pacific, europe-north-america, latin-america-caribbean"
)
LANGUAGE = "is not an ISO 639-1 two-letter code"
ORG_LIST = "un-agency, intergovernmental, government, ngo, network, research, media, other"
RANGE = "is out of range — use a number from 0 to 10"
DURATION = (
    "is not a duration — write a number and a unit s, m, h, d or w, e.g. 30m, 6h, 1d or 1h30m"
)
BAD_VALUES = [  # key, YAML value, problem
    ("id", "Centre Inffo", f"id 'Centre Inffo' {ID}, e.g. 'centre-inffo'"),
    ("id", "-a", f"id '-a' {ID}, e.g. 'a'"),
    ("id", "a" * 65, f"id '{'a' * 65}' {ID}, e.g. '{'a' * 64}'"),
    ("name", "'  '", "name is empty — give the organisation's name"),
    ("url", "ftp://a.org/feed", f"url 'ftp://a.org/feed' {URL} — {URL_TODO}"),
    ("url", "https:///feed", f"url 'https:///feed' {URL} — {URL_TODO}"),
    ("url", "'https://a.org:x/'", f"url 'https://a.org:x/' {URL} — {URL_TODO}"),
    ("url", "'https://a.org/my feed'", f"url 'https://a.org/my feed' {URL} — {URL_TODO}"),
    ("url", "a.org/feed", f"url 'a.org/feed' {URL} — add the scheme: https://a.org/feed"),
    ("homepage", "a.org", f"homepage 'a.org' {URL} — add the scheme: https://a.org"),
    ("kind", "rss", "kind 'rss' is not allowed — use one of: feed, sitemap, page"),
    (
        "kind",
        "site",
        "kind 'site' is not allowed — did you mean 'sitemap'? (allowed: feed, sitemap, page)",
    ),
    ("country", "UK", f"country 'UK' {COUNTRY} — did you mean GB?"),
    ("country", "France", f"country 'France' {COUNTRY} — did you mean FR?"),
    ("country", "fra", f"country 'fra' {COUNTRY} — did you mean FR?"),
    ("country", "europe", f"country 'europe' {COUNTRY} — did you mean europe-north-america?"),
    ("country", "afrika", f"country 'afrika' {COUNTRY} — did you mean africa?"),
    ("country", "XX", f"country 'XX' {COUNTRY} — use a code such as FR, or one of: {REGION_LIST}"),
    ("languages", "[]", "languages is empty — list at least one ISO 639-1 code, e.g. [en]"),
    ("languages", "French", f"language 'french' {LANGUAGE} — did you mean fr?"),
    ("languages", "'fr, en'", f"language 'fr, en' {LANGUAGE} — write a list: [fr, en]"),
    (
        "languages",
        "[fr, zz]",
        f"language 'zz' {LANGUAGE} — use two-letter codes such as en, fr, es",
    ),
    (
        "org_type",
        "ngos",
        f"org_type 'ngos' is not allowed — did you mean 'ngo'? (allowed: {ORG_LIST})",
    ),
    ("org_type", "club", f"org_type 'club' is not allowed — use one of: {ORG_LIST}"),
    ("focus", "adult", "focus 'adult' is not allowed — use one of: lifelong-learning, general"),
    ("weight", "11", f"weight 11 {RANGE}"),
    ("weight", "-0.5", f"weight -0.5 {RANGE}"),
    ("weight", ".nan", f"weight .nan {RANGE}"),
    ("tags", "[Adult Education]", "tag 'adult education' is not a slug — write 'adult-education'"),
    ("tags", "['!!']", "tag '!!' is not a slug — use a-z, 0-9, '.', '_' and '-' only"),
    ("interval", "6 hours", f"interval '6 hours' {DURATION}"),
    ("interval", "3600", "interval '3600' has no unit — add s, m, h, d or w, e.g. 3600s"),
    ("interval", "1:30", f"interval '1:30' {DURATION}"),
    ("interval", "4m59s", "interval 4m59s is out of range — use between 5m and 30d"),
    ("interval", "30d1s", "interval 30d1s is out of range — use between 5m and 30d"),
]


@pytest.mark.parametrize(("key", "value", "problem"), BAD_VALUES)
def test_bad_value(tmp_path: Path, key: str, value: str, problem: str) -> None:
    label = f"source '{value}'" if key == "id" else "source 'a'"
    line = LINE.get(key, EXTRA_LINE)
    path = write(tmp_path, one_source(**{key: value}))
    sources, problems = check_sources(path)
    assert problems == [f"{path}:{line}: {label}: {problem}"]
    assert sources == []


def test_every_bad_list_item_is_reported_at_its_own_line(tmp_path: Path) -> None:
    text = """\
        sources:
          - id: a
            name: A
            url: https://a.org/feed
            country: FR
            languages:
              - fr
              - xx
              - fra
            tags:
              - ok
              - not ok
              -
              - [x]
            org_type: ngo
            country: [FR]
        """
    assert problems_in(tmp_path, text) == [
        "8: source 'a': language 'xx' is not an ISO 639-1 two-letter code"
        " — use two-letter codes such as en, fr, es",
        "9: source 'a': language 'fra' is not an ISO 639-1 two-letter code — did you mean fr?",
        "12: source 'a': tag 'not ok' is not a slug — write 'not-ok'",
        "13: source 'a': tags has an empty item — remove it or give a value",
        "14: source 'a': tags must be text, not a list — write e.g. [cpf]",
        "16: source 'a': duplicate key 'country' (first on line 5)"
        " — keep only one (YAML would silently use the last)",
    ]


def test_interval_bounds_are_inclusive(tmp_path: Path) -> None:
    assert sources_in(tmp_path, one_source(interval="5m"))[0].interval == 300
    assert sources_in(tmp_path, one_source(interval="30d"))[0].interval == 30 * 86400


# --- duplicates --------------------------------------------------------------------------------


TWO_SOURCES = """\
    sources:
      - id: a
        name: A
        url: https://a.org/feed
        country: FR
        languages: fr
        org_type: ngo
      - id: {second_id}
        name: B
        url: {second_url}
        country: FR
        languages: fr
        org_type: ngo
    """


def test_duplicate_id_is_reported_at_the_second(tmp_path: Path) -> None:
    text = TWO_SOURCES.format(second_id="a", second_url="https://b.org/feed")
    path = write(tmp_path, text)
    sources, problems = check_sources(path)
    assert problems == [
        f"{path}:8: source 'a': duplicate id 'a' (first on line 2) — give each source its own id"
    ]
    assert [(source.id, source.name) for source in sources] == [("a", "A")]


@pytest.mark.parametrize(
    "url", ["https://a.org/feed", "https://a.org/feed/", "HTTP://A.ORG/feed", "http://a.org/feed"]
)
def test_duplicate_url_is_reported_at_the_second(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, TWO_SOURCES.format(second_id="b", second_url=url))
    sources, problems = check_sources(path)
    assert problems == [
        f"{path}:10: source 'b': url '{url}' is already used by source 'a' (line 4)"
        " — keep one of the two entries"
    ]
    assert [source.id for source in sources] == ["a"]


def test_different_urls_on_one_host_are_fine(tmp_path: Path) -> None:
    text = TWO_SOURCES.format(second_id="b", second_url="https://a.org/feed?lang=en")
    assert len(sources_in(tmp_path, text)) == 2


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    text = """\
        defaults:
          weight: 1
          weight: 2
        sources:
          - id: a
            name: A
            url: https://a.org/feed
            country: FR
            languages: fr
            name: B
            org_type: ngo
        sources: []
        """
    assert problems_in(tmp_path, text) == [
        "3: defaults: duplicate key 'weight' (first on line 2)"
        " — keep only one (YAML would silently use the last)",
        "10: source 'a': duplicate key 'name' (first on line 6)"
        " — keep only one (YAML would silently use the last)",
        "12: duplicate key 'sources' (first on line 4)"
        " — keep only one (YAML would silently use the last)",
    ]


# --- defaults ----------------------------------------------------------------------------------


def test_defaults_problems(tmp_path: Path) -> None:
    text = """\
        defaults:
          id: x
          url: https://x.org
          wieght: 2
          notes: red
        """
    text = textwrap.dedent(text) + one_source()
    assert problems_in(tmp_path, text) == [
        "2: defaults: 'id' cannot have a default — set it in each source instead",
        "3: defaults: 'url' cannot have a default — set it in each source instead",
        "4: defaults: unknown key 'wieght' — did you mean 'weight'?",
        "5: defaults: unknown key 'notes' — remove it (allowed: id, name, url, kind, country,"
        " languages, org_type, focus, weight, tags, enabled, interval, homepage, selectors,"
        " max_pages, since, match)",
    ]


def test_defaults_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems_in(tmp_path, "defaults: [a]\n" + one_source()) == [
        "1: defaults: defaults is a list, not a mapping"
        " — write 'key: value' lines under 'defaults:'"
    ]


def test_empty_defaults_are_fine(tmp_path: Path) -> None:
    assert len(sources_in(tmp_path, "defaults:\n" + one_source())) == 1


def test_bad_default_is_reported_once_and_leaves_out_the_sources_using_it(
    tmp_path: Path,
) -> None:
    text = """\
        defaults:
          interval: 2m
        sources:
          - id: a
            name: A
            url: https://a.org/feed
            country: FR
            languages: fr
            org_type: ngo
          - id: b
            name: B
            url: https://b.org/feed
            country: FR
            languages: fr
            org_type: ngo
            interval: 1h
        """
    path = write(tmp_path, text)
    sources, problems = check_sources(path)
    assert problems == [f"{path}:2: defaults: interval 2m is out of range — use between 5m and 30d"]
    assert [source.id for source in sources] == ["b"]


# --- every problem, in line order; good sources kept --------------------------------------------


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = """\
        sources:
          - id: a
            name: A
            url: https://a.org/feed
            contry: FR
            languages: [fr]
            org_type: ngo
            weight: 20
          - id: good
            name: Good
            url: https://good.org/feed
            country: FR
            languages: [fr]
            org_type: ngo
          - id: c
            name: C
            url: https://a.org/feed
            country: UK
            languages: [fr]
            org_type: club
        extra: 1
        """
    path = write(tmp_path, text)
    sources, problems = check_sources(path)
    assert [problem.split(": ", 2)[0].rsplit(":", 1)[1] for problem in problems] == [
        "2",
        "5",
        "8",
        "17",
        "18",
        "20",
        "21",
    ]
    assert problems[0].endswith("source 'a': missing 'country' — add 'country: ...'")
    assert [source.id for source in sources] == ["good"]
    assert sources[0].line == 9


# --- load_sources ------------------------------------------------------------------------------


def test_load_sources_returns_the_sources(tmp_path: Path) -> None:
    assert [source.id for source in load_sources(write(tmp_path, one_source()))] == ["a"]


def test_load_sources_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, one_source(country="UK", weight="11"))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value) == f"{path}: 2 problem(s) in the watch list"
    assert caught.value.problems == check_sources(path)[1]
    assert len(caught.value.problems) == 2


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    message = f"{path}: no such file — give --sources FILE or create feeds.yaml"
    with pytest.raises(ConfigError, match="no such file") as caught:
        load_sources(path)
    assert str(caught.value) == message
    with pytest.raises(ConfigError, match="no such file"):
        check_sources(str(path))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read it \(.+\) — check the path"):
        load_sources(tmp_path)


# --- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("30m", 1800),
        ("6h", 21600),
        ("1d", 86400),
        ("1w", 604800),
        ("1h30m", 5400),
        ("1d 12h", 129600),
        (" 2W1D ", 15 * 86400),
        ("0s", 0),
        ("90m", 5400),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("6", "'6' has no unit — add s, m, h, d or w, e.g. 6s"),
        ("6 hours", "'6 hours' is not a duration"),
        ("h6", "is not a duration"),
        ("1.5h", "is not a duration"),
        ("-1h", "is not a duration"),
        ("1y", "is not a duration"),
        ("30m1h", "repeats a unit or mixes their order"),
        ("1h1h", "repeats a unit or mixes their order"),
    ],
)
def test_parse_duration_rejects_garbage(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (45, "45s"),
        (300, "5m"),
        (5400, "1h30m"),
        (21600, "6h"),
        (86400, "1d"),
        (90000, "1d1h"),
        (604800, "1w"),
        (30 * 86400, "4w2d"),
        (3661, "1h1m1s"),
    ],
)
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds


def test_format_duration_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(-1)


# --- select_sources ----------------------------------------------------------------------------


ALL = [make("a"), make("b", enabled=False), make("c")]


def test_select_enabled_by_default() -> None:
    assert [source.id for source in select_sources(ALL)] == ["a", "c"]


def test_select_including_disabled() -> None:
    assert select_sources(ALL, include_disabled=True) == ALL


def test_select_by_ids_keeps_their_order_and_takes_disabled_ones() -> None:
    assert [source.id for source in select_sources(ALL, ["c", "b", "c"])] == ["c", "b"]
    assert select_sources(ALL, []) == []


def test_select_unknown_id() -> None:
    with pytest.raises(ConfigError) as caught:
        select_sources(ALL, ["a", "x"])
    assert str(caught.value) == "unknown source id 'x' (see llwatch sources list)"


def test_select_names_every_unknown_id() -> None:
    with pytest.raises(ConfigError) as caught:
        select_sources(ALL, ["x", "a", "y"])
    assert str(caught.value) == "unknown source ids 'x', 'y' (see llwatch sources list)"
    assert caught.value.problems == [
        "unknown source id 'x' (see llwatch sources list)",
        "unknown source id 'y' (see llwatch sources list)",
    ]


def test_source_is_frozen() -> None:
    with pytest.raises(AttributeError):
        make("a").id = "b"  # type: ignore[misc]


# --- the repository's own watch list ----------------------------------------------------------


REPO_FEEDS = Path(__file__).parents[1] / "feeds.yaml"


@pytest.mark.skipif(not REPO_FEEDS.exists(), reason="feeds.yaml is not written yet")
def test_repository_feeds_yaml() -> None:
    sources, problems = check_sources(REPO_FEEDS)
    assert problems == []
    enabled = select_sources(sources)
    assert len(enabled) >= 40
    languages = {language for source in enabled for language in source.languages}
    assert {"en", "fr", "es", "pt", "de"} <= languages
    places = {source.country for source in enabled}
    assert "global" in places
    assert len(places) >= 5


# --- sitemap and listing-page sources ------------------------------------------------------------


def test_sitemap_and_page_sources_are_read(tmp_path: Path) -> None:
    sitemap, page = sources_in(
        tmp_path,
        one_source(kind="sitemap")
        + "  - id: b\n    name: B\n    url: https://b.org/news\n    country: FR\n"
        "    languages: [fr]\n    org_type: ngo\n    kind: page\n    max_pages: 5\n"
        "    selectors: {links: 'h3 a', title: 'h3::text', date: 'xpath:.//time/@datetime',"
        " next: 'a[rel=next]'}\n",
    )
    assert (sitemap.kind, sitemap.selectors) == ("sitemap", None)
    assert (page.kind, page.max_pages) == ("page", 5)
    assert page.selectors == Selectors("h3 a", "h3::text", "xpath:.//time/@datetime", "a[rel=next]")


def test_page_source_needs_links(tmp_path: Path) -> None:
    assert problems_in(tmp_path, one_source(kind="page")) == [
        "8: source 'a': kind 'page' needs selectors with links — add e.g. selectors:"
        " {links: 'h3 a', next: 'a[rel=next]'}"
    ]
    text = one_source(kind="page", selectors="{title: h1}")
    assert problems_in(tmp_path, text) == [
        f"{EXTRA_LINE + 1}: source 'a': selectors has no links — add links:"
        " 'CSS of the article links'"
    ]


def test_bad_selectors_name_their_line(tmp_path: Path) -> None:
    text = one_source(kind="page", selectors="{links: 'h3 >> a', next: 'xpath://a[', colour: x}")
    problems = problems_in(tmp_path, text)
    assert len(problems) == 3
    assert problems[0].startswith(
        f"{EXTRA_LINE + 1}: source 'a': selectors.links 'h3 >> a': is not valid CSS"
    )
    assert problems[1].startswith(
        f"{EXTRA_LINE + 1}: source 'a': selectors.next 'xpath://a[': is not valid XPath"
    )
    assert problems[2] == (
        f"{EXTRA_LINE + 1}: source 'a': selectors: unknown key 'colour' — remove it"
        " (allowed: links, title, date, next)"
    )


def test_selectors_only_on_pages_and_max_pages_bounded(tmp_path: Path) -> None:
    assert problems_in(tmp_path, one_source(selectors="{links: a}")) == [
        f"{EXTRA_LINE}: source 'a': selectors apply to kind 'page' only, this source is kind"
        " 'feed' — remove them, or set kind: page"
    ]
    assert problems_in(tmp_path, one_source(max_pages="0")) == [
        f"{EXTRA_LINE}: source 'a': max_pages must be a whole number from 1 to 50, not a number"
        " (0) — write e.g. max_pages: 3"
    ]
    assert compile_selector("a::attr(href)").endswith("/@href")
    with pytest.raises(ValueError, match="not valid XPath"):
        compile_selector("xpath:!!")


def test_since_is_a_date_the_source_started(tmp_path: Path) -> None:
    (found,) = sources_in(tmp_path, one_source(since="2004"))
    assert found.since == "2004-01-01"
    assert problems_in(tmp_path, one_source(since="'2004-13'")) == [
        f"{EXTRA_LINE}: source 'a': since '2004-13' is not a date — write a year or a date:"
        " 2004, 2004-09-01"
    ]
    assert problems_in(tmp_path, one_source(since="1850")) == [
        f"{EXTRA_LINE}: source 'a': since '1850' is out of range — give a date from 1990 to today"
    ]


def test_match_is_a_regular_expression_for_sitemaps_and_pages(tmp_path: Path) -> None:
    (found,) = sources_in(tmp_path, one_source(kind="sitemap", match="'/news/20[0-9]{2}/'"))
    assert found.match == "/news/20[0-9]{2}/"
    (problem,) = problems_in(tmp_path, one_source(kind="sitemap", match="'/news/('"))
    assert problem.startswith(f"{EXTRA_LINE + 1}: source 'a': match '/news/(' is not a regular")
    assert problems_in(tmp_path, one_source(match="news")) == [
        f"{EXTRA_LINE}: source 'a': match applies to kinds 'sitemap' and 'page' only, this"
        " source is a feed — remove it"
    ]
