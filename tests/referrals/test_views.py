"""Directory pages with personas: search (audited without its text), a service's page, and
maintenance by administrators and advocates."""

from __future__ import annotations

from django.urls import reverse

from lantern.audit.models import AuditEvent
from lantern.referrals import taxonomy
from lantern.referrals.demo import demo_directory_load
from lantern.referrals.models import Organization, Service
from tests.referrals.factories import make_service

FOOD = str(taxonomy.NEEDS_BY_CODE["food"].id)


def test_care_staff_search_and_the_search_is_audited_without_its_text(personas, client_for):
    make_service(personas.clinic.health_system, "Corner food bank",
                 needs=[taxonomy.NEEDS_BY_CODE["food"].id])  # fmt: skip
    response = client_for(personas.clinician).post(
        reverse("referrals:directory"), {"q": "corner", "needs": [FOOD]}
    )
    assert response.status_code == 200
    assert "Corner food bank" in response.content.decode()
    entry = AuditEvent.objects.get(action="search", actor=personas.clinician)
    assert entry.detail == "directory search: 1 results"
    assert "corner" not in entry.detail.lower()
    assert entry.patient_id is None


def test_the_outsider_sees_only_their_own_directory(personas, client_for):
    service = make_service(personas.clinic.health_system, "Corner food bank")
    response = client_for(personas.outsider).post(reverse("referrals:directory"), {"q": "corner"})
    assert "Corner food bank" not in response.content.decode()
    page = client_for(personas.outsider).get(reverse("referrals:service", args=[service.hsds_id]))
    assert page.status_code == 404
    assert AuditEvent.objects.filter(actor=personas.outsider, outcome="denied").exists()


def test_the_hotline_is_an_entry_whose_pages_stay_neutral(personas, client_for):
    system = personas.clinic.health_system
    assert demo_directory_load(system).ok
    hotline = Service.objects.in_directory(system).get(alternate_name__contains="Hotline")
    page = client_for(personas.clinician).get(reverse("referrals:service", args=[hotline.hsds_id]))
    text = page.content.decode()
    assert "1-888-373-7888" in text
    assert "233733" in text
    assert "711" in text
    assert "traffick" not in text.lower()
    results = client_for(personas.clinician).post(
        reverse("referrals:directory"), {"q": "trafficking"}
    )
    assert "National hotline (24 hours)" in results.content.decode()
    assert "traffick" not in results.content.decode().lower().replace('value="trafficking"', "")


def test_an_advocate_adds_an_organisation_and_a_service(personas, client_for):
    client = client_for(personas.colleague)
    response = client.post(reverse("referrals:organization_new"), {"name": "", "email": "nope"})
    assert response.status_code == 200
    assert 'value="nope"' in response.content.decode()  # what was typed is shown again
    response = client.post(
        reverse("referrals:organization_new"), {"name": "Harbor Pantry", "phone": "555-0142"}
    )
    organization = Organization.objects.get(name="Harbor Pantry")
    assert response.status_code == 302
    assert organization.phones.get().number == "555-0142"
    form = {
        "name": "Saturday groceries", "status": "active", "needs": [FOOD],
        "flags": [str(taxonomy.NO_ID_REQUIRED.id)], "cost": str(taxonomy.COST_FREE.id),
        "languages": ["en", "es"], "minimum_age": "20", "maximum_age": "10",
        "hours-TOTAL_FORMS": "3", "hours-INITIAL_FORMS": "0",
        "hours-0-days": ["5"], "hours-0-opens": "10:00", "hours-0-closes": "14:00",
    }  # fmt: skip
    url = reverse("referrals:service_new", args=[organization.hsds_id])
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "The oldest age cannot be below the youngest." in refused.content.decode()
    assert 'value="Saturday groceries"' in refused.content.decode()
    form["maximum_age"] = "99"
    assert client.post(url, form).status_code == 302
    service = Service.objects.get(name="Saturday groceries")
    assert service.schedules.get().byday == "SA"
    page = client.get(reverse("referrals:service", args=[service.hsds_id])).content.decode()
    assert "Sat 10:00\N{EN DASH}14:00" in page
    assert "No ID required" in page
    assert "Free" in page
    assert AuditEvent.objects.filter(
        actor=personas.colleague, action="create", object_type="referrals.service"
    ).exists()


def test_availability_note_shows_when_it_was_updated(personas, client_for):
    service = make_service(personas.clinic.health_system, "Night shelter")
    client = client_for(personas.admin)
    url = reverse("referrals:service_availability", args=[service.hsds_id])
    assert client.post(url, {"note": "Three beds tonight"}).status_code == 302
    page = client.get(reverse("referrals:service", args=[service.hsds_id])).content.decode()
    assert "Three beds tonight" in page
    assert "Last updated" in page
    assert AuditEvent.objects.filter(detail="directory availability updated").exists()


def test_marking_a_service_inactive_takes_it_out_of_searches(personas, client_for):
    service = make_service(personas.clinic.health_system, "Corner food bank")
    client = client_for(personas.admin)
    client.post(reverse("referrals:service_status", args=[service.hsds_id]), {"status": "inactive"})
    service.refresh_from_db()
    assert service.status == "inactive"
    results = client.post(reverse("referrals:directory"), {"q": "corner"}).content.decode()
    assert "Corner food bank" not in results


def test_clinicians_read_but_do_not_maintain(personas, client_for):
    service = make_service(personas.clinic.health_system, "Corner food bank")
    client = client_for(personas.clinician)
    page = client.get(reverse("referrals:service", args=[service.hsds_id])).content.decode()
    assert "Edit this service" not in page
    edit = client.post(
        reverse("referrals:service_status", args=[service.hsds_id]), {"status": "inactive"}
    )
    assert edit.status_code == 403
    service.refresh_from_db()
    assert service.status == "active"


def test_a_location_needs_a_whole_address_or_none(personas, client_for):
    organization = make_service(personas.clinic.health_system).organization
    client = client_for(personas.admin)
    form = {"organization": organization.pk, "name": "Annex", "location_type": "physical",
            "city": "Riverside"}  # fmt: skip
    refused = client.post(reverse("referrals:location_new"), form)
    assert "A full address needs this too." in refused.content.decode()
    form.update(address_1="2 Side St", state_province="CA", postal_code="90002", country="us")
    assert client.post(reverse("referrals:location_new"), form).status_code == 302
    assert organization.locations.get(name="Annex").addresses.get().country == "US"
