"""The charts of the pages: inline SVG drawn on the server (no script, no external library),
with a title and description for screen readers: the search page's trend, and the coverage
page's regions and per-country bars."""

from __future__ import annotations

import math
from html import escape

__all__ = ["bars_svg", "regions_svg", "trend_svg"]

WIDTH, HEIGHT, PAD = 640, 160, 28


def trend_svg(periods: list[str], counts: list[int], title: str, description: str) -> str:
    """An area chart of ``counts`` over ``periods`` (first days), or "" when there is nothing to
    draw. Every text is escaped; the SVG scales to its container."""
    if not periods or not any(counts):
        return ""
    top = max(counts)
    n = len(counts)
    step = (WIDTH - 2 * PAD) / max(1, n - 1)

    def point(i: int, value: int) -> tuple[float, float]:
        return PAD + i * step, HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    points = [point(i, c) for i, c in enumerate(counts)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    base = HEIGHT - PAD
    area = f"{PAD:.1f},{base} {line} {points[-1][0]:.1f},{base}"
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#0b4f8a"><title>{escape(p)}: {c}'
        "</title></circle>"
        for (x, y), p, c in zip(points, periods, counts, strict=True)
    )
    return (
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="trend-title trend-desc" preserveAspectRatio="none">'
        f'<title id="trend-title">{escape(title)}</title>'
        f'<desc id="trend-desc">{escape(description)}</desc>'
        f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#767676"/>'
        f'<polygon points="{area}" fill="#cfe0f1"/>'
        f'<polyline points="{line}" fill="none" stroke="#0b4f8a" stroke-width="2"/>{dots}'
        f'<text x="{PAD}" y="{HEIGHT - 8}" font-size="11" fill="#444">{escape(periods[0][:7])}</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="11" fill="#444" '
        f'text-anchor="end">{escape(periods[-1][:7])}</text>'
        f'<text x="{PAD}" y="{PAD - 10}" font-size="11" fill="#444">{top}</text></svg>'
    )


BAR_WIDTH = 200


def bar_length(count: int, top: int, width: float = BAR_WIDTH) -> float:
    """The length of a bar of ``count`` when the longest is ``top``, on a logarithmic scale (a
    country with 3 articles stays visible next to one with 3,000); 0 for 0."""
    if count <= 0 or top <= 0:
        return 0.0
    return max(2.0, width * math.log1p(count) / math.log1p(top))


def bars_svg(own: int, mentioned: int, top: int) -> str:
    """A country's two bars (from its sources, mentioning it) for its row of the coverage
    table; decorative (the numbers are in the row's cells), so hidden from screen readers."""
    first, second = bar_length(own, top), bar_length(mentioned, top)
    return (
        f'<svg class="bars" viewBox="0 0 {BAR_WIDTH} 18" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false">'
        f'<rect class="own" x="0" y="2" width="{first:.1f}" height="6"/>'
        f'<rect class="mentioned" x="0" y="10" width="{second:.1f}" height="6"/></svg>'
    )


def regions_svg(regions: list[tuple[str, int, int]], title: str, description: str) -> str:
    """One bar per region: the share of its countries covered (``(label, covered, total)``),
    the covered part dark, the rest light, ``covered / total`` written after it; "" when there
    is no region."""
    regions = [r for r in regions if r[2] > 0]
    if not regions:
        return ""
    label_width, bar_width, row = 230, 300, 26
    height = row * len(regions) + 8
    parts = []
    for i, (label, covered, total) in enumerate(regions):
        y = 4 + i * row
        done = bar_width * covered / total
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="13" '
            f'fill="#1a1a1a">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_width}" height="16" fill="#f6d7d4">'
            f"<title>{escape(label)}: {total - covered} / {total}</title></rect>"
            f'<rect x="{label_width}" y="{y + 3}" width="{done:.1f}" height="16" fill="#0b4f8a">'
            f"<title>{escape(label)}: {covered} / {total}</title></rect>"
            f'<text x="{label_width + bar_width + 8}" y="{y + 15}" font-size="13" '
            f'fill="#1a1a1a">{covered} / {total}</text>'
        )
    width = label_width + bar_width + 70
    return (
        f'<svg class="regions" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="regions-title regions-desc">'
        f'<title id="regions-title">{escape(title)}</title>'
        f'<desc id="regions-desc">{escape(description)}</desc>{"".join(parts)}</svg>'
    )
