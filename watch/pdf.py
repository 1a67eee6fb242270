"""PDF article boundary over pypdf: PDF bytes in, :class:`~watch.extract.PageArticle` out.

Many organisations publish their news, briefs and reports as PDF. :func:`extract_pdf` reads the
text of the first pages and the document's metadata, and shapes them like an article page:

- text: each page's lines with the running headers and footers removed (a line at the top or
  bottom of most pages, digits ignored, so "Page 3 of 12" goes too), lines joined into
  paragraphs, words hyphenated at a line end joined again;
- title: the metadata title unless it is a file name or a placeholder, else the line set in the
  largest type on the first page, else its first line;
- published: CreationDate, else ModDate (UTC), never in the future; authors: Author split on
  ``;``; description: Subject; language: the catalog's ``/Lang``.

Bounded and never raising: a body over ``max_bytes``, an encrypted file that an empty password
does not open, a corrupt file, no text, or a document still being read after ``time_limit``
seconds (checked between pages) gives None, and ``on_skip`` (if given) is called with the reason:
``too_big``, ``encrypted``, ``corrupt``, ``no_text`` or ``timeout``. pypdf's own limits bound
each stream's decompressed size (75 MB); a single pathological page can still take long, so
callers that need a hard limit run this in a worker with a timeout.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from watch.extract import MIN_TEXT_CHARS, PageArticle
from watch.feeds import plausible_iso
from watch.text import clean_text, language_tag

__all__ = ["MAX_PDF_BYTES", "MAX_PDF_PAGES", "SKIP_REASONS", "extract_pdf"]

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

MAX_PDF_BYTES = 16 * 1024 * 1024
MAX_PDF_PAGES = 30
SKIP_REASONS = ("too_big", "encrypted", "corrupt", "no_text", "timeout")
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be header/footer
_JUNK_TITLE = re.compile(
    r"^(untitled|document\d*|microsoft (word|powerpoint)\b.*|.*\.(docx?|pdf|indd|pptx?|odt))$", re.I
)
_SENTENCE_END = re.compile(r"[.!?:;…»”\"')\]]$")


class _Skip(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def extract_pdf(
    body: bytes,
    url: str,
    *,
    max_bytes: int = MAX_PDF_BYTES,
    max_pages: int = MAX_PDF_PAGES,
    time_limit: float = 20.0,
    on_skip: Callable[[str], None] | None = None,
) -> PageArticle | None:
    """The text and metadata of a PDF document; None (reason to ``on_skip``) when unusable."""
    try:
        return _extract(body, max_bytes, max_pages, time.monotonic() + time_limit)
    except _Skip as skip:
        reason, detail = skip.reason, str(skip)
    except Exception as exc:  # pypdf raises many types on broken files: all mean "corrupt"
        reason, detail = "corrupt", f"{type(exc).__name__}: {exc}"
    logger.info("PDF %s skipped (%s): %s", url, reason, detail[:200])
    if on_skip is not None:
        on_skip(reason)
    return None


def _extract(body: bytes, max_bytes: int, max_pages: int, deadline: float) -> PageArticle:
    if len(body) > max_bytes:
        raise _Skip("too_big", f"{len(body):,} bytes, more than {max_bytes:,}")
    if b"%PDF-" not in body[:1024]:
        raise _Skip("corrupt", "no %PDF- header")
    reader = _open(body)
    pages, title_size_line = _page_lines(reader, max_pages, deadline)
    text = _join(_without_edges(pages))
    letters = sum(ch.isalpha() for ch in text)
    if len(text) < MIN_TEXT_CHARS or letters < MIN_TEXT_CHARS * 2 // 3:
        raise _Skip("no_text", f"{len(text)} characters of text (a scan without a text layer?)")
    meta = _metadata(reader)
    first_line = next((line for line in (pages[0] if pages else []) if line.strip()), "")
    return PageArticle(
        text=text,
        title=_title(meta.get("title", ""), title_size_line, first_line),
        authors=[a.strip() for a in meta.get("author", "").split(";") if a.strip()],
        published=meta.get("published", ""),
        description=clean_text(meta.get("subject", "")),
        language=_language(reader),
    )


def _open(body: bytes) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # unsupported algorithm, missing crypto dependency
            raise _Skip("encrypted", f"cannot decrypt ({exc})") from None
        if not opened:
            raise _Skip("encrypted", "a password is needed to open it")
    return reader


# --- pages -------------------------------------------------------------------------------------


def _page_lines(reader: Any, max_pages: int, deadline: float) -> tuple[list[list[str]], str]:
    """The lines of each of the first pages, and the largest-type line of the first page."""
    pages: list[list[str]] = []
    sized: list[tuple[float, str]] = []
    for number, page in enumerate(reader.pages):
        if number >= max_pages:
            break
        if time.monotonic() > deadline:
            if pages:
                break  # keep what was read in time
            raise _Skip("timeout", "the time limit passed before the first page was read")
        visitor = _sizes(sized) if number == 0 else None
        raw = page.extract_text(visitor_text=visitor) or ""
        pages.append([clean_text(line) for line in raw.splitlines()])
    return pages, _largest(sized)


def _sizes(found: list[tuple[float, str]]) -> Callable[..., None]:
    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        try:
            scale = abs(float(tm[3]) * float(cm[3])) or 1.0
            found.append((float(size) * scale, text))
        except (TypeError, ValueError, IndexError):
            return

    return visit


def _largest(sized: list[tuple[float, str]]) -> str:
    """The text set in the largest type (at least 1.3 times the most common size)."""
    sized = [(size, text) for size, text in sized if text.strip()]
    if not sized:
        return ""
    common = Counter(round(size, 1) for size, _ in sized).most_common(1)[0][0]
    top = max(size for size, _ in sized)
    if top < common * 1.3:
        return ""
    return clean_text(" ".join(text for size, text in sized if size >= top - 0.5))


def _without_edges(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers, and header/footer lines found at the edges of most pages."""
    pages = [[line for line in lines if line and not line.isdigit()] for lines in pages]
    if len(pages) < 3:
        return pages
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_shape(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]})
    repeated = {s for s, n in counts.items() if s and n >= max(3, len(pages) * 0.6)}
    return [[ln for i, ln in enumerate(lines) if not _is_edge(i, len(lines), ln, repeated)]
            for lines in pages]  # fmt: skip


def _shape(line: str) -> str:
    """What a header/footer line keeps from page to page: short lines ignore their numbers
    ("Page 3 of 12"); longer ones must repeat exactly; body-length lines never count."""
    if len(line) > 120:
        return ""
    return re.sub(r"\d+", "#", line.lower()) if len(line) <= 40 else line.lower()


def _is_edge(index: int, count: int, line: str, repeated: set[str]) -> bool:
    at_edge = index < _EDGE_LINES or index >= count - _EDGE_LINES
    return at_edge and _shape(line) in repeated


def _join(pages: list[list[str]]) -> str:
    """Lines into paragraphs: a short line ends its paragraph when it ends a sentence or the
    next line starts a new one (a heading)."""
    lines = [line for lines in pages for line in lines]
    width = sorted(len(line) for line in lines)[len(lines) * 3 // 4] if lines else 0
    paragraphs: list[str] = []
    current = ""
    for line, after in zip(lines, [*lines[1:], ""], strict=False):
        current = _append(current, line)
        short = len(line) < width * 0.8
        heading = not _SENTENCE_END.search(line) and after[:1].isupper() and len(line) < width * 0.6
        if short and (_SENTENCE_END.search(line) or heading) and not line.endswith("-"):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def _append(current: str, line: str) -> str:
    if not current:
        return line
    if re.search(r"\w-$", current) and line[:1].islower():
        return current[:-1] + line  # de-hyphenate "learn-" + "ing"
    return f"{current} {line}"


# --- metadata ----------------------------------------------------------------------------------


def _metadata(reader: Any) -> dict[str, str]:
    try:
        info = reader.metadata
    except Exception:  # a broken /Info dictionary
        return {}
    if info is None:
        return {}
    found = {key: _meta_text(info, name)
             for key, name in (("title", "/Title"), ("author", "/Author"), ("subject", "/Subject"))}  # fmt: skip
    found["published"] = _meta_date(info, "creation_date") or _meta_date(info, "modification_date")
    return found


def _meta_text(info: Any, name: str) -> str:
    try:
        return clean_text(str(info.get(name) or ""))
    except Exception:
        return ""


def _meta_date(info: Any, attribute: str) -> str:
    try:
        moment = getattr(info, attribute)
    except Exception:  # a malformed D:... string
        return ""
    if not isinstance(moment, datetime):
        return ""
    return plausible_iso(moment)


def _title(meta_title: str, largest: str, first_line: str) -> str:
    if meta_title and not _JUNK_TITLE.match(meta_title) and len(meta_title) > 3:
        return meta_title
    for candidate in (largest, first_line):
        if 3 < len(candidate) <= 300:
            return candidate
    return ""


def _language(reader: Any) -> str:
    try:
        return language_tag(str(reader.trailer["/Root"].get("/Lang") or ""))
    except Exception:
        return ""
