"""After a form error the browser sits on the form's own address. Reloading it or changing
the language there (a GET) goes back to the page the form is on, never a blank 405; other
methods are still refused; and the error page keeps what was typed."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from tests.clients import stepped_up
from tests.test_access_matrix import MATRIX, FormAddress
from tests.test_method_audit import WALKERS

# Each form's own address and the page it goes back to on GET.
BACK_TO = {
    "accounts:recovery_codes_replace": "accounts:recovery_codes",
    "accounts:notifications_read": "accounts:notifications",
    "accounts:staff_reset_second_factor": "accounts:staff_edit",
    "accounts:staff_unlock": "accounts:staff_edit",
    "api_clients:revoke": "api_clients:list",
    "patients:alias_add": "patients:detail",
    "patients:alias_remove": "patients:detail",
    "patients:identifier_add": "patients:detail",
    "patients:identifier_remove": "patients:detail",
    "patients:care_team_add": "patients:detail",
    "patients:care_team_remove": "patients:detail",
    "patients:emergency_search": "patients:emergency",
    "patients:emergency_open": "patients:emergency",
    "patients:emergency_end": "patients:search",
    "screening:defer": "screening:privacy",
    "screening:acknowledge": "screening:session",
    "screening:release": "screening:session",
    "screening:decide_code": "screening:session",
    "screening:kiosk_language": "screening:kiosk",
    "screening:kiosk_resume": "screening:kiosk",
    "encounters:instructions": "encounters:visit",
    "encounters:visit_end": "encounters:visit",
    "encounters:consent_add": "encounters:visit",
    "encounters:consent_withdraw": "encounters:visit",
    "encounters:exam_step_add": "encounters:visit",
    "encounters:injury_add": "encounters:visit",
    "encounters:photo_upload": "encounters:visit",
    "encounters:disclosure_add": "encounters:visit",
    "encounters:follow_up": "encounters:visit",
    "careplans:generate": "encounters:visit",
    "careplans:activity_add": "careplans:plan",
    "careplans:protocol_copy": "careplans:protocols",
    "careplans:protocol_dry_run": "careplans:protocol_edit",
    "careplans:protocol_publish": "careplans:protocol_edit",
    "careplans:activity_status": "careplans:plan",
    "careplans:activity_owner": "careplans:plan",
    "careplans:appointment_add": "careplans:plan",
    "encounters:summary_print": "encounters:summary",
    "referrals:service_availability": "referrals:service",
    "referrals:service_status": "referrals:service",
    "referrals:referral_share": "referrals:referral",
    "referrals:referral_consent": "referrals:referral",
    "referrals:referral_send": "referrals:referral",
    "referrals:referral_link": "referrals:referral",
    "referrals:referral_status": "referrals:referral",
    "referrals:referral_handoff": "referrals:referral",
    "referrals:slip_print": "referrals:slip",
}


def test_every_form_address_says_where_it_goes_back_to():
    assert set(BACK_TO) == {
        name for name, rule in MATRIX.items() if isinstance(rule.methods, FormAddress)
    }


@pytest.mark.parametrize("name", sorted(BACK_TO))
def test_get_on_a_form_address_goes_back_to_its_page(personas, name):
    rule = MATRIX[name]
    url = reverse(name, kwargs=rule.kwargs(personas))
    client = stepped_up(personas.by_name(next(p for p in WALKERS if p in rule.allowed)))
    response = client.get(url)
    assert response.status_code == 302, f"GET {name} answered {response.status_code}"
    assert resolve(response.url.split("?")[0]).view_name == BACK_TO[name]
    assert client.get(response.url).status_code == 200
    for method in ("PUT", "PATCH", "DELETE", "OPTIONS"):
        assert client.generic(method, url).status_code == 405, f"{method} {name}"


def test_changing_language_after_a_form_error_shows_the_page_in_the_new_language(
    personas, client_for
):
    client = client_for(personas.clinician)
    address = reverse("patients:alias_add", args=[personas.patient.pk])
    error = client.post(address, {"new-alias-name": "", "new-alias-kind": "street"})
    assert error.status_code == 200
    page = client.post(reverse("set_language"), {"language": "es", "next": address}, follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == reverse("patients:detail", args=[personas.patient.pk])
    assert '<html lang="es">' in page.content.decode()
    assert "Rosa Delgado" in page.content.decode()


@pytest.mark.parametrize(
    ("name", "data", "typed"),
    [
        ("patients:identifier_add", {"new-id-value": "ZX-778"}, "ZX-778"),
        ("encounters:injury_add", {"size": "2 x 3 cm", "note": "Older bruise, yellow"}, None),
        ("encounters:exam_step_add", {"note": "Stopped at the patient's request"}, None),
        ("encounters:follow_up", {"exposure_at": "2999-01-01T10:00"}, None),
        ("careplans:activity_add", {"title": "Legal clinic on Friday"}, None),
    ],
)
def test_a_form_sent_back_with_errors_keeps_what_was_typed(personas, name, data, typed):
    url = reverse(name, kwargs=MATRIX[name].kwargs(personas))
    response = stepped_up(personas.clinician).post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "field--error" in page  # the field that failed is marked
    for value in [typed] if typed else data.values():
        assert value.replace("'", "&#x27;") in page
