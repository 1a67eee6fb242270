"""Crawl benchmark: throughput and memory of ``llwatch crawl`` on a generated local site.

What it measures. A site of N feeds × M articles is generated into a temporary folder (RSS 2.0
feeds, one in four Atom, each item linking to a realistic article page of 300-600 words of varied
English, French or Spanish text about adult education, so that trafilatura and the language
detector do real work and no two articles share a text). The site is served on 20 loopback
addresses (127.0.0.1 to 127.0.0.20, one site each, as sources live on many sites) by
:class:`watch.demo.server.SiteServer` (ETag, Last-Modified, 304 answers), then crawled twice by
``python -m watch crawl`` in a child process:

* pass 1, an empty store: every feed and every article page is fetched, extracted and stored;
* pass 2, the unchanged site: every feed should answer 304 (not modified), nothing is stored.

Then ``scrapy bench`` (Scrapy's own benchmark: a local server of linked pages crawled by a bare
spider with Scrapy's defaults) runs in the same session, and the polling rate of pass 2 (feeds
answered per second of crawling: the feeds over the crawl's own ``elapsed_time_seconds`` from
Scrapy's stats, which leaves out start-up such as loading the language models) is printed beside
it as a ratio.

For each pass it prints the wall time, the rate (articles/s, then feeds/s) and the child's own
peak RSS (from ``os.wait4``), plus the ratio of the feeds/s of the two passes. It exits 1 when
pass 1 stored fewer articles than were generated or pass 2 was not "not modified" for every feed,
so that a broken crawl shows; it never judges the timings.

Run from the repository root::

    python bench/crawl.py                      # 200 feeds × 20 articles
    python bench/crawl.py --feeds 20 --articles 5 --keep /tmp/llwatch-bench
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

from watch.demo.server import PLACEHOLDER, SiteServer
from watch.tables import render_table

REPO = Path(__file__).resolve().parent.parent
#: Settings of both crawls: fast on a local server, no retries, no progress line.
CRAWL_ENV = {
    "WATCH_THROTTLE_START_DELAY": "0.01",
    "WATCH_CONCURRENT_PER_DOMAIN": "16",
    "WATCH_CONCURRENT_REQUESTS": "32",
    "WATCH_RETRY_TIMES": "0",
    "WATCH_PROGRESS": "off",
}
LANGUAGES = ("en", "fr", "es")
ORG_TYPES = ("media", "ngo", "government", "research", "network", "un-agency")
EPOCH = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


# --- generated text ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    """Sentence templates and the words that fill their slots, for one language."""

    sentences: tuple[str, ...]
    titles: tuple[str, ...]
    slots: dict[str, tuple[str, ...]]
    countries: tuple[str, ...]
    desk: str  # "{name}" is the feed's name
    site_words: tuple[str, ...]  # nav labels


LEXICONS: dict[str, Lexicon] = {
    "en": Lexicon(
        sentences=(
            "The {group} in {place} have joined {programme}, which now reaches {n} learners.",
            "According to {who}, {programme} has doubled its enrolment since {year}.",
            "Most of the {group} attend evening classes after a full day of work.",
            "{who} said that funding for {topic} remains far below what is needed.",
            "In {place}, {n} adults completed a course in {topic} last year.",
            "Facilitators report that learners value practical lessons on {topic} above all.",
            "The ministry plans to extend {programme} to {n} more communities by {year}.",
            "Critics argue that {topic} is still treated as an afterthought in education budgets.",
            "Several {group} told reporters that the classes changed how they see themselves.",
            "A new survey by {who} finds that {pct} per cent of {group} want further training.",
            "Local employers in {place} now offer paid time off for {topic}.",
            "The programme relies on volunteers, many of them retired teachers from {place}.",
            "{who} warned that without a new grant the classes could close before {year}.",
            "Learning centres in {place} stay open on weekends so that {group} can take part.",
            "Researchers say the benefits of {topic} reach whole families, not only the learners.",
        ),
        titles=(
            "{place}: {programme} brings {topic} to {n} {group}",
            "How {group} in {place} are returning to the classroom",
            "{who} calls for more funding for {topic} in {place}",
            "{n} {group} complete {topic} courses in {place}",
        ),
        slots={
            "group": ("adult learners", "older workers", "women farmers", "migrant workers",
                      "young adults", "retired nurses", "market traders", "jobseekers"),
            "place": ("Kisumu", "Manchester", "Cebu", "Odisha", "Winnipeg", "Lagos", "Glasgow",
                      "Accra", "Brisbane", "Chennai", "Nairobi", "Leeds"),
            "programme": ("the Second Chance scheme", "the Community Learning Network",
                          "the Skills for Life project", "the Evening Classes initiative",
                          "the Learning Cities pilot", "the Open Doors programme"),
            "who": ("the regional education office", "a local learning trust",
                    "the national adult education association", "a university research team",
                    "the programme coordinator", "the trade union federation"),
            "topic": ("adult literacy", "digital skills", "vocational training",
                      "financial literacy", "language learning", "lifelong learning",
                      "community education", "workplace learning"),
        },
        countries=("GB", "KE", "PH", "IN", "CA", "NG", "AU", "GH"),
        desk="Reporting by the {name} desk.",
        site_words=("Home", "World", "Literacy", "Skills", "Policy", "Opinion"),
    ),
    "fr": Lexicon(
        sentences=(
            "Les {group} de {place} ont rejoint {programme}, qui touche désormais {n} apprenants.",
            "Selon {who}, {programme} a doublé ses inscriptions depuis {year}.",
            "La plupart des {group} suivent les cours du soir après une journée de travail.",
            "{who} estime que le financement de {topic} reste très insuffisant.",
            "À {place}, {n} adultes ont suivi une formation en {topic} l'an dernier.",
            "Les formateurs constatent que les apprenants apprécient surtout les cours pratiques.",
            "Le ministère prévoit d'étendre {programme} à {n} nouvelles communes d'ici {year}.",
            "Pour les critiques, {topic} reste le parent pauvre des budgets de l'éducation.",
            "Plusieurs {group} racontent que ces cours ont changé leur regard sur eux-mêmes.",
            "Une enquête de {who} montre que {pct} pour cent des {group} veulent se former.",
            "À {place}, les employeurs accordent désormais des heures payées pour {topic}.",
            "Le dispositif repose sur des bénévoles, souvent des enseignants retraités.",
            "{who} prévient que sans nouvelle subvention les cours pourraient fermer avant {year}.",
            "Les centres de {place} restent ouverts le samedi pour accueillir les {group}.",
            "Les chercheurs soulignent que les bienfaits de {topic} profitent à toute la famille.",
        ),
        titles=(
            "{place} : {programme} ouvre {topic} à {n} {group}",
            "À {place}, les {group} reprennent le chemin de la formation",
            "{who} réclame davantage de moyens pour {topic}",
            "{n} {group} diplômés grâce à {topic} à {place}",
        ),
        slots={
            "group": ("adultes en reprise d'études", "salariés seniors", "agricultrices",
                      "travailleurs migrants", "jeunes adultes", "aides-soignantes",
                      "commerçants", "demandeurs d'emploi"),
            "place": ("Kaolack", "Lyon", "Abidjan", "Tanger", "Lille", "Dakar", "Marseille",
                      "Bamako", "Québec", "Liège", "Rennes", "Cotonou"),
            "programme": ("le dispositif Deuxième Chance", "le réseau des centres de savoirs",
                          "le programme Compétences pour tous", "l'initiative Cours du soir",
                          "le projet Villes apprenantes", "le plan Portes ouvertes"),
            "who": ("la délégation régionale", "une association locale d'éducation populaire",
                    "la fédération nationale de la formation des adultes",
                    "une équipe de chercheurs", "la coordinatrice du programme",
                    "l'union des syndicats"),
            "topic": ("l'alphabétisation des adultes", "les compétences numériques",
                      "la formation professionnelle", "l'éducation financière",
                      "l'apprentissage des langues", "la formation tout au long de la vie",
                      "l'éducation populaire", "la validation des acquis"),
        },
        countries=("FR", "SN", "CI", "MA", "BE", "CA", "ML", "BJ"),
        desk="Un reportage de la rédaction de {name}.",
        site_words=("Accueil", "Monde", "Alphabétisation", "Compétences", "Politiques", "Débats"),
    ),
    "es": Lexicon(
        sentences=(
            "Los {group} de {place} se sumaron a {programme}, que ya llega a {n} estudiantes.",
            "Según {who}, {programme} ha duplicado sus inscripciones desde {year}.",
            "La mayoría de los {group} asiste a clases nocturnas después de trabajar todo el día.",
            "{who} afirmó que la financiación de {topic} sigue siendo muy insuficiente.",
            "En {place}, {n} adultos completaron un curso de {topic} el año pasado.",
            "Los facilitadores cuentan que los estudiantes valoran sobre todo las clases prácticas.",
            "El ministerio prevé ampliar {programme} a {n} comunidades más antes de {year}.",
            "Para los críticos, {topic} sigue siendo la hermana pobre del presupuesto educativo.",
            "Varios {group} explicaron que las clases cambiaron la forma en que se ven a sí mismos.",
            "Una encuesta de {who} revela que el {pct} por ciento de los {group} quiere formarse.",
            "En {place}, las empresas ya conceden horas pagadas para {topic}.",
            "El programa depende de voluntarios, muchos de ellos maestros jubilados.",
            "{who} advirtió que sin una nueva subvención las clases podrían cerrar antes de {year}.",
            "Los centros de {place} abren los sábados para que los {group} puedan participar.",
            "Los investigadores señalan que los beneficios de {topic} alcanzan a toda la familia.",
        ),
        titles=(
            "{place}: {programme} lleva {topic} a {n} {group}",
            "En {place}, los {group} vuelven a las aulas",
            "{who} pide más recursos para {topic}",
            "{n} {group} terminan sus cursos de {topic} en {place}",
        ),
        slots={
            "group": ("adultos mayores", "trabajadores migrantes", "mujeres campesinas",
                      "jóvenes adultos", "cuidadores", "comerciantes", "desempleados",
                      "pescadores"),
            "place": ("Oaxaca", "Antofagasta", "Caldas", "Londrina", "Sevilla", "Cusco",
                      "Rosario", "Valparaíso", "Medellín", "Puebla", "Córdoba", "Quito"),
            "programme": ("el programa Segunda Oportunidad", "la Red de Aprendizaje Comunitario",
                          "el proyecto Competencias para la Vida", "la iniciativa Clases Nocturnas",
                          "el piloto Ciudades del Aprendizaje", "el plan Puertas Abiertas"),
            "who": ("la secretaría regional de educación", "una fundación local",
                    "la asociación nacional de educación de adultos",
                    "un equipo de investigadores universitarios",
                    "la coordinadora del programa", "la federación sindical"),
            "topic": ("la alfabetización de adultos", "las competencias digitales",
                      "la formación profesional", "la educación financiera",
                      "el aprendizaje de idiomas", "el aprendizaje a lo largo de la vida",
                      "la educación comunitaria", "la validación de competencias"),
        },
        countries=("MX", "CL", "CO", "BR", "ES", "PE", "AR", "EC"),
        desk="Información de la redacción de {name}.",
        site_words=("Inicio", "Mundo", "Alfabetización", "Competencias", "Políticas", "Opinión"),
    ),
}  # fmt: skip


def fill(template: str, lexicon: Lexicon, rng: random.Random) -> str:
    """One template with every slot filled at random."""
    values = {slot: rng.choice(words) for slot, words in lexicon.slots.items()}
    values |= {"n": str(rng.randint(12, 4800)), "pct": str(rng.randint(5, 95))}
    values["year"] = str(rng.randint(2019, 2030))
    text = template.format(**values)
    return text[0].upper() + text[1:]


def paragraphs(lexicon: Lexicon, rng: random.Random, lead: str) -> list[str]:
    """4-6 paragraphs, 300-600 words in all, the first opening with ``lead``."""
    target = rng.randint(300, 600)
    count = rng.randint(4, 6)
    sentences = [lead]
    while sum(len(s.split()) for s in sentences) < target:
        sentences.append(fill(rng.choice(lexicon.sentences), lexicon, rng))
    size = -(-len(sentences) // count)
    return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences), size)]


# --- the site ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One generated article: its page, and what its feed entry says."""

    slug: str
    title: str
    summary: str
    author: str
    published: datetime
    body: list[str]


@dataclass(frozen=True)
class FeedSpec:
    """One generated feed and its source entry in feeds.yaml."""

    index: int
    language: str
    atom: bool

    @property
    def id(self) -> str:
        return f"bench-{self.index:04d}"

    @property
    def name(self) -> str:
        return f"Learning Post {self.index:04d}"

    @property
    def path(self) -> str:
        return f"/{self.id}/" + ("atom.xml" if self.atom else "feed.xml")


def make_story(feed: FeedSpec, number: int, rng: random.Random) -> Story:
    lexicon = LEXICONS[feed.language]
    published = EPOCH - timedelta(days=feed.index % 30, hours=number * 7, minutes=feed.index)
    lead = f"{fill(rng.choice(lexicon.sentences), lexicon, rng)} " + lexicon.desk.format(
        name=feed.name
    )
    body = paragraphs(lexicon, rng, f"({published:%d.%m.%Y}, n° {number}) {lead}")
    return Story(
        slug=f"story-{number:03d}",
        title=fill(rng.choice(lexicon.titles), lexicon, rng),
        summary=fill(rng.choice(lexicon.sentences), lexicon, rng),
        author=rng.choice(("A. Okafor", "M. Diallo", "L. Fernández", "S. Lindqvist", "J. Roy")),
        published=published,
        body=body,
    )


def article_html(feed: FeedSpec, story: Story) -> str:
    """A news page: head metadata, cookie banner, nav, the article, related links, footer."""
    lexicon = LEXICONS[feed.language]
    home = f"/{feed.id}/"
    url = f"{PLACEHOLDER}{home}articles/{story.slug}.html"
    nav = "".join(
        f'<li><a href="{home}#{w.lower()}">{escape(w)}</a></li>' for w in lexicon.site_words
    )
    body = "\n".join(f"    <p>{escape(p)}</p>" for p in story.body)
    title, summary = escape(story.title), escape(story.summary)
    return f"""<!doctype html>
<html lang="{feed.language}">
<head>
<meta charset="utf-8">
<title>{title} | {escape(feed.name)}</title>
<meta name="description" content="{summary}">
<link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{story.published.isoformat()}">
<meta name="author" content="{escape(story.author)}">
<style>body{{font-family:serif;margin:0}}nav ul{{display:flex;gap:1em}}</style>
</head>
<body>
<div class="cookie-banner" role="dialog"><p>We use cookies. <a href="{home}#cookies">Policy</a></p>
<button type="button">Accept all</button></div>
<header class="site-header"><a class="logo" href="{home}">{escape(feed.name)}</a>
  <nav aria-label="Main menu"><ul>{nav}</ul></nav>
</header>
<main>
<article>
  <h1>{title}</h1>
  <p class="standfirst">{summary}</p>
  <div class="byline">{escape(story.author)} · <time datetime="{story.published.isoformat()}">{story.published:%Y-%m-%d}</time></div>
  <div class="article-body">
{body}
  </div>
</article>
<aside class="sidebar"><h2>Related</h2><ul>
  <li><a href="{home}articles/story-000.html">{escape(feed.name)}</a></li></ul>
  <form action="{home}newsletter" method="post"><input type="email" name="email"></form>
</aside>
</main>
<footer><p><a href="{home}#about">About</a> | <a href="{home}#privacy">Privacy</a></p>
<p>© 2025 {escape(feed.name)}</p></footer>
</body>
</html>
"""


def rss_xml(feed: FeedSpec, stories: list[Story]) -> str:
    items = "".join(
        f"""
    <item>
      <title>{escape(s.title)}</title>
      <link>{PLACEHOLDER}/{feed.id}/articles/{s.slug}.html</link>
      <guid isPermaLink="false">{feed.id}:{s.slug}</guid>
      <pubDate>{format_datetime(s.published)}</pubDate>
      <dc:creator>{escape(s.author)}</dc:creator>
      <description>{escape(s.summary)}</description>
    </item>"""
        for s in stories
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(feed.name)}</title>
    <link>{PLACEHOLDER}/{feed.id}/</link>
    <description>News on adult learning</description>
    <language>{feed.language}</language>{items}
  </channel>
</rss>
"""


def atom_xml(feed: FeedSpec, stories: list[Story]) -> str:
    entries = "".join(
        f"""
  <entry>
    <title>{escape(s.title)}</title>
    <link rel="alternate" type="text/html" href="{PLACEHOLDER}/{feed.id}/articles/{s.slug}.html"/>
    <id>tag:{feed.id}.example,2025:{s.slug}</id>
    <published>{s.published.isoformat()}</published>
    <updated>{s.published.isoformat()}</updated>
    <author><name>{escape(s.author)}</name></author>
    <summary type="text">{escape(s.summary)}</summary>
  </entry>"""
        for s in stories
    )
    updated = max(s.published for s in stories).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.language}">
  <title>{escape(feed.name)}</title>
  <link rel="alternate" type="text/html" href="{PLACEHOLDER}/{feed.id}/"/>
  <id>tag:{feed.id}.example,2025:feed</id>
  <updated>{updated}</updated>{entries}
</feed>
"""


def generate_site(root: Path, n_feeds: int, n_articles: int, seed: int = 0) -> list[FeedSpec]:
    """Write the feeds, their article pages and a robots.txt under ``root``."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    feeds = [FeedSpec(i, LANGUAGES[i % 3], atom=i % 4 == 3) for i in range(n_feeds)]
    for feed in feeds:
        stories = [make_story(feed, j, rng) for j in range(n_articles)]
        folder = root / feed.id / "articles"
        folder.mkdir(parents=True)
        for story in stories:
            (folder / f"{story.slug}.html").write_text(article_html(feed, story), "utf-8")
        text = (atom_xml if feed.atom else rss_xml)(feed, stories)
        (root / feed.path.lstrip("/")).write_text(text, "utf-8")
    return feeds


def write_sources(path: Path, feeds: list[FeedSpec], base_urls: list[str]) -> None:
    """The watch list of the generated feeds, spread over the running servers (one site each)."""
    lines = ["sources:"]
    for feed in feeds:
        base_url = base_urls[feed.index % len(base_urls)]
        lexicon = LEXICONS[feed.language]
        lines += [
            f"  - id: {feed.id}",
            f"    name: {json.dumps(feed.name)}",
            f"    url: {json.dumps(base_url + feed.path)}",
            f"    country: {lexicon.countries[feed.index % len(lexicon.countries)]}",
            f"    languages: [{feed.language}]",
            f"    org_type: {ORG_TYPES[feed.index % len(ORG_TYPES)]}",
        ]
    path.write_text("\n".join(lines) + "\n", "utf-8")


# --- the crawls --------------------------------------------------------------------------------


@dataclass
class Pass:
    """One crawl in a child process: its exit code, output, wall time and peak RSS."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mib: float

    def summary(self) -> dict[str, Any] | None:
        """The JSON summary the crawl printed, or None when it printed none."""
        try:
            return json.loads(self.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            return None


def run_pass(
    data_dir: Path, sources: Path, logs: Path, timeout: float, extra: tuple[str, ...] = ()
) -> Pass:
    """``python -m watch crawl --force --format json`` timed, with the child's own rusage."""
    command = [sys.executable, "-m", "watch", "crawl", "--data-dir", str(data_dir),
               "--sources", str(sources), "--force", "--format", "json", *extra]  # fmt: skip
    env = os.environ | CRAWL_ENV
    out_path, err_path = logs.with_suffix(".out"), logs.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=REPO)
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        watchdog.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Pass(
        returncode=proc.returncode,
        stdout=out_path.read_text("utf-8", "replace"),
        stderr=err_path.read_text("utf-8", "replace"),
        seconds=seconds,
        peak_rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
    )


def scrapy_stat(log: str, name: str) -> float:
    """One number of the stats Scrapy dumps at the end of a crawl (INFO log), or 0."""
    found = re.search(rf"'{re.escape(name)}': ([0-9.]+)", log)
    return float(found.group(1)) if found else 0.0


def scrapy_bench(seconds: float, work: Path) -> tuple[int, float]:
    """``scrapy bench`` for ``seconds``, outside any project (Scrapy's defaults):
    (responses received, elapsed seconds)."""
    folder = work / "scrapy-bench"
    folder.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "scrapy.cmdline", "bench", "-s",
               f"CLOSESPIDER_TIMEOUT={seconds:g}", "-s", "LOG_LEVEL=INFO"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=folder, check=False)
    log = done.stderr + done.stdout
    return int(scrapy_stat(log, "response_received_count")), scrapy_stat(
        log, "elapsed_time_seconds"
    )


def language_counts(data_dir: Path) -> dict[str, int]:
    """Articles per detected language, from ``llwatch stats``."""
    command = [sys.executable, "-m", "watch", "stats", "--data-dir", str(data_dir), "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    try:
        return dict(json.loads(done.stdout)["by_language"])
    except (json.JSONDecodeError, KeyError):
        return {}


# --- the report --------------------------------------------------------------------------------


def statuses(summary: dict[str, Any] | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for source in (summary or {}).get("sources", []):
        counts[source["status"]] = counts.get(source["status"], 0) + 1
    return counts


def total(summary: dict[str, Any] | None, key: str) -> int:
    return sum(int(s.get(key, 0)) for s in (summary or {}).get("sources", []))


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def report(first: Pass, second: Pass, n_feeds: int, n_articles: int) -> list[str]:
    """The figures of both passes, then the problems found (an empty list when none)."""
    one, two = first.summary(), second.summary()
    stored = total(one, "new")
    unchanged = statuses(two).get("not_modified", 0)
    rows = [
        ["1 (empty store)", n_feeds, f"{stored} stored", f"{first.seconds:.2f}",
         f"{rate(stored, first.seconds):.1f} articles/s", f"{first.peak_rss_mib:.0f}"],
        ["2 (unchanged)", n_feeds, f"{unchanged} not modified", f"{second.seconds:.2f}",
         f"{rate(n_feeds, second.seconds):.1f} feeds/s", f"{second.peak_rss_mib:.0f}"],
    ]  # fmt: skip
    print(render_table(["pass", "feeds", "outcome", "seconds", "rate", "peak RSS MiB"], rows))
    ratio = rate(n_feeds, second.seconds) / max(rate(n_feeds, first.seconds), 1e-9)
    print(f"pass 2 feeds/s ÷ pass 1 feeds/s: {ratio:.1f}×")
    crawling = scrapy_stat(second.stderr, "elapsed_time_seconds")
    print(f"pass 2 polling: {unchanged} unchanged feeds in {crawling:.2f}s of crawling "
          f"(start-up left out): {rate(unchanged, crawling):.1f} feeds/s")  # fmt: skip
    print(f"pass 1 article text from the feed (page failed): {total(one, 'fallback')}")
    return check(first, second, n_feeds * n_articles, n_feeds)


def check(first: Pass, second: Pass, n_stories: int, n_feeds: int) -> list[str]:
    problems = []
    for number, done in ((1, first), (2, second)):
        if done.returncode != 0 or done.summary() is None:
            problems.append(f"pass {number}: exit code {done.returncode}, stderr:\n{done.stderr}")
    stored = total(first.summary(), "new")
    if stored < n_stories:
        problems.append(
            f"pass 1 stored {stored} of {n_stories} articles {statuses(first.summary())}"
        )
    unchanged = statuses(second.summary()).get("not_modified", 0)
    if unchanged != n_feeds:
        problems.append(
            f"pass 2: {unchanged} of {n_feeds} feeds not modified {statuses(second.summary())}"
        )
    return problems


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200, help="feeds to generate (200)")
    parser.add_argument("--articles", type=int, default=20, help="articles per feed (20)")
    parser.add_argument("--hosts", type=int, default=20, choices=range(1, 255), metavar="N",
                        help="sites (loopback addresses) the feeds are spread over (20)")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (site, data)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per crawl (1800)")
    parser.add_argument("--scrapy-bench", type=float, default=10, metavar="SECONDS",
                        help="run `scrapy bench` this long for comparison (10; 0: skip)")  # fmt: skip
    return parser.parse_args(argv)


def bench(work: Path, args: argparse.Namespace) -> int:
    site_dir, data_dir = work / "site", work / "data"
    started = time.perf_counter()
    feeds = generate_site(site_dir, args.feeds, args.articles)
    print(f"site: {args.feeds} feeds × {args.articles} articles "
          f"in {time.perf_counter() - started:.1f}s under {work}")  # fmt: skip
    with contextlib.ExitStack() as stack:
        # the sources live on several sites, as in the world: one loopback address each, so
        # Scrapy's per-site politeness (slots, AutoThrottle) applies per site, not to them all
        sites = [stack.enter_context(SiteServer(site_dir, host=f"127.0.0.{n + 1}"))
                 for n in range(args.hosts)]  # fmt: skip
        sources = work / "feeds.yaml"
        write_sources(sources, feeds, [site.base_url for site in sites])
        first = run_pass(data_dir, sources, work / "pass1", args.timeout)
        second = run_pass(data_dir, sources, work / "pass2", args.timeout, ("-v",))
    problems = report(first, second, args.feeds, args.articles)
    if args.scrapy_bench:
        pages, seconds = scrapy_bench(args.scrapy_bench, work)
        polled = statuses(second.summary()).get("not_modified", 0)
        polling = rate(polled, scrapy_stat(second.stderr, "elapsed_time_seconds"))
        print(f"scrapy bench (same run, Scrapy defaults): {pages} pages in {seconds:.2f}s: "
              f"{rate(pages, seconds):.1f} pages/s")  # fmt: skip
        print(f"unchanged-feed polling ÷ scrapy bench page rate: "
              f"{polling / max(rate(pages, seconds), 1e-9):.0%}")  # fmt: skip
    print(f"languages detected: {language_counts(data_dir)}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.keep:
        if args.keep.exists() and any(args.keep.iterdir()):
            sys.exit(f"--keep {args.keep}: give an empty or new folder")
        args.keep.mkdir(parents=True, exist_ok=True)
        return bench(args.keep, args)
    with tempfile.TemporaryDirectory(prefix="llwatch-bench-") as work:
        return bench(Path(work), args)


if __name__ == "__main__":
    sys.exit(main())
