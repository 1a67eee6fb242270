"""OPML exchange: ``llwatch sources export --opml`` and ``llwatch sources import`` on real files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from watch.cli import cli
from watch.entries import FILL_IN
from watch.errors import ConfigError
from watch.opml import read_opml
from watch.sources import check_sources

WATCH_LIST = """defaults:
  interval: 12h
sources:
  - id: uil
    name: "UNESCO UIL: news & events"
    url: https://www.uil.unesco.org/en/rss.xml
    country: global
    languages: [en, fr]
    org_type: un-agency
    weight: 1.5
    tags: [unesco, adult-education]
    homepage: https://www.uil.unesco.org/
  - id: centre-inffo
    name: Centre Inffo — le quotidien
    url: https://www.centre-inffo.fr/feed?x=1&y=2
    country: "NO"
    languages: [fr]
    org_type: ngo
    focus: general
    enabled: false
    interval: 1d
  - id: dvv
    name: DVV International
    url: http://www.dvv-international.de/feed/
    country: DE
    languages: [de, en]
    org_type: ngo
    tags: [ngo]
"""

NESTED = """<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0">
  <head><title>My reading</title></head>
  <body>
    <outline text="Europe">
      <outline text="Adult éducation">
        <outline text="EAEA" title="EAEA news" type="rss" xmlUrl="https://eaea.org/feed/"
                 htmlUrl="https://eaea.org/" language="en-GB"/>
        <outline text="Broken" xmlUrl="feed:https://example.org/rss"/>
      </outline>
      <outline text="AONTAS" xmlurl="https://www.aontas.com/feed/" category="/Ireland,/ngo/literacy"/>
    </outline>
    <outline text="Literacy">
      <outline text="EAEA again" xmlUrl="https://eaea.org/feed"/>
      <outline text="A bookmark" type="link" url="https://example.org/"/>
    </outline>
    <outline text="Loose" xmlUrl="https://loose.example.org/atom.xml"/>
  </body>
</opml>
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), prog_name="llwatch", catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def without_line(path: Path) -> list[dict[str, object]]:
    found, problems = check_sources(path)
    assert problems == []
    return [dataclasses.asdict(s) | {"line": 0} for s in found]


def test_round_trip(tmp_path: Path) -> None:
    original = tmp_path / "feeds.yaml"
    original.write_text(WATCH_LIST, "utf-8")
    opml = tmp_path / "out.opml"
    code, _, err = run(
        "sources", "export", "--opml", "--sources", str(original), "--out", str(opml)
    )
    assert code == 0, err
    assert "exported 3 feeds" in err
    text = opml.read_text("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml')
    assert 'version="2.0"' in text
    assert 'xmlns:llwatch="urn:llwatch:opml:1"' in text
    assert 'category="/unesco,/adult-education"' in text
    back = tmp_path / "back.yaml"
    code, _, err = run("sources", "import", str(opml), "--sources", str(tmp_path / "none.yaml"),
                       "--out", str(back))  # fmt: skip
    assert code == 0, err
    assert "3 feeds imported, 0 already watched" in err
    assert f"0 {FILL_IN} values" in err
    assert without_line(back) == without_line(original)


def test_export_to_stdout_is_opml_a_reader_can_read(tmp_path: Path) -> None:
    original = tmp_path / "feeds.yaml"
    original.write_text(WATCH_LIST, "utf-8")
    code, out, _ = run("sources", "export", "--sources", str(original))
    assert code == 0
    read = read_opml(out.encode(), "stdout")
    assert [(f.url, f.tags) for f in read.feeds] == [
        ("https://www.uil.unesco.org/en/rss.xml", ["unesco", "adult-education"]),
        ("https://www.centre-inffo.fr/feed?x=1&y=2", []),  # no tags: at the top level
        ("http://www.dvv-international.de/feed/", ["ngo"]),  # in the folder of its first tag
    ]
    assert read.title == "llwatch watch list (feeds.yaml)"


def test_nested_categories_become_tags(tmp_path: Path) -> None:
    read = read_opml(NESTED.encode("latin-1"), "in.opml")
    assert read.title == "My reading"
    by_url = {f.url: f for f in read.feeds}
    eaea = by_url["https://eaea.org/feed/"]
    assert eaea.tags == ["europe", "adult-education"]
    assert (eaea.title, eaea.homepage, eaea.language, eaea.line) == (
        "EAEA news", "https://eaea.org/", "en", 7)  # fmt: skip
    assert by_url["https://www.aontas.com/feed/"].tags == ["europe", "ireland", "ngo", "literacy"]
    assert by_url["https://loose.example.org/atom.xml"].tags == []
    assert read.skipped == [
        "in.opml:9: 'Broken': xmlUrl 'feed:https://example.org/rss' is not an http(s) URL — skipped"
    ]


def test_import_merges_a_feed_listed_twice_and_skips_known_ones(tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_bytes(NESTED.encode("latin-1"))
    watch_list = tmp_path / "feeds.yaml"
    watch_list.write_text(
        "sources:\n  - id: aontas\n    name: AONTAS\n    url: https://www.aontas.com/feed\n"
        "    country: IE\n    languages: [en]\n    org_type: ngo\n", "utf-8",
    )  # fmt: skip
    code, out, err = run("sources", "import", str(opml), "--sources", str(watch_list))
    assert code == 0, err
    assert "line 11: https://www.aontas.com/feed/ is already in the watch list as 'aontas'" in err
    assert "2 feeds imported, 1 already watched, 1 outlines skipped" in err
    assert out.count("- id: ") == 2
    assert "tags: [europe, adult-education, literacy]" in out  # EAEA, merged
    assert "homepage: https://eaea.org/" in out
    assert "languages: [en]" in out
    assert f"languages: [{FILL_IN}]" in out  # the loose feed declares no language


def test_import_placeholders_are_named_by_the_check_then_pass(tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_bytes(NESTED.encode("latin-1"))
    new = tmp_path / "new.yaml"
    code, _, err = run("sources", "import", str(opml), "--sources", "none.yaml", "--out", str(new))
    assert code == 0, err
    assert f"8 {FILL_IN} values to fill in" in err  # 3 x (country, org_type), 2 languages
    found, problems = check_sources(new)
    assert found == []
    assert len(problems) == 8
    assert all(FILL_IN.lower() in p.lower() and f"{new}:" in p for p in problems)
    text = new.read_text("utf-8")
    assert text.startswith("# Imported from in.opml (My reading)")
    text = text.replace(f"country: {FILL_IN}", "country: IE").replace(f"[{FILL_IN}]", "[en]")
    new.write_text(text.replace(f"org_type: {FILL_IN}", "org_type: ngo"), "utf-8")
    found, problems = check_sources(new)
    assert problems == []
    assert [s.id for s in found] == ["eaea-news", "aontas", "loose-example"]


def test_import_never_overwrites(tmp_path: Path) -> None:
    opml = tmp_path / "in.opml"
    opml.write_bytes(NESTED.encode("latin-1"))
    existing = tmp_path / "feeds.yaml"
    existing.write_text("keep me", "utf-8")
    code, _, err = run("sources", "import", str(opml), "--out", str(existing))
    assert code == 2
    assert "already exists" in err
    assert existing.read_text("utf-8") == "keep me"


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("<opml version='2.0'><body>\n<outline text='a'>\n</body></opml>", "bad.opml:3:3",
         "not valid XML (mismatched tag)"),
        ("", "bad.opml:1", "not valid XML"),
        ("<html><body/></html>", "bad.opml:1", "the root element is <html>, not <opml>"),
        ("<?xml version='1.0'?>\n<!DOCTYPE o [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]>\n"
         "<opml><body><outline text='&b;' xmlUrl='https://x.org/'/></body></opml>",
         "bad.opml:", "refused"),
        ("<?xml version='1.0'?>\n<!DOCTYPE o [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\n"
         "<opml><body><outline text='&x;' xmlUrl='https://x.org/'/></body></opml>",
         "bad.opml:", "refused"),
    ],
    ids=["mismatched", "empty", "not-opml", "entity-bomb", "external-entity"],
)  # fmt: skip
def test_malformed_opml(tmp_path: Path, text: str, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_opml(text.encode(), "bad.opml")
    assert str(caught.value).startswith(where)
    assert what in str(caught.value)
    path = tmp_path / "bad.opml"
    path.write_text(text, "utf-8")
    code, out, err = run("sources", "import", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("llwatch: error: ")
    assert err.count("\n") == 1


def test_an_opml_without_feeds(tmp_path: Path) -> None:
    path = tmp_path / "empty.opml"
    path.write_text("<opml version='2.0'><head/><body><outline text='x'/></body></opml>")
    code, _, err = run("sources", "import", str(path), "--sources", "none.yaml")
    assert code == 2
    assert "no new feed to import (0 feed outlines" in err
