"""Tests of watch.extract: article pages in, main text and metadata out (or None)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watch.extract import (
    DATE_FLOOR,
    MIN_TEXT_CHARS,
    PageArticle,
    extract_article,
    plausible_date,
)
from watch.split_body import rejoin_split_body

URL = "https://example.org/formation/universites-populaires"
from tests.conftest import CORPORA  # noqa: E402

EXTRACTION = CORPORA / "extraction"
PAGES = Path(__file__).parent / "fixtures" / "pages"

PARAGRAPHS = [
    "À Lyon, les universités populaires accueillent de nouveau les adultes qui souhaitent "
    "reprendre des études après une longue interruption. Les cours du soir couvrent la langue "
    "française, les mathématiques de base et l'informatique.",
    "Selon les organisateurs, plus de huit cents personnes se sont inscrites cette année, dont "
    "beaucoup de salariés en reconversion et de retraités curieux. La plupart des ateliers sont "
    "gratuits et ouverts sans condition de diplôme.",
    "La région prévoit d'étendre le dispositif aux petites villes l'an prochain, avec des "
    "formateurs bénévoles et des salles prêtées par les mairies.",
]

PAGE = """<!DOCTYPE html>
<html lang="fr-FR">
<head>
<meta charset="utf-8">
<title>Les universités populaires rouvrent leurs portes | Le Journal de la Formation</title>
<meta name="description" content="À Lyon, les universités populaires accueillent de nouveau les adultes.">
<meta name="author" content="Claire Martin">
<meta property="article:published_time" content="{date}T09:30:00+01:00">
</head>
<body>
<header class="site-header"><a href="/">Le Journal de la Formation</a>
<nav><ul>
<li><a href="/rubrique/emploi">Emploi et compétences</a></li>
<li><a href="/rubrique/europe">Actualité européenne</a></li>
<li><a href="/abonnement">Abonnez-vous à la lettre</a></li>
</ul></nav>
</header>
<div class="cookie-banner" id="cookie-consent"><p>Nous utilisons des cookies pour mesurer
l'audience de ce site. <button>Accepter</button> <button>Refuser</button></p></div>
<main>
<article>
<h1>Les universités populaires rouvrent leurs portes</h1>
<p class="byline">Par <span class="author">Claire Martin</span>,
<time datetime="{date}">{date}</time></p>
<p>{p0}</p>
<p>{p1}</p>
<p>{p2}</p>
</article>
<aside class="related"><h2>À lire aussi</h2><ul>
<li><a href="/a1">Le compte personnel de formation en chiffres</a></li>
<li><a href="/a2">Apprendre à tout âge : cinq témoignages</a></li>
</ul></aside>
</main>
<footer><p>Le Journal de la Formation. Mentions légales. Plan du site. Nous contacter.</p></footer>
</body>
</html>
"""


def page(date: str = "2024-03-14") -> str:
    return PAGE.format(date=date, p0=PARAGRAPHS[0], p1=PARAGRAPHS[1], p2=PARAGRAPHS[2])


@pytest.fixture(scope="module")
def article() -> PageArticle:
    result = extract_article(page().encode("utf-8"), URL)
    assert result is not None
    return result


def test_main_text_has_the_paragraphs(article: PageArticle) -> None:
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    assert len(article.text) >= MIN_TEXT_CHARS


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Emploi et compétences",  # nav
        "Abonnez-vous",  # nav
        "cookies",  # cookie banner
        "Mentions légales",  # footer
        "cinq témoignages",  # aside
    ],
)
def test_main_text_leaves_out_the_boilerplate(article: PageArticle, boilerplate: str) -> None:
    assert boilerplate not in article.text


def test_metadata(article: PageArticle) -> None:
    assert article.title == "Les universités populaires rouvrent leurs portes"
    assert article.authors == ["Claire Martin"]
    assert article.published == "2024-03-14T00:00:00Z"
    assert (
        article.description
        == "À Lyon, les universités populaires accueillent de nouveau les adultes."
    )
    assert article.language == "fr"


def test_text_is_clean(article: PageArticle) -> None:
    assert "<" not in article.text
    assert "\n\n\n" not in article.text
    assert article.text == article.text.strip()


def test_str_and_bytes_give_the_same_article(article: PageArticle) -> None:
    assert extract_article(page(), URL) == article


def test_future_date_is_dropped() -> None:
    result = extract_article(page(date="2099-03-14"), URL)
    assert result is not None
    assert result.published == ""


@pytest.mark.parametrize(
    ("html_tag", "language"),
    [
        ('<html lang="fr-FR">', "fr"),
        ("<html lang=de>", "de"),
        ('<html class="no-js" xml:lang="pt_BR" lang="pt-BR">', "pt"),
        ("<HTML LANG='es'>", "es"),
        ('<html lang="">', ""),
        ("<html>", ""),
    ],
)
def test_declared_language(html_tag: str, language: str) -> None:
    result = extract_article(page().replace('<html lang="fr-FR">', html_tag), URL)
    assert result is not None
    assert result.language == language


def test_authors_are_split_and_trimmed() -> None:
    two = page().replace(
        '<meta name="author" content="Claire Martin">',
        '<meta name="author" content="Claire Martin; Paul Roux">',
    )
    result = extract_article(two, URL)
    assert result is not None
    assert result.authors == ["Claire Martin", "Paul Roux"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><title>Short</title></head><body><p>Trop court.</p></body></html>",
        "<html><body><nav><a href='/'>Accueil</a></nav><p>Une phrase.</p></body></html>",
        b"",
        "",
        b"   \n",
        b"\x00\x01\x02\xff\xfe\xfd" * 200,
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        b"<html<body</p></div><div><span></b><i>" * 50,
        b"%PDF-1.7\n" + b"garbage stream " * 100,
        "<html><body>" + "<div>" * 500 + "text" + "</div>" * 500 + "</body></html>",
    ],
)
def test_no_article_is_none(body: bytes | str) -> None:
    assert extract_article(body, URL) is None


def test_markup_debris_is_no_article() -> None:
    assert extract_article(b"<html<body</p></div><div><span><<>>" * 50, URL) is None


def test_title_is_not_repeated_as_first_line(article: PageArticle) -> None:
    assert article.text.startswith(PARAGRAPHS[0][:30])


# --- fixture pages, each with its expectation beside it ------------------------------------


@pytest.mark.parametrize("path", sorted(PAGES.glob("*.html")), ids=lambda p: p.stem)
def test_fixture_page(path: Path) -> None:
    expect: dict[str, Any] = json.loads(path.with_suffix(".expect.json").read_text("utf-8"))
    floor = expect.get("not_before")
    result = extract_article(
        path.read_bytes(), f"https://example.org/{path.stem}",
        not_before=date.fromisoformat(floor) if floor else None,
    )  # fmt: skip
    assert result is not None, expect["why"]
    for key in ("title", "published"):
        if key in expect:
            assert getattr(result, key) == expect[key], expect["why"]
    assert result.text.startswith(expect.get("text_starts_with", "")), expect["why"]
    for wanted in expect.get("text_contains", []):
        assert wanted in result.text.splitlines(), f"{expect['why']}: {wanted!r} missing"
    for unwanted in expect.get("text_not_contains", []):
        assert unwanted not in result.text, f"{expect['why']}: {unwanted!r} kept"


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=3000).map(lambda t: f"<html><body><p>{t}</p>"))
def test_any_input_gives_an_article_or_none(body: bytes | str) -> None:
    result = extract_article(body, URL)
    assert result is None or len(result.text) >= MIN_TEXT_CHARS


@given(st.datetimes(timezones=st.none() | st.just(UTC)), st.none() | st.dates())
def test_plausible_date_never_raises(moment: datetime, not_before: date | None) -> None:
    kept = plausible_date(moment, not_before, now=NOW)
    assert kept is None or DATE_FLOOR <= kept.date() <= NOW.date()


# --- split bodies ----------------------------------------------------------------------------

PROSE = [
    f"Paragraph {n} of the article tells a long story about adult learning in the town and beyond."
    for n in range(6)
]


def split_page(second: list[str], css: str = "body-part") -> str:
    first = "".join(f"<p>{p}</p>" for p in PROSE[:3])
    rest = "".join(f"<p>{p}</p>" for p in second)
    return f'<html><body><div class="{css}">{first}</div><div class="ad">Ad</div><div class="{css}">{rest}</div></body></html>'


def test_split_body_missing_part_is_put_back_in_order() -> None:
    tree = lxml.html.fromstring(split_page(PROSE[3:]))
    intro = "A standfirst line"
    text = rejoin_split_body(tree, "\n".join([intro, *PROSE[:3], "Share this story"]))
    assert text.split("\n") == [intro, *PROSE, "Share this story"]


@pytest.mark.parametrize(
    ("second", "text"),
    [
        (["Read more", "Sign up"], PROSE[:3]),  # the other member is no prose: a widget
        (PROSE[3:], PROSE[:2]),  # too little of the first member in the text to be sure
        (PROSE[3:], PROSE[:3] + PROSE[3:4]),  # the other member is already there
    ],
)
def test_split_body_left_alone(second: list[str], text: list[str]) -> None:
    tree = lxml.html.fromstring(split_page(second))
    assert rejoin_split_body(tree, "\n".join(text)) == "\n".join(text)


# --- plausible dates -------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "not_before", "kept"),
    [
        (NOW - timedelta(days=3), None, True),
        (NOW + timedelta(minutes=4), None, True),  # clock skew
        (NOW + timedelta(minutes=10), None, False),
        (NOW + timedelta(days=365), None, False),
        (datetime(1970, 1, 1, tzinfo=UTC), None, False),  # epoch: a template's date
        (datetime(1995, 5, 1, tzinfo=UTC), None, True),
        (datetime(1993, 12, 31, 23, 59, tzinfo=UTC), None, False),
        (datetime(1995, 5, 1, tzinfo=UTC), date(2010, 1, 1), False),
        (datetime(2010, 1, 1, tzinfo=UTC), date(2010, 1, 1), True),
        (datetime(1995, 5, 1, tzinfo=UTC), date(1980, 1, 1), True),  # never below the floor
        (datetime(1990, 5, 1, tzinfo=UTC), date(1980, 1, 1), False),
    ],
)
def test_plausible_date(moment: datetime, not_before: date | None, kept: bool) -> None:
    assert (plausible_date(moment, not_before, now=NOW) == moment) is kept
    assert (plausible_date(moment, not_before, now=NOW) is None) is not kept


def test_plausible_date_takes_naive_as_utc() -> None:
    assert plausible_date(datetime(2020, 1, 1), now=NOW) == datetime(2020, 1, 1, tzinfo=UTC)


def test_floor_is_1994() -> None:
    assert date(1994, 1, 1) == DATE_FLOOR


def test_not_before_in_the_future_leaves_no_date() -> None:
    result = extract_article(page(), URL, not_before=date(2099, 1, 1))
    assert result is not None
    assert result.published == ""


# --- the extraction corpus -----------------------------------------------------------------


def test_extraction_corpus_smoke() -> None:
    truth_file = EXTRACTION / "ground-truth.json"
    if not truth_file.is_file():
        pytest.skip(f"extraction corpus not found at {EXTRACTION} (set LLWATCH_CORPORA)")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    failed, checked = [], 0
    for page_id, expected in sorted(truth.items()):
        raw = gzip.decompress((EXTRACTION / "html" / f"{page_id}.html.gz").read_bytes())
        result = extract_article(raw, expected["url"])
        checked += 1
        if result is None or not _overlaps(result.text, expected["articleBody"]):
            failed.append(page_id)
    print(f"{checked - len(failed)}/{checked} pages extracted; failed: {failed}")
    assert checked >= 180
    assert (checked - len(failed)) / checked >= 0.90


def _overlaps(text: str, truth: str) -> bool:
    """A non-empty article whose words share at least half of the true body's vocabulary."""
    got, want = set(re.findall(r"\w+", text.lower())), set(re.findall(r"\w+", truth.lower()))
    return bool(want) and len(got & want) / len(want) >= 0.5
