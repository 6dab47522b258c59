"""The report's filters: a bad month or range says exactly what is wrong and keeps what was
typed; a refused filter never shows figures."""

from __future__ import annotations

from django.urls import reverse

from lantern.audit.models import AuditEvent

REPORT = reverse("reports:report")


def test_a_month_that_is_not_a_month_gets_a_precise_message_and_is_kept(personas, client_for):
    response = client_for(personas.manager).get(REPORT, {"start": "2026-13", "end": "2026-10"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the month as YYYY-MM, for example 2026-03 (“2026-13” is not a month)." in html
    assert 'value="2026-13"' in html
    assert 'value="2026-10"' in html
    assert 'data-table="seen"' not in html
    assert not AuditEvent.objects.filter(actor=personas.manager, action="read").exists()


def test_a_range_that_ends_before_it_starts_says_so(personas, client_for):
    response = client_for(personas.manager).get(REPORT, {"start": "2026-10", "end": "2026-03"})
    html = response.content.decode()
    assert "The last month (2026-03) is before the first month (2026-10)." in html
    assert 'value="2026-10"' in html
    assert 'value="2026-03"' in html


def test_a_range_longer_than_three_years_says_how_long_it_is(personas, client_for):
    response = client_for(personas.manager).get(REPORT, {"start": "2020-01", "end": "2026-10"})
    assert "Choose at most 36 months; 2020-01 to 2026-10 is 82." in response.content.decode()


def test_a_clinic_of_another_health_system_is_not_a_choice(personas, client_for):
    response = client_for(personas.manager).get(REPORT, {"clinic": personas.other_clinic.pk})
    html = response.content.decode()
    assert "Select a valid choice." in html
    assert "Harbor Clinic" not in html


def test_without_filters_the_last_twelve_months_are_shown(personas, client_for):
    from django.utils import timezone

    from lantern.reports.services import months_ending
    from lantern.reports.tables import month_label
    from tests.reports.pages import section

    months = months_ending(timezone.localdate().strftime("%Y-%m"), 12)
    html = client_for(personas.manager).get(REPORT).content.decode()
    seen = section(html, "seen")
    assert seen.count('<tr><th scope="row">') == 13  # twelve months and the total
    assert f'<tr><th scope="row">{month_label(months[0])}</th>' in seen
    assert f'<tr><th scope="row">{month_label(months[-1])}</th>' in seen
