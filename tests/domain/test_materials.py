"""The rules for report, recording, slides and photos: https links only, clear codes per field."""

from __future__ import annotations

import datetime as dt

import pytest

from app.domain.errors import InvalidInput
from app.domain.materials import MAX_LINKS, NOT_HTTPS, TOO_MANY, MaterialsDraft, build_materials
from app.domain.model import EventMaterials, MaterialLink

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def errors_of(draft: MaterialsDraft) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        build_materials(draft, NOW)
    return refused.value.errors


def test_good_materials_are_trimmed_and_stamped() -> None:
    materials = build_materials(
        MaterialsDraft(
            report="  # Bericht\r\n\r\nGut war's.  ",
            report_translations={"en": " Report ", "uk": ""},
            recording_url=" https://video.example/v/1 ",
            slides=(MaterialLink(" https://folien.example/a.pdf ", "  Vortrag   A "),),
            photos=(MaterialLink("", ""),),
        ),
        NOW,
    )
    assert materials.report == "# Bericht\n\nGut war's."
    assert materials.report_translations == {"en": "Report"}
    assert materials.recording_url == "https://video.example/v/1"
    assert materials.slides == (MaterialLink("https://folien.example/a.pdf", "Vortrag A"),)
    assert materials.photos == ()
    assert materials.updated_at == NOW


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://video.example/v/1", NOT_HTTPS),
        ("javascript:alert(1)", NOT_HTTPS),
        ("JaVaScRiPt:alert(1)", NOT_HTTPS),
        ("data:text/html,<script>alert(1)</script>", NOT_HTTPS),
        ("ftp://files.example/a", NOT_HTTPS),
        ("video.example/v/1", NOT_HTTPS),
        ("https://", "invalid_url"),
        ("https://video.example/a b", "invalid_url"),
        ("https://video.example/\x00", "invalid_url"),
        ("https://video.example/" + "a" * 2_000, "too_long"),
    ],
)
def test_a_link_that_is_not_a_plain_https_link_is_refused(url: str, code: str) -> None:
    assert errors_of(MaterialsDraft(recording_url=url)) == {"recording_url": code}
    assert errors_of(
        MaterialsDraft(photos=(MaterialLink("https://ok.example/"), MaterialLink(url)))
    ) == {"photos.1.url": code}


def test_a_label_without_link_and_too_many_links_are_refused() -> None:
    assert errors_of(MaterialsDraft(slides=(MaterialLink("", "Folien"),))) == {
        "slides.0.url": "required"
    }
    many = tuple(MaterialLink(f"https://a.example/{n}") for n in range(MAX_LINKS + 1))
    assert errors_of(MaterialsDraft(slides=many)) == {"slides": TOO_MANY}


def test_translations_only_for_languages_the_product_speaks() -> None:
    assert errors_of(MaterialsDraft(report_translations={"fr": "Rapport"})) == {
        "report_translations.fr": "unknown_language"
    }
    assert errors_of(MaterialsDraft(report="x" * 50_001)) == {"report": "too_long"}


def test_the_report_falls_back_to_german_and_says_in_which_language_it_is() -> None:
    materials = EventMaterials(report="Bericht", report_translations={"en": "Report"})
    assert materials.report_in("en") == ("Report", "en")
    assert materials.report_in("uk") == ("Bericht", "de")
    assert materials.report_in("de") == ("Bericht", "de")
    only_english = EventMaterials(report_translations={"en": "Report"})
    assert only_english.report_in("uk") == ("Report", "en")
    assert only_english.report_in("de") == ("Report", "en")
    assert EventMaterials().report_in("uk") == ("", "uk")
    assert not EventMaterials()
    assert EventMaterials(photos=(MaterialLink("https://a.example/"),))


def test_texts_no_database_or_feed_can_store_are_refused() -> None:
    assert errors_of(
        MaterialsDraft(
            report="Bericht\x00",
            report_translations={"en": "Report \ud800"},
            slides=(MaterialLink("https://a.example/", "Folien\ud800"),),
        )
    ) == {
        "report": "invalid_text",
        "report_translations.en": "invalid_text",
        "slides.0.label": "invalid_text",
    }
