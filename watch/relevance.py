"""Relevance to lifelong learning, 0..1, from the topic evidence — explainable.

Each topic t contributes ``p_t = weight_t × score_t`` (the taxonomy's weight says how central the
topic is: school education is relevant but peripheral); they combine as a noisy OR,
``1 - Π(1 - p_t)``: one strong core topic is enough, several weak hints add up, and the
explanation is the list of contributions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from watch.topics import TopicEvidence

__all__ = ["DEFAULT_THRESHOLD", "relevance"]

#: Articles of ``focus: general`` sources below this are not kept (WATCH_RELEVANCE_THRESHOLD).
DEFAULT_THRESHOLD = 0.5


def relevance(
    evidence: Sequence[TopicEvidence], weights: Mapping[str, float]
) -> tuple[float, list[tuple[str, float]]]:
    """(relevance, [(topic id, contribution), …] largest first)."""
    contributions = sorted(
        ((e.id, round(weights.get(e.id, 0.0) * e.score, 3)) for e in evidence),
        key=lambda c: (-c[1], c[0]),
    )
    remaining = 1.0
    for _, p in contributions:
        remaining *= 1.0 - min(max(p, 0.0), 1.0)
    return round(1.0 - remaining, 3), [c for c in contributions if c[1] > 0]
