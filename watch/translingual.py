"""Cross-language search: a query term that is a known concept label is expanded to the labels
of the same concept in every language ("adult literacy" also finds "alphabétisation des adultes"
and "alfabetización de adultos").

Concepts come from the UNESCO Thesaurus (``watch/data/unesco-labels.tsv``: en, fr, es, ru, ar;
CC BY-SA 3.0 IGO) and from the taxonomy's topic labels (en, fr, es). Words typed without quotes
are matched too: the longest run of plain words that is a label is expanded.
"""

from __future__ import annotations

import csv
import functools
import unicodedata
from collections import defaultdict
from importlib import resources
from importlib.resources.abc import Traversable

from watch.query import And, Node, Not, Or, Phrase, Term
from watch.taxonomy import Taxonomy

__all__ = ["LABELS_FILE", "Expander", "fold"]

LABELS_FILE: Traversable = resources.files("watch") / "data" / "unesco-labels.tsv"
#: Longest run of words tried as one label.
MAX_WORDS = 6
#: Most alternative phrasings added for one term.
MAX_ALTERNATIVES = 40


def fold(text: str) -> str:
    """Case, accents and spacing folded (``Alphabétisation`` → ``alphabetisation``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@functools.cache
def _shipped_thesaurus() -> dict[str, tuple[str, ...]]:
    return _thesaurus(LABELS_FILE)


def _thesaurus(path: Traversable) -> dict[str, tuple[str, ...]]:
    """concept id → its labels in every language."""
    labels: dict[str, list[str]] = defaultdict(list)
    with path.open("r", encoding="utf-8") as handle:
        rows = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            labels[row["concept"]].append(row["label"])
    return {cid: tuple(dict.fromkeys(v)) for cid, v in labels.items()}


class Expander:
    """Expands the terms of a query tree to the other languages' labels of the same concepts."""

    def __init__(
        self, taxonomy: Taxonomy | None = None, labels_file: Traversable = LABELS_FILE
    ) -> None:
        concepts = dict(
            _shipped_thesaurus() if labels_file is LABELS_FILE else _thesaurus(labels_file)
        )
        for topic in taxonomy.topics if taxonomy else ():
            concepts[f"topic:{topic.id}"] = tuple(topic.labels.values())
        self.concepts = concepts
        self.index: dict[str, set[str]] = defaultdict(set)
        for cid, labels in concepts.items():
            for label in labels:
                self.index[fold(label)].add(cid)

    def alternatives(self, text: str) -> list[str]:
        """Every label of every concept that ``text`` names (``text`` itself left out)."""
        key = fold(text)
        found: dict[str, None] = {}
        for cid in sorted(self.index.get(key, ())):
            for label in self.concepts[cid]:
                if fold(label) != key:
                    found.setdefault(label)
        return list(found)[:MAX_ALTERNATIVES]

    def expand(self, node: Node | None) -> Node | None:
        """The tree with known labels OR-ed with their translations (negations left as they are)."""
        if node is None or isinstance(node, Not):
            return node
        if isinstance(node, Term | Phrase):
            return self._leaf(node)
        if isinstance(node, Or):
            return Or(tuple(self.expand(c) or c for c in node.children))
        if isinstance(node, And):
            return self._and(node)
        return node

    def _leaf(self, node: Term | Phrase) -> Node:
        if isinstance(node, Term) and node.prefix:
            return node
        return self._with(node, node.text, node.pos)

    def _with(self, original: Node, text: str, pos: int) -> Node:
        others = self.alternatives(text)
        if not others:
            return original
        return Or((original, *(Phrase(label, pos) for label in others)))

    def _and(self, node: And) -> Node:
        children = list(node.children)
        out: list[Node] = []
        i = 0
        while i < len(children):
            size = self._run_label(children, i)
            if size > 1:
                run = children[i : i + size]
                text = " ".join(c.text for c in run if isinstance(c, Term))
                out.append(self._with(And(tuple(run)), text, run[0].pos))  # type: ignore[union-attr]
                i += size
            else:
                out.append(self.expand(children[i]) or children[i])
                i += 1
        return out[0] if len(out) == 1 else And(tuple(out))

    def _run_label(self, children: list[Node], start: int) -> int:
        """Length of the longest run of plain words from ``start`` that is a known label."""
        words: list[str] = []
        for child in children[start : start + MAX_WORDS]:
            if not isinstance(child, Term) or child.prefix:
                break
            words.append(child.text)
        for size in range(len(words), 1, -1):
            if fold(" ".join(words[:size])) in self.index:
                return size
        return 0
