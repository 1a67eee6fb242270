"""watch.pdf on real PDF files written by the tests (fpdf2): text, metadata, bounds, bad files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fpdf import FPDF

from watch.pdf import extract_pdf

PARAGRAPHS = [
    "Evening adult literacy classes in the river towns have doubled their enrolment this year.",
    "Learners say the community centre is the first place where reading felt possible for them.",
    "The district education office pays the facilitators and supplies all of the workbooks.",
    "Volunteers from the cooperative teach numeracy with market prices and their seed orders.",
    "A new certificate recognises the skills that adults gain outside school and at work.",
]


class _Brief(FPDF):
    """A brief with a running header and a page-number footer on every page."""

    def header(self) -> None:
        self.set_font("helvetica", size=8)
        self.cell(0, 5, "Lifelong Learning Brief - Issue 12", new_x="LMARGIN", new_y="NEXT")
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=8)
        self.cell(0, 5, f"Page {self.page_no()} of the brief")


def brief(pages: int = 4, heading: str = "Adult literacy classes double", **meta: object) -> bytes:
    """A real multi-page PDF: a large heading, then distinct paragraphs on each page."""
    pdf = _Brief()
    if meta.get("title"):
        pdf.set_title(str(meta["title"]))
    if meta.get("author"):
        pdf.set_author(str(meta["author"]))
    if meta.get("subject"):
        pdf.set_subject(str(meta["subject"]))
    if meta.get("lang"):
        pdf.set_lang(str(meta["lang"]))
    if isinstance(meta.get("created"), datetime):
        pdf.set_creation_date(meta["created"])
    if meta.get("password") is not None:
        pdf.set_encryption(owner_password="owner", user_password=str(meta["password"]))
    for number in range(1, pages + 1):
        pdf.add_page()
        if number == 1 and heading:
            pdf.set_font("helvetica", "B", size=22)
            pdf.multi_cell(0, 11, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.set_font("helvetica", size=11)
        for index, sentence in enumerate(PARAGRAPHS):
            text = f"Marker p{number}s{index}. {sentence} " + " ".join(PARAGRAPHS[index:])
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        if number == 1:
            pdf.multi_cell(0, 5, "They speak of lifelong learn-\ning as a right of every adult.",
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


def skipped(body: bytes, **options: object) -> list[str]:
    reasons: list[str] = []
    assert extract_pdf(body, "http://x.test/a.pdf", on_skip=reasons.append, **options) is None  # type: ignore[arg-type]
    return reasons


def test_multi_page_text_without_headers_and_footers() -> None:
    found = extract_pdf(brief(), "http://x.test/a.pdf")
    assert found is not None
    for number in range(1, 5):
        assert f"Marker p{number}s0" in found.text
    assert "Issue 12" not in found.text
    assert "of the brief" not in found.text
    assert "lifelong learning as a right" in found.text  # de-hyphenated at the line end
    paragraphs = found.text.split("\n\n")
    assert paragraphs[0] == "Adult literacy classes double"  # the heading is its own paragraph
    assert any(p.startswith("Marker p1s0. Evening adult literacy") for p in paragraphs)


def test_metadata() -> None:
    created = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
    body = brief(title="Literacy in the river towns", author="Ana Díaz; Test Reporter",
                 subject="A brief on adult literacy", lang="fr-FR", created=created)  # fmt: skip
    found = extract_pdf(body, "http://x.test/a.pdf")
    assert found is not None
    assert found.title == "Literacy in the river towns"
    assert found.authors == ["Ana Díaz", "Test Reporter"]
    assert found.published == "2026-03-04T10:30:00Z"
    assert found.description == "A brief on adult literacy"
    assert found.language == "fr"


def test_title_from_the_largest_line_when_metadata_has_a_file_name() -> None:
    found = extract_pdf(brief(title="Microsoft Word - brief12.docx"), "http://x.test/a.pdf")
    assert found is not None
    assert found.title == "Adult literacy classes double"


def test_a_creation_date_in_the_future_is_dropped() -> None:
    future = datetime.now(UTC) + timedelta(days=30)
    found = extract_pdf(brief(created=future), "http://x.test/a.pdf")
    assert found is not None
    assert found.published == ""


def test_only_the_first_pages_are_read() -> None:
    found = extract_pdf(brief(pages=40), "http://x.test/a.pdf", max_pages=3)
    assert found is not None
    assert "Marker p3s0" in found.text
    assert "Marker p4s0" not in found.text


def test_too_big() -> None:
    assert skipped(brief(), max_bytes=1000) == ["too_big"]


def test_encrypted_with_a_password() -> None:
    assert skipped(brief(password="secret")) == ["encrypted"]


def test_encrypted_for_the_owner_only_is_read() -> None:
    found = extract_pdf(brief(password=""), "http://x.test/a.pdf")
    assert found is not None
    assert "Marker p1s0" in found.text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<!doctype html><html><body>Not found</body></html>",
        b"%PDF-1.7\n" + bytes(range(256)) * 40,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>",
    ],
    ids=["empty", "html", "garbage", "no-pages"],
)
def test_corrupt_files_give_none(body: bytes) -> None:
    assert skipped(body) in (["corrupt"], ["no_text"])


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_files_never_crash(fraction: float) -> None:
    body = brief()
    found = extract_pdf(body[: int(len(body) * fraction)], "http://x.test/a.pdf")
    assert found is None or "Marker" in found.text


def test_pages_without_text() -> None:
    pdf = FPDF()
    for _ in range(3):
        pdf.add_page()
        pdf.rect(20, 20, 100, 100)
    assert skipped(bytes(pdf.output())) == ["no_text"]


def test_time_limit() -> None:
    assert skipped(brief(), time_limit=0) == ["timeout"]
