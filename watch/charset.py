"""Bytes of an XML document (a feed) to text, whatever its encoding says or fails to say.

Order of evidence: a byte order mark; the zero bytes of UTF-16/UTF-32 around leading ASCII
(XML 1.0 appendix F); then bytes that are valid UTF-8 are read as UTF-8 (legacy text is
practically never valid UTF-8, while feeds declaring ISO-8859-1 over UTF-8 bytes are common); then the charset of the
Content-Type and the XML declaration, each mapped to the superset browsers use (Shift_JIS ->
cp932, EUC-KR -> cp949, GB2312 -> GB18030, ISO-8859-1 -> windows-1252, via w3lib) and kept only
if the bytes decode with it; then charset-normalizer's guess. What had to be guessed or replaced is
reported as ``problem`` (a warning to count), never raised.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
from w3lib.encoding import http_content_type_encoding, read_bom, resolve_encoding

__all__ = ["Decoded", "decode_xml"]

_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
#: Where the zero bytes fall in the first four bytes of ASCII text (``<?xm``, `` <rs``...) in
#: UTF-32/UTF-16 without a BOM (XML 1.0 appendix F, extended to any leading ASCII character).
_WIDE_PATTERNS = (
    ((True, True, True, False), "utf-32-be"),
    ((False, True, True, True), "utf-32-le"),
    ((True, False, True, False), "utf-16-be"),
    ((False, True, False, True), "utf-16-le"),
)
#: A UTF-8 body with at most this share of invalid bytes is read as UTF-8 with replacements.
UTF8_NOISE = 0.002


@dataclass(frozen=True)
class Decoded:
    """The text of a document, the encoding it was read with, and what was amiss ("" if nothing)."""

    text: str
    encoding: str
    problem: str = ""


def decode_xml(body: bytes, content_type: str = "") -> Decoded:
    """Decode ``body`` (an XML document as served with ``content_type``) to text."""
    bom = read_bom(body)
    if bom[0]:
        return _decode_or_replace(body[len(bom[1]) :], bom[0])
    wide = _wide_encoding(body)
    if wide:
        return _decode_or_replace(body, wide)
    declared = _declared(body, content_type)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_legacy(body, declared)
    return Decoded(text, "utf-8", _utf8_problem(text, declared))


def _utf8_problem(text: str, declared: list[tuple[str, str]]) -> str:
    unknown = [label for label, codec in declared if not codec and not _wide_label(label)]
    if unknown:
        return f"unknown encoding {unknown[0]!r} declared; read as UTF-8"
    other = [label for label, codec in declared if codec and codec != "utf-8"]
    if other and not text.isascii():
        return f"declared {other[0]} but the bytes are UTF-8; read as UTF-8"
    return ""


def _wide_label(label: str) -> bool:
    return label.lower().replace("_", "-").startswith(("utf-16", "utf-32", "ucs"))


def _wide_encoding(body: bytes) -> str:
    zeros = tuple(byte == 0 for byte in body[:4])
    return next((encoding for pattern, encoding in _WIDE_PATTERNS if pattern == zeros), "")


def _decode_or_replace(body: bytes, encoding: str) -> Decoded:
    try:
        return Decoded(body.decode(encoding), encoding)
    except UnicodeDecodeError as exc:
        problem = f"bytes invalid in {encoding} at offset {exc.start}; replaced"
        return Decoded(body.decode(encoding, errors="replace"), encoding, problem)


def _declared(body: bytes, content_type: str) -> list[tuple[str, str]]:
    """(label as written, Python codec or "") for the HTTP charset and the XML declaration."""
    labels = []
    http = http_content_type_encoding(content_type) if content_type else None
    if http:
        labels.append(http)
    match = _XML_DECLARATION.match(body[:512])
    if match:
        labels.append(match.group(1).decode("ascii"))
    return [(label, _codec(label)) for label in labels]


def _codec(label: str) -> str:
    if _wide_label(label):
        return ""  # no BOM and no wide pattern: the bytes are not UTF-16/32, whatever they say
    return resolve_encoding(label) or ""


def _decode_legacy(body: bytes, declared: list[tuple[str, str]]) -> Decoded:
    for _label, codec in declared:
        if codec:
            try:
                return Decoded(body.decode(codec), codec)
            except UnicodeDecodeError:
                continue
    return _guess(body, [label for label, _codec in declared])


def _guess(body: bytes, labels: list[str]) -> Decoded:
    said = (
        f"declared {'/'.join(labels)} does not fit the bytes" if labels else "no encoding declared"
    )
    mostly_utf8 = body.decode("utf-8", errors="replace")
    if mostly_utf8.count("\ufffd") <= UTF8_NOISE * len(mostly_utf8):
        return Decoded(mostly_utf8, "utf-8", f"{said}; read as UTF-8, invalid bytes replaced")
    best = charset_normalizer.from_bytes(body).best()
    if best is not None and _known(best.encoding):
        return Decoded(str(best), best.encoding, f"{said}; detected {best.encoding}")
    text = body.decode("cp1252", errors="replace")
    return Decoded(text, "cp1252", f"{said}; read as windows-1252")


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True
