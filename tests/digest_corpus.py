"""A fixed corpus for the digest tests: one ISO week (2026-W47, 16–22 November 2026) of articles
from five regions, in English, French, Spanish and Arabic, with one story covered by three
sources, a source that floods the week, and hostile content (script tags, javascript: links,
broken HTML, right-to-left text). Written out here so that golden files have a stable input."""

from __future__ import annotations

from pathlib import Path

from watch.items import Article, TopicTag
from watch.store import open_store
from watch.urls import article_id

WEEK = "2026-W47"

STORY = (
    "Ministers from forty countries agreed in Nairobi on Tuesday to double public spending on "
    "adult literacy by 2030, with a fund for community learning centres, evening classes for "
    "women in rural areas and a yearly report on progress towards the fourth Sustainable "
    "Development Goal, the conference secretariat said."
)

SOURCES_YAML = """\
defaults:
  org_type: media
  languages: [en]
sources:
  - id: unesco-news
    name: UNESCO News
    url: https://news.example.org/feed.xml
    country: FR
    weight: 2
  - id: daily-nation
    name: Daily Nation
    url: https://nation.example.ke/feed.xml
    country: KE
  - id: rfi-afrique
    name: RFI Afrique
    url: https://rfi.example.fr/feed.xml
    country: FR
    languages: [fr]
  - id: flood-wire
    name: Flood Wire
    url: https://flood.example.com/feed.xml
    country: US
  - id: el-pais
    name: El País Educación
    url: https://elpais.example.es/feed.xml
    country: ES
    languages: [es]
  - id: aljazeera
    name: Al Jazeera Learning
    url: https://aj.example.qa/feed.xml
    country: QA
    languages: [ar]
  - id: hostile
    name: Hostile <b>Feed</b>
    url: https://hostile.example.net/feed.xml
    country: GB
"""


def art(slug: str, source: str, day: int, title: str, *, lang: str = "en", text: str = "",
        summary: str = "", countries: tuple[str, ...] = (), topics: tuple[str, ...] = (),
        relevance: float = 0.8, source_country: str = "", url: str = "",
        source_name: str = "") -> Article:  # fmt: skip
    link = url or f"https://{source}.example.org/{slug}"
    return Article(
        id=article_id(f"https://{source}.example.org/{slug}"), url=link,
        canonical_url=f"https://{source}.example.org/{slug}", source_id=source,
        source_name=source_name or source, source_country=source_country, title=title,
        summary=summary, text=text or summary, language=lang,
        published_at=f"2026-11-{day:02d}T09:00:00Z", fetched_at=f"2026-11-{day:02d}T10:00:00Z",
        countries=list(countries), topics=[TopicTag(t, 0.8, []) for t in topics],
        relevance=relevance,
    )  # fmt: skip


def corpus() -> list[Article]:
    items = [
        art("nairobi-literacy", "daily-nation", 17, "Forty countries pledge to double adult literacy spending",
            text=STORY, countries=("KE",), topics=("literacy",), relevance=0.95,
            source_country="KE", source_name="Daily Nation"),
        art("nairobi-pledge", "unesco-news", 18, "Nairobi pledge on adult literacy funding",
            text=STORY + " More details will follow.", countries=("KE",), topics=("literacy",),
            relevance=0.9, source_country="FR", source_name="UNESCO News"),
        art("nairobi-rfi", "rfi-afrique", 18, "Forty countries pledge more for literacy",
            text="Reporting from Nairobi. " + STORY, countries=("KE",), topics=("literacy",),
            relevance=0.9, source_country="FR", source_name="RFI Afrique"),
        art("dakar-alpha", "rfi-afrique", 19, "Au Sénégal, l'alphabétisation des adultes en wolof progresse",
            lang="fr", summary="Des cours du soir en wolof attirent des milliers d'adultes à Dakar.",
            countries=("SN",), topics=("literacy",), relevance=0.85, source_country="FR",
            source_name="RFI Afrique"),
        art("bogota-fp", "el-pais", 20, "Bogotá abre centros de formación profesional para adultos",
            lang="es", summary="La alcaldía inaugura cinco centros de formación para el empleo.",
            countries=("CO",), topics=("vocational-training",), relevance=0.8,
            source_country="ES", source_name="El País Educación"),
        art("doha-rtl", "aljazeera", 21, "التعلم مدى الحياة في قطر: برامج جديدة للكبار",
            lang="ar", summary="أطلقت وزارة التربية برامج مسائية لتعليم الكبار في الدوحة.",
            countries=("QA",), topics=("adult-education",), relevance=0.8, source_country="QA",
            source_name="Al Jazeera Learning"),
        art("hamburg-cities", "unesco-news", 16, "Learning cities gather in Hamburg",
            summary="The global network of learning cities meets in Hamburg.", countries=("DE",),
            topics=("learning-cities",), relevance=0.9, source_country="FR",
            source_name="UNESCO News"),
        art("script", "hostile", 20, "<script>window.__pwned = 1</script>Free courses <img src=x onerror=alert(1)>",
            summary="Broken <b>HTML <i>summary & more</b> \u202eevil\u202c", countries=("GB",),
            topics=("adult-education",), relevance=0.7, source_country="GB",
            url="javascript:alert(document.cookie)", source_name="Hostile <b>Feed</b>"),
        art("markdown", "hostile", 19, "# Not a heading *bold* [link](https://evil.example) | table",
            summary="- not a list\n> not a quote `code`", countries=("GB",), topics=("workplace-learning",),
            relevance=0.6, source_country="GB", source_name="Hostile <b>Feed</b>"),
        art("old-pin", "unesco-news", 3, "A report from earlier in the month, pinned by the editors",
            summary="The annual adult learning report.", topics=("adult-education",),
            relevance=0.4, source_name="UNESCO News"),
        art("dropped", "daily-nation", 21, "A story the editors dropped", countries=("KE",),
            summary="Not for the newsletter.", topics=("literacy",), relevance=0.99,
            source_country="KE", source_name="Daily Nation"),
        art("wrong-week", "daily-nation", 24, "Next week's story", countries=("KE",),
            summary="After the week.", relevance=0.99, source_country="KE",
            source_name="Daily Nation"),
    ]  # fmt: skip
    for n in range(8):  # one wire floods the week with good stories from the US
        items.append(art(f"flood-{n}", "flood-wire", 16 + n % 7, f"Community colleges story {n}",
                         summary=f"Adult learners at community college number {n}.",
                         countries=("US",), topics=("adult-education",), relevance=0.92,
                         source_country="US", source_name="Flood Wire"))  # fmt: skip
    items.append(art("toronto", "unesco-news", 17, "Toronto libraries teach digital skills",
                     summary="Public libraries open digital skills workshops for seniors.",
                     countries=("CA",), topics=("digital-skills",), relevance=0.7,
                     source_country="FR", source_name="UNESCO News"))  # fmt: skip
    return items


def by_slug(slug: str) -> Article:
    return next(a for a in corpus() if a.canonical_url.endswith("/" + slug))


def build(data_dir: Path) -> Path:
    """The corpus in a store under ``data_dir``, editors' picks applied; returns feeds.yaml."""
    from watch.picks import Picks

    store = open_store(data_dir)
    try:
        store.articles.upsert(corpus())
        picks = Picks(store.db)
        picks.pin(by_slug("old-pin"), WEEK)
        picks.drop(by_slug("dropped"))
        picks.note(by_slug("dakar-alpha"), "Senegal's national-language classes, in figures.")
    finally:
        store.close()
    sources = data_dir / "feeds.yaml"
    sources.write_text(SOURCES_YAML, "utf-8")
    return sources
