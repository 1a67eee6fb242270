"""Tests of watch.charset: XML bytes to text whatever the encoding says or fails to say."""

from __future__ import annotations

import codecs

import pytest

from watch.charset import decode_xml

TEXT = "Éducation des adultes — «formation» tout au long de la vie"
RUSSIAN = "Новости образования взрослых: обучение в течение всей жизни и курсы для всех"


def _xml(declared: str = "", body: str = TEXT) -> str:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    return f"{declaration}<rss><channel><title>{body}</title></channel></rss>"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_a_bom_decides_and_is_dropped(bom: bytes, encoding: str) -> None:
    decoded = decode_xml(bom + _xml("utf-8").encode(encoding))
    assert decoded.text == _xml("utf-8")
    assert decoded.problem == ""


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("lead", ["", "\n", "  "])
def test_utf16_and_utf32_without_bom_are_recognised(encoding: str, lead: str) -> None:
    text = lead + _xml("utf-16")
    assert decode_xml(text.encode(encoding)).text == text


def test_utf8_bytes_declared_latin1_are_read_as_utf8_with_a_warning() -> None:
    decoded = decode_xml(_xml("ISO-8859-1").encode("utf-8"), "text/xml; charset=iso-8859-1")
    assert decoded.text == _xml("ISO-8859-1")
    assert "bytes are UTF-8" in decoded.problem


def test_latin1_declaration_reads_as_windows_1252() -> None:
    body = _xml("iso-8859-1", "it\u2019s \u201cquoted\u201d").encode("cp1252")
    assert "it\u2019s \u201cquoted\u201d" in decode_xml(body).text


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("Shift_JIS", "cp932", "生涯学習①のお知らせ"),  # ① exists only in cp932
        ("EUC-KR", "cp949", "평생교육 똠방각하"),  # 똠 exists only in cp949
        ("GB2312", "gb18030", "终身学习 镕"),  # 镕 is outside GB2312
    ],
)
def test_legacy_labels_read_as_their_supersets(label: str, codec: str, text: str) -> None:
    assert text in decode_xml(_xml(label, text).encode(codec)).text


def test_the_http_charset_is_used_when_the_document_declares_none() -> None:
    decoded = decode_xml(_xml("", RUSSIAN).encode("koi8-r"), "application/rss+xml; charset=KOI8-R")
    assert RUSSIAN in decoded.text
    assert decoded.problem == ""


def test_a_declaration_that_does_not_fit_falls_back_to_the_next_one() -> None:
    body = _xml("windows-1251", RUSSIAN).encode("cp1251")
    decoded = decode_xml(body, "text/xml; charset=utf-8")  # the server's default, wrong
    assert RUSSIAN in decoded.text


def test_undeclared_legacy_bytes_are_detected() -> None:
    decoded = decode_xml(_xml("", RUSSIAN * 3).encode("cp1251"))
    assert RUSSIAN in decoded.text
    assert "no encoding declared" in decoded.problem


def test_utf16_declaration_over_ascii_bytes_is_ignored() -> None:
    decoded = decode_xml(_xml("utf-16", "plain").encode("ascii"))
    assert "<title>plain</title>" in decoded.text


def test_unknown_declared_encoding_is_reported() -> None:
    decoded = decode_xml(_xml("x-no-such-charset", "plain").encode("ascii"))
    assert "<title>plain</title>" in decoded.text
    assert "x-no-such-charset" in decoded.problem


def test_mostly_utf8_with_a_stray_byte_is_read_as_utf8() -> None:
    body = _xml("utf-8", TEXT * 20).encode("utf-8").replace(b"<title>", b"<title>\xff", 1)
    decoded = decode_xml(body)
    assert TEXT in decoded.text
    assert "replaced" in decoded.problem


def test_invalid_bytes_after_a_bom_are_replaced_and_reported() -> None:
    decoded = decode_xml(codecs.BOM_UTF8 + b"<rss>\xff</rss>")
    assert decoded.text == "<rss>\ufffd</rss>"
    assert "invalid in utf-8" in decoded.problem
