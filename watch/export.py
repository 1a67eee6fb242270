"""Articles as export lines — JSON Lines (every stored field) or CSV (one column per field, list
cells JSON-encoded) — for ``llwatch export`` and the web API's ``/api/export``; streamed, one
article at a time."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import IO, Literal

from watch.items import ARTICLE_FIELDS, Article

__all__ = ["ExportFormat", "export_lines", "write_export"]

ExportFormat = Literal["jsonl", "csv"]


def export_lines(articles: Iterable[Article], fmt: ExportFormat) -> Iterator[str]:
    """The export's lines (CSV: the header first), each with its line end."""
    if fmt == "jsonl":
        for article in articles:
            yield json.dumps(article.to_dict(), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ARTICLE_FIELDS))
    writer.writeheader()
    for article in articles:
        row = article.to_dict()
        for key, value in row.items():
            if isinstance(value, list):
                row[key] = json.dumps(value, ensure_ascii=False)
        writer.writerow(row)
        yield _drain(buffer)
    yield _drain(buffer)  # the header alone when there was no article


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def write_export(articles: Iterable[Article], fmt: ExportFormat, handle: IO[str]) -> int:
    """Write the export to ``handle``; the number of articles."""
    count = 0

    def counted() -> Iterator[Article]:
        nonlocal count
        for count, article in enumerate(articles, start=1):  # noqa: B007
            yield article

    for line in export_lines(counted(), fmt):
        handle.write(line)
    return count
