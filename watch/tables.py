"""Readable fixed-width tables for the terminal (wide cells are cut with an ellipsis)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

__all__ = ["render_table"]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    if _width(text) <= width:
        return text + " " * (width - _width(text))
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…" + " " * (width - 1 - _width(out))


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], max_widths: Sequence[int] = ()
) -> str:
    """Columns sized to their content, each at most ``max_widths[i]`` (default 60) wide."""
    cells = [[" ".join(str(c).split()) for c in row] for row in rows]
    widths = []
    for i, header in enumerate(headers):
        cap = max_widths[i] if i < len(max_widths) else 60
        content = max([_width(header), *(_width(r[i]) for r in cells)])
        widths.append(min(cap, content))
    lines = ["  ".join(_fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_fit(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
