"""The report in English and in Spanish: headings, months, withheld cells and messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.reports import builders as b
from tests.reports.pages import headings, row

WORDS = {
    "en": {
        "heading": "<h1>Program reports</h1>",
        "october": "October 2026",
        "september": "September 2026",
        "withheld": "withheld",
        "seen": ["Month", "Riverside Clinic", "Total"],
        "bad month": "Enter the month as YYYY-MM, for example 2026-03",
    },
    "es": {
        "heading": "<h1>Informes del programa</h1>",
        "october": "octubre de 2026",
        "september": "septiembre de 2026",
        "withheld": "oculto",
        "seen": ["Mes", "Riverside Clinic", "Total"],
        "bad month": "Escriba el mes como AAAA-MM, por ejemplo 2026-03",
    },
}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_the_report_reads_in_each_language(personas, client_for, language):
    words = WORDS[language]
    b.visits(b.patients(12, personas.clinic), personas.clinic, b.OCTOBER, personas.clinician)
    b.visits(b.patients(5, personas.clinic), personas.clinic, b.SEPTEMBER, personas.clinician)
    b.refresh(personas.clinic)
    client = client_for(personas.manager)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    html = client.get(reverse("reports:report"), b.RANGE).content.decode()
    assert words["heading"] in html
    assert headings(html, "seen") == words["seen"]
    assert row(html, "seen", words["october"]) == ["12", "12"]
    assert row(html, "seen", words["september"]) == [words["withheld"], words["withheld"]]
    bad = client.get(reverse("reports:report"), {"start": "2026-1"}).content.decode()
    assert words["bad month"] in bad
