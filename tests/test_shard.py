"""Several crawl servers: ``--shard K/N`` gives each a stable share of the watch list by source
id, with no overlap and no gap; bad specs are refused in one line before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, crawl, llwatch
from watch.errors import ConfigError
from watch.sources import Shard, load_sources


def real_ids() -> list[str]:
    return [source.id for source in load_sources(ROOT / "feeds.yaml")]


@pytest.mark.parametrize(("text", "expected"), [("2/4", Shard(2, 4)), (" 1 / 1 ", Shard(1, 1)),
                                                ("4/4", Shard(4, 4))])  # fmt: skip
def test_a_good_spec(text: str, expected: Shard) -> None:
    assert Shard.parse(text) == expected
    assert str(expected) == f"{expected.k}/{expected.n}"


@pytest.mark.parametrize("text", ["5/4", "0/0", "0/3", "1/0", "-1/2", "a/b", "3", "", "1/2/3"])
def test_a_bad_spec_is_one_line(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Shard.parse(text)
    message = str(caught.value)
    assert "\n" not in message
    assert f"--shard {text!r}" in message


@pytest.mark.parametrize("n", range(1, 9))
def test_shares_have_no_overlap_and_no_gap(n: int) -> None:
    ids = [*real_ids(), *(f"extra-{i}" for i in range(200))]
    shares = [{i for i in ids if Shard(k, n).holds(i)} for k in range(1, n + 1)]
    assert sum(len(share) for share in shares) == len(ids)  # no overlap
    assert set().union(*shares) == set(ids)  # no gap
    assert min(len(share) for share in shares) > len(ids) / n / 2  # roughly even


def test_a_new_source_moves_no_other() -> None:
    ids = real_ids()
    before = {i: [k for k in range(1, 4) if Shard(k, 3).holds(i)] for i in ids}
    after = {i: [k for k in range(1, 4) if Shard(k, 3).holds(i)] for i in [*ids, "brand-new"]}
    assert {i: after[i] for i in ids} == before


def test_crawl_refuses_a_bad_shard(tmp_path: Path) -> None:
    run = llwatch("crawl", "--data-dir", str(tmp_path), "--shard", "5/4")
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "--shard '5/4'" in lines[0]
    assert not (tmp_path / "watch.sqlite3").exists()  # refused before anything ran


def test_two_servers_crawl_the_whole_list_once(site_sources: Path, tmp_path: Path) -> None:
    """Two real crawls of the local test site, shares 1/2 and 2/2: together they poll every
    source of an unsharded crawl, each source once."""
    polled = []
    for k in (1, 2):
        run = crawl(tmp_path / f"server{k}", site_sources, "--shard", f"{k}/2")
        assert run.code in (0, 1), run.stderr
        polled.append(set(run.by_source))
        assert all(Shard(k, 2).holds(source_id) for source_id in run.by_source)
    everything = crawl(tmp_path / "alone", site_sources)
    assert polled[0]
    assert polled[1]
    assert polled[0].isdisjoint(polled[1])
    assert polled[0] | polled[1] == set(everything.by_source)
