"""Near-duplicate fingerprints (watch.dedupe) on real texts: edits, reorders, boilerplate, CJK."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from watch.dedupe import Fingerprint, fingerprint, head_key, similar, tokens
from watch.feeds import FeedEntry, parse_feed

ROOT = Path(__file__).resolve().parent.parent


@cache
def excerpt(item_id: str) -> str:
    """A real article excerpt of the topics dev set (bench/data/topics-dev.jsonl)."""
    for line in (ROOT / "bench/data/topics-dev.jsonl").read_text("utf-8").splitlines():
        item = json.loads(line)
        if item["id"] == item_id:
            return str(item["text"])
    raise KeyError(item_id)


def fp(text: str, title: str = "") -> Fingerprint:
    found = fingerprint(text, title)
    assert found is not None, text[:60]
    return found


def feed_entries(name: str) -> list[FeedEntry]:
    """Entries of a real feed of the read-only feeds-real corpus."""
    path = CORPORA / "feeds-real" / name
    if not path.is_file():
        pytest.skip(f"{path}: corpus not here")
    return parse_feed(path.read_bytes(), "https://f.invalid/").entries


def feed_texts(name: str) -> list[str]:
    return [e.content or e.summary for e in feed_entries(name)]


def test_spacing_case_and_punctuation_are_ignored() -> None:
    text = excerpt("dev-001")
    variant = re.sub(r"\s+", "  ", text.upper()).replace(",", " ;").replace(".", " !")
    a, b = fp(text), fp(variant)
    assert (a.text, a.lead, a.size) == (b.text, b.lead, b.size)
    assert similar(a, b)


def test_small_edits_stay_similar() -> None:
    text = excerpt("dev-002")
    edited = text.replace("government", "Centre", 2).replace("adult", "grown-up", 1)
    edited = edited.rsplit(".", 2)[0] + ". Read more on our site."
    assert similar(fp(text), fp(edited))


def test_reordered_paragraphs_stay_similar() -> None:
    text = excerpt("dev-004")
    sentences = re.split(r"(?<=\.) ", text)
    half = len(sentences) // 2
    reordered = " ".join(sentences[half:] + sentences[:half])
    assert similar(fp(text), fp(reordered))


def test_summary_or_shortened_repost_matches_the_full_text() -> None:
    text = excerpt("dev-005")
    words = text.split()
    assert similar(fp(" ".join(words[:35]) + " …"), fp(text))  # a feed's summary
    assert similar(fp(" ".join(words[: len(words) // 2])), fp(text))  # a shortened repost


def test_different_stories_are_not_similar() -> None:
    texts = [excerpt(f"dev-00{n}") for n in range(1, 7)]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            assert not similar(fp(a), fp(b))


def test_shared_boilerplate_does_not_join_different_stories() -> None:
    footer = (
        " Subscribe to our newsletter to receive the latest news on education and training. "
        "Follow us on social media. All rights reserved. Reproduction without permission is "
        "prohibited. Contact the newsroom for corrections."
    )
    header = "Education Desk | Latest news | Share this article on social media. "
    a, b = excerpt("dev-001"), excerpt("dev-003")
    assert not similar(fp(header + a + footer), fp(header + b + footer))


def test_template_stories_differing_in_their_numbers_stay_apart() -> None:
    # real release notes of one project: the same words, another version each time
    texts = [t for t in feed_texts("feeder/rss_nixos.xml") if t.startswith("NixOS 1")][:3]
    assert len(texts) >= 2
    prints = [fp(t) for t in texts]
    assert not similar(prints[0], prints[1])
    same = texts[0].replace("release notes", "release notes online")
    assert similar(prints[0], fp(same))  # an edit that keeps the numbers is still the same story


def test_template_stories_about_another_place_stay_apart() -> None:
    # real weather bulletins of one newspaper: the same sentences, another city each time
    entries = feed_entries("rsparser-swift/lanacion.xml")
    weather = [(e.title, e.content) for e in entries if e.title.startswith("Clima en")]
    assert len(weather) >= 2
    (t1, x1), (t2, x2) = weather[:2]
    assert not similar(fp(x1, t1), fp(x2, t2))
    edited = x1.replace("indica que", "señala que", 1)
    assert similar(fp(x1, t1), fp(edited, t1))  # an edit that keeps the place: the same story


def test_one_boilerplate_opening_does_not_join_long_stories() -> None:
    # a Chinese blog whose posts open on the same series paragraph, then differ
    texts = [t for t in feed_texts("feeder/rss_geekpark.xml") if t.startswith("在 2020 这魔幻")]
    assert len(texts) >= 2
    assert not similar(fp(texts[0]), fp(texts[1]))


def test_cjk_text_without_spaces_is_shingled_by_character() -> None:
    assert tokens("東京タワーで abc 会議") == [
        "東",
        "京",
        "タ",
        "ワ",
        "ー",
        "で",
        "abc",
        "会",
        "議",
    ]
    texts = feed_texts("chardet/Big5/coolloud.org.tw.xml")
    story = next(t for t in texts if "華視" in t and len(t) > 200)
    edited = story.replace("新聞局", "新聞局長", 1)[: int(len(story) * 0.9)]
    assert similar(fp(story), fp(edited))
    other = next(t for t in texts if "華視" not in t and len(t) > 200)
    assert not similar(fp(story), fp(other))


@pytest.mark.parametrize(
    "text",
    [
        "UNESCO Global Network of Learning Cities: 77 new members from 44 countries",
        "Adult literacy classes double in river towns",
        "成人教育",
        "",
    ],
)
def test_short_texts_get_no_fingerprint(text: str) -> None:
    assert fingerprint(text) is None


def test_fingerprint_is_deterministic_and_has_band_keys() -> None:
    a, b = fp(excerpt("dev-006")), fp(excerpt("dev-006"))
    assert a == b
    assert len(a.keys) == 48
    assert len(set(a.keys)) == 48
    assert all(-(2**63) <= k < 2**63 for k in a.keys)


def test_head_key_puts_unknown_dates_last() -> None:
    dated = head_key("2026-01-02T00:00:00Z", "2026-02-01T00:00:00Z", "b")
    undated = head_key("", "2026-01-01T00:00:00Z", "a")
    assert min(dated, undated) == dated
    assert head_key("2026-01-02T00:00:00Z", "", "a") < dated  # same date: then fetched_at, id
