"""Topic tagging with spaCy on a small fixture taxonomy, its validation, relevance, and the
cross-language expansion of queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from watch.errors import ConfigError
from watch.query import parse, to_string
from watch.relevance import relevance
from watch.taxonomy import check_taxonomy, load_taxonomy
from watch.topics import Tagger, TopicEvidence
from watch.translingual import Expander, fold

MINI = ROOT / "tests" / "fixtures" / "taxonomy" / "mini.yaml"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy(MINI))


def ids(tagger: Tagger, title: str, text: str, lang: str) -> list[str]:
    return [t.id for t in tagger.tag(title, text, lang)]


@pytest.mark.parametrize(
    ("lang", "title", "text", "expected"),
    [
        (
            "en",
            "Adult Literacy classes expand",
            "Evening classes for adult learners.",
            ["literacy"],
        ),
        (
            "en",
            "Apprenticeships grow",
            "More apprentices in vocational training.",
            ["vocational-training"],
        ),
        (
            "fr",
            "Les apprentis",
            "Les apprentis en formation professionnelle.",
            ["vocational-training"],
        ),
        ("es", "Aprendices", "Los aprendices y la formación profesional.", ["vocational-training"]),
        ("fr", "Alphabétisation", "L'alphabétisation des adultes au Sénégal.", ["literacy"]),
        ("de", "Volkshochschulen", "Die Volkshochschulen bieten Kurse an.", ["adult-education"]),
        ("zh", "成人教育", "成人教育很重要。", ["adult-education"]),
        ("ar", "تعليم الكبار", "تعليم الكبار مهم", ["adult-education"]),
    ],
)
def test_lemmas_and_languages(
    tagger: Tagger, lang: str, title: str, text: str, expected: list[str]
) -> None:
    assert ids(tagger, title, text, lang) == expected


def test_same_subject_same_topics_across_languages(tagger: Tagger) -> None:
    en = ids(
        tagger, "Adult education and literacy", "Adult education centres teach literacy.", "en"
    )
    fr = ids(tagger, "Éducation des adultes et alphabétisation",
             "Les centres d'éducation des adultes enseignent l'alphabétisation.", "fr")  # fmt: skip
    assert sorted(en) == sorted(fr) == ["adult-education", "literacy"]


def test_exclusions_and_context(tagger: Tagger) -> None:
    assert (
        ids(
            tagger,
            "Training camp opens",
            "The team's training camp; machine learning and training data.",
            "en",
        )
        == []
    )
    # "training" (context: true) counts once a context word is there
    assert ids(tagger, "Training for adults", "A training course for learners.", "en") == [
        "vocational-training"
    ]
    # a topic-specific exclusion: "apprentissage des langues" is not vocational training
    assert ids(tagger, "Langues", "L'apprentissage des langues progresse.", "fr") == []
    assert ids(tagger, "Informatique", "L'apprentissage automatique progresse.", "fr") == []


def test_matched_terms_are_stored_and_title_weighs_more(tagger: Tagger) -> None:
    tag = tagger.tag("Adult literacy", "Some words.", "en")[0]
    assert tag.terms == ["adult literacy"]
    in_title = tagger.evidence("Numeracy", "Other words here.", "en")[0].score
    in_body = tagger.evidence("Other words", "Numeracy here.", "en")[0].score
    assert in_title > in_body


def test_scores_are_normalised_for_length(tagger: Tagger) -> None:
    short = tagger.evidence("", "Numeracy matters.", "en")[0].score
    long = tagger.evidence(
        "", "Numeracy matters. " + "Other words about the weather. " * 400, "en"
    )[0].score
    assert 0 < long < short <= 1


def test_unsupported_language_and_bad_input(tagger: Tagger) -> None:
    assert tagger.tag("Adult literacy", "Adult literacy", "sw") == []
    assert tagger.tag("", "", "en") == []
    assert tagger.tag("12345", "🙂🙂 1234", "en") == []
    assert tagger.tag("<p>Adult literacy</p>", "<b>x</b>", "en")[0].id == "literacy"
    huge = "adult literacy " * 400_000  # 6 MB: cut, bounded
    assert tagger.tag("", huge, "en")[0].id == "literacy"


def test_relevance_noisy_or() -> None:
    weights = {"literacy": 1.0, "school-education": 0.3}
    score, parts = relevance(
        [TopicEvidence("literacy", 2.0, 0.8), TopicEvidence("school-education", 1.0, 0.9)], weights
    )
    assert score == round(1 - (1 - 0.8) * (1 - 0.27), 3)
    assert parts == [("literacy", 0.8), ("school-education", 0.27)]
    assert relevance([], weights) == (0.0, [])


def test_taxonomy_problems_have_lines(tmp_path: Path) -> None:
    bad = tmp_path / "tax.yaml"
    bad.write_text(
        "version: 1\nlanguages: [en]\ntopics:\n  - id: Bad Id\n    labels: {en: X}\n"
        "    definition: d\n    terms:\n      en: [a, a, {term: b, weight: 9}]\n    colour: red\n",
        "utf-8",
    )
    taxonomy, problems = check_taxonomy(bad)
    assert taxonomy is None
    text = "\n".join(problems)
    assert f"{bad}:4: topic Bad Id: id must be a slug" in text
    assert "no label in 'fr'" in text
    assert "no label in 'es'" in text
    assert f"{bad}:8: topic Bad Id: terms.en: 'a' is listed twice (first on line 8)" in text
    assert "weight" in text
    assert "9 must be a number from 0.1 to 3" in text
    assert "unknown key 'colour'" in text
    with pytest.raises(ConfigError, match="problem"):
        load_taxonomy(bad)


def test_taxonomy_duplicate_is_reported_on_its_own_line(tmp_path: Path) -> None:
    bad = tmp_path / "tax.yaml"
    bad.write_text(
        "version: 1\nlanguages: [en, fr, es]\ntopics:\n  - id: t\n"
        "    labels: {en: T, fr: T, es: T}\n    definition: d\n    terms:\n      en:\n"
        "        - adult learning\n        - {term: literacy, weight: 1.5}\n"
        "        - {term: Literacy, weight: 0.5}\n",
        "utf-8",
    )
    _, problems = check_taxonomy(bad)
    assert problems == [
        f"{bad}:11: topic t: terms.en: 'Literacy' is listed twice (first on line 10) — keep one"
    ]


def test_taxonomy_yaml_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "tax.yaml"
    bad.write_text("topics:\n  - id: a\n   labels: x\n", "utf-8")
    with pytest.raises(ConfigError, match=r"tax.yaml:3:\d+: YAML syntax error"):
        check_taxonomy(bad)


def test_translingual_expansion() -> None:
    expander = Expander(load_taxonomy(MINI))
    tree = expander.expand(parse("adult literacy -children"))
    text = to_string(tree)  # type: ignore[arg-type]
    assert '"Alphabétisation des adultes"' in text
    assert '"Alfabetización de adultos"' in text
    assert text.endswith("-children")
    assert to_string(expander.expand(parse("educat*"))) == "educat*"  # type: ignore[arg-type]
    assert expander.expand(None) is None
    assert fold("Alphabétisation  DES adultes") == "alphabetisation des adultes"
