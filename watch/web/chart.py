"""The trend chart of the search page: an inline SVG drawn on the server (no script, no
external library), with a title and description for screen readers."""

from __future__ import annotations

from html import escape

__all__ = ["trend_svg"]

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
