"""Derive ``watch/data/unesco-labels.tsv`` from the UNESCO Thesaurus (SKOS Turtle) with rdflib.

The derived table (concept id, language, label kind, label) is what llwatch ships: it grounds the
taxonomy (``unesco:`` concept ids) and drives cross-language search (``--translingual``). Like the
Thesaurus it is under CC BY-SA 3.0 IGO (see watch/data/README.md).

    python scripts/build_thesaurus.py [PATH/TO/unesco-thesaurus.ttl]

(default: ``../shared/vocabularies/unesco-thesaurus.ttl`` beside the repository). Needs rdflib
(``pip install -e '.[build]'``); llwatch itself does not.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TTL = ROOT.parent / "shared" / "vocabularies" / "unesco-thesaurus.ttl"
OUT = ROOT / "watch" / "data" / "unesco-labels.tsv"
LANGUAGES = ("en", "fr", "es", "ru", "ar")


def rows(ttl: Path) -> list[tuple[str, str, str, str]]:
    """(concept id, language, pref|alt, label) for every SKOS concept, sorted."""
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    graph = Graph()
    graph.parse(ttl, format="turtle")
    out = set()
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        cid = str(concept).rstrip("/").rsplit("/", 1)[-1]
        for kind, predicate in (("pref", SKOS.prefLabel), ("alt", SKOS.altLabel)):
            for label in graph.objects(concept, predicate):
                lang = getattr(label, "language", None)
                text = " ".join(str(label).split())
                if lang in LANGUAGES and text and "\t" not in text:
                    out.add((cid, lang, kind, text))
    return sorted(out)


def render(table: list[tuple[str, str, str, str]]) -> str:
    header = "# UNESCO Thesaurus labels (CC BY-SA 3.0 IGO), derived by scripts/build_thesaurus.py\n"
    return header + "concept\tlang\tkind\tlabel\n" + "".join("\t".join(r) + "\n" for r in table)


def main(argv: list[str]) -> int:
    ttl = Path(argv[1]) if len(argv) > 1 else DEFAULT_TTL
    if not ttl.exists():
        print(f"{ttl}: no such file — give the path of unesco-thesaurus.ttl", file=sys.stderr)
        return 2
    table = rows(ttl)
    OUT.write_text(render(table), "utf-8")
    print(f"{OUT}: {len(table)} labels of {len({r[0] for r in table})} concepts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
