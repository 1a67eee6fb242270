"""The digest, written out: HTML for email tools, Markdown, JSON, and an Atom feed of the picks.

Fixed texts (title, section headings, labels) are in the interface language (en, fr or es);
each pick keeps its own language and title, marked by a language badge. Crawled text is data:
HTML escapes every value (Jinja2 autoescape) and links only http(s) URLs, Markdown escapes its
syntax characters and puts URLs between angle brackets, Atom is written by ElementTree. Same
digest in, same bytes out (nothing depends on the clock).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal
from urllib.parse import quote

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape

from watch.countries import country_name
from watch.digest import Digest, DigestPick
from watch.taxonomy import Taxonomy
from watch.urls import is_http_url

__all__ = ["FORMATS", "UI_LANGUAGES", "render"]

Format = Literal["html", "md", "json", "atom"]
FORMATS: tuple[Format, ...] = ("html", "md", "json", "atom")
UI_LANGUAGES = ("en", "fr", "es")
SUMMARY_MAX = 320  # characters of a pick's summary

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Lifelong learning: the picks of the week",
        "title_range": "Lifelong learning: the picks",
        "week": "Week {week}, {first} – {last}",
        "range": "{first} – {last}",
        "africa": "Africa",
        "arab-states": "Arab States",
        "asia-pacific": "Asia and the Pacific",
        "europe-north-america": "Europe and North America",
        "latin-america-caribbean": "Latin America and the Caribbean",
        "global": "Worldwide",
        "other": "Other news",
        "note": "Editor's note",
        "also": "Also covered by",
        "pinned": "Editor's pick",
        "why": "Why",
        "footer": "{stories} stories from {articles} articles of the period. Made with llwatch.",
        "empty": "No article in this period.",
        "relevance": "relevance",
        "freshness": "freshness",
        "story": "story",
        "source": "source",
        "feedback": "feedback",
        "variety": "variety",
        "score": "score",
        "colon": ":",
    },
    "fr": {
        "title": "Apprentissage tout au long de la vie : la sélection de la semaine",
        "title_range": "Apprentissage tout au long de la vie : la sélection",
        "week": "Semaine {week}, du {first} au {last}",
        "range": "Du {first} au {last}",
        "africa": "Afrique",
        "arab-states": "États arabes",
        "asia-pacific": "Asie et Pacifique",
        "europe-north-america": "Europe et Amérique du Nord",
        "latin-america-caribbean": "Amérique latine et Caraïbes",
        "global": "Monde",
        "other": "Autres actualités",
        "note": "Note de la rédaction",
        "also": "Également repris par",
        "pinned": "Choix de la rédaction",
        "why": "Pourquoi",
        "footer": "{stories} sujets parmi {articles} articles de la période. Réalisé avec llwatch.",
        "empty": "Aucun article sur cette période.",
        "relevance": "pertinence",
        "freshness": "fraîcheur",
        "story": "reprises",
        "source": "source",
        "feedback": "retours",
        "variety": "variété",
        "score": "score",
        "colon": "\u00a0:",
    },
    "es": {
        "title": "Aprendizaje a lo largo de toda la vida: la selección de la semana",
        "title_range": "Aprendizaje a lo largo de toda la vida: la selección",
        "week": "Semana {week}, del {first} al {last}",
        "range": "Del {first} al {last}",
        "africa": "África",
        "arab-states": "Estados Árabes",
        "asia-pacific": "Asia y el Pacífico",
        "europe-north-america": "Europa y América del Norte",
        "latin-america-caribbean": "América Latina y el Caribe",
        "global": "Mundo",
        "other": "Otras noticias",
        "note": "Nota de la redacción",
        "also": "También publicado por",
        "pinned": "Selección de la redacción",
        "why": "Por qué",
        "footer": "{stories} noticias de {articles} artículos del período. Hecho con llwatch.",
        "empty": "Ningún artículo en este período.",
        "relevance": "pertinencia",
        "freshness": "actualidad",
        "story": "difusión",
        "source": "fuente",
        "feedback": "valoración",
        "variety": "variedad",
        "score": "puntuación",
        "colon": ":",
    },
}


@dataclass(frozen=True)
class _View:
    """A pick as every format shows it (plain text; each format escapes it its own way)."""

    id: str
    url: str  # "" when the article's link is not http(s)
    title: str
    lang: str
    badge: str
    meta: str  # source · country · date
    summary: str
    note: str
    also: str
    why: str
    pinned: bool
    date: str


def render(
    digest: Digest,
    fmt: Format,
    ui: str = "en",
    *,
    explain: bool = False,
    taxonomy: Taxonomy | None = None,
) -> str:
    """The digest in ``fmt``, its fixed texts in ``ui``; ``explain`` adds why each was picked."""
    if ui not in TEXTS:
        raise ValueError(f"unknown interface language {ui!r} (en, fr or es)")
    sections = [
        (section.key, _section_title(section.key, ui, taxonomy),
         [_view(p, ui, explain) for p in section.picks])
        for section in digest.sections
    ]  # fmt: skip
    writer = {"html": _html, "md": _markdown, "json": _json, "atom": _atom}[fmt]
    return writer(digest, ui, sections, explain)


# --- shared ----------------------------------------------------------------------------------


def _texts(ui: str) -> dict[str, str]:
    return TEXTS[ui]


def _section_title(key: str, ui: str, taxonomy: Taxonomy | None) -> str:
    if key in TEXTS[ui]:
        return TEXTS[ui][key]
    topic = taxonomy.topic(key) if taxonomy else None
    return topic.label(ui) if topic else key


def _day(text: str, ui: str) -> str:
    from datetime import date

    try:
        return format_date(date.fromisoformat(text[:10]), format="long", locale=ui)
    except ValueError:
        return ""


def _title(digest: Digest, ui: str) -> str:
    return _texts(ui)["title" if digest.period.week else "title_range"]


def _subtitle(digest: Digest, ui: str) -> str:
    period = digest.period
    values = {"week": period.week, "first": _day(period.first.isoformat(), ui),
              "last": _day(period.last.isoformat(), ui)}  # fmt: skip
    return _texts(ui)["week" if period.week else "range"].format(**values)


def _footer(digest: Digest, ui: str) -> str:
    if not digest.picks:
        return _texts(ui)["empty"]
    return _texts(ui)["footer"].format(stories=digest.stories, articles=digest.considered)


_SPACE = re.compile(r"\s+")


def _clean(text: str) -> str:
    """One line of text: control characters out, white space collapsed."""
    text = "".join(c if c.isprintable() or c in "\t\n" else " " for c in text)
    return _SPACE.sub(" ", text).strip()


def _summary(pick: DigestPick) -> str:
    text = _clean(pick.article.summary or pick.article.text)
    if len(text) <= SUMMARY_MAX:
        return text
    cut = text[:SUMMARY_MAX].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-–— ") + " …"


def _view(pick: DigestPick, ui: str, explain: bool) -> _View:
    article = pick.article
    date = article.published_at or article.fetched_at
    codes = article.countries[:2] or [c for c in (article.source_country,) if len(c) == 2]
    place = ", ".join(country_name(code, ui) for code in codes)
    meta = " · ".join(p for p in (_clean(article.source_name or article.source_id), place,
                                  _day(date, ui)) if p)  # fmt: skip
    url = article.url if is_http_url(article.url) else ""
    return _View(
        id=article.id, url=url, title=_clean(article.title) or url or article.id,
        lang=article.language if article.language != "und" else "",
        badge=(article.language if article.language != "und" else "?").upper(),
        meta=meta, summary=_summary(pick), note=_clean(pick.note),
        also=", ".join(_clean(s) for s in pick.story_sources[:5]),
        why=_why(pick, ui) if explain else "", pinned=pick.pinned, date=date,
    )  # fmt: skip


def _why(pick: DigestPick, ui: str) -> str:
    t, p = _texts(ui), pick.parts
    parts = " + ".join(f"{w:.2f}×{t[name]} {p[name]:.2f}"
                       for name, w in (("relevance", 0.45), ("freshness", 0.20), ("story", 0.35)))  # fmt: skip
    line = (f"{t['score']} {pick.score:.3f} = ({parts}) × {t['source']} {p['source']:.2f} "
            f"× {t['feedback']} {p['feedback']:.2f}")  # fmt: skip
    if "variety" in p:
        line += f"; {t['variety']} {p['variety']:+.2f}"
    return line


# --- HTML ------------------------------------------------------------------------------------


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("watch", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _html(digest: Digest, ui: str, sections: list[Any], explain: bool) -> str:
    template = _environment().get_template("digest.html")
    return template.render(
        ui=ui, title=_title(digest, ui), subtitle=_subtitle(digest, ui), texts=_texts(ui),
        sections=[{"title": title, "picks": picks} for _, title, picks in sections],
        footer=_footer(digest, ui),
    )  # fmt: skip


# --- Markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\d*)([#>+=.)-])")


def _md(text: str) -> str:
    """Text that Markdown shows as written: inline syntax characters escaped, and a start that
    would make a heading, quote, list or rule of the line."""
    return _MD_LINE_START.sub(r"\1\\\2", _MD_SPECIAL.sub(r"\\\1", text))


def _md_url(url: str) -> str:
    return quote(url, safe=":/?#@!$&'()*+,;=%~-._[]")


def _markdown(digest: Digest, ui: str, sections: list[Any], explain: bool) -> str:
    t = _texts(ui)
    lines = [f"# {_md(_title(digest, ui))}", "", f"_{_md(_subtitle(digest, ui))}_", ""]
    for _, title, picks in sections:
        lines += [f"## {_md(title)}", ""]
        for v in picks:
            head = f"[{_md(v.title)}](<{_md_url(v.url)}>)" if v.url else _md(v.title)
            star = f" ★ {_md(t['pinned'])}" if v.pinned else ""
            body = [f"- **{head}** `{v.badge}`{star}", f"  {_md(v.meta)}"]
            if v.summary:
                body.append(f"  {_md(v.summary)}")
            if v.also:
                body.append(f"  _{_md(t['also'])}{t['colon']} {_md(v.also)}_")
            if v.why:
                body.append(f"  <sub>{_md(t['why'])}{t['colon']} {_md(v.why)}</sub>")
            lines += [line + "  " for line in body[:-1]] + body[-1:]  # hard line breaks
            if v.note:
                lines += ["", f"  > **{_md(t['note'])}{t['colon']}** {_md(v.note)}"]
            lines.append("")
    lines.append(_md(_footer(digest, ui)))
    return "\n".join(lines) + "\n"


# --- JSON ------------------------------------------------------------------------------------


def _json(digest: Digest, ui: str, sections: list[Any], explain: bool) -> str:
    period = digest.period
    picks_by_id = {p.article.id: p for p in digest.picks}
    data = {
        "period": {"week": period.week, "first": period.first.isoformat(),
                   "last": period.last.isoformat()},
        "interface_language": ui,
        "group_by": digest.options.group_by,
        "languages": list(digest.options.languages),
        "considered": digest.considered,
        "stories": digest.stories,
        "sections": [
            {"key": key, "title": title, "picks": [_json_pick(v, picks_by_id[v.id], explain)
                                                   for v in picks]}
            for key, title, picks in sections
        ],
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _json_pick(view: _View, pick: DigestPick, explain: bool) -> dict[str, Any]:
    a = pick.article
    out: dict[str, Any] = {
        "id": a.id, "url": a.url, "title": a.title, "language": a.language,
        "source_id": a.source_id, "source_name": a.source_name,
        "source_country": a.source_country, "date": view.date, "summary": view.summary,
        "topics": [t.id for t in a.topics], "countries": a.countries,
        "cluster_id": a.cluster_id, "story_size": pick.story_size,
        "also_covered_by": pick.story_sources, "pinned": pick.pinned, "note": pick.note,
        "score": pick.score,
    }  # fmt: skip
    if explain:
        out["why"] = pick.parts
    return out


# --- Atom ------------------------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _atom(digest: Digest, ui: str, sections: list[Any], explain: bool) -> str:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: ui})
    _sub(feed, "title", f"{_title(digest, ui)} — {_subtitle(digest, ui)}")
    _sub(feed, "id", f"urn:llwatch:digest:{digest.period.label}:{ui}")
    dates = [v.date for _, _, picks in sections for v in picks if v.date]
    _sub(feed, "updated", max(dates) if dates else digest.period.until)
    _sub(feed, "generator", "llwatch")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _sub(author, "name", "llwatch")
    t = _texts(ui)
    for _, title, picks in sections:
        for v in picks:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry", {XML_LANG: v.lang} if v.lang else {})
            _sub(entry, "id", f"urn:llwatch:article:{v.id}")
            _sub(entry, "title", v.title)
            _sub(entry, "updated", v.date or digest.period.until)
            if v.url:
                ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": v.url})
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": title})
            c = t["colon"]
            lines = [f"{t['note']}{c} {v.note}" if v.note else "", v.summary, v.meta,
                     f"{t['also']}{c} {v.also}" if v.also else "",
                     f"{t['why']}{c} {v.why}" if v.why else ""]  # fmt: skip
            _sub(entry, "summary", "\n\n".join(line for line in lines if line))
    ET.indent(feed)
    body = ET.tostring(feed, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{body}\n'


def _sub(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = _xml_safe(text)
    return element


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Characters XML 1.0 cannot hold, dropped (ElementTree would write them as is)."""
    return _XML_BAD.sub("", text)
