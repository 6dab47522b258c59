"""Photographs in the browser's terms: upload only with photo consent, clear refusals, and
viewing only after step-up, each view audited and never cached."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from lantern.audit.models import AuditEvent
from lantern.encounters import photos, services
from lantern.encounters.models import InjuryPhoto
from lantern.patients import emergency
from tests.clients import stepped_up
from tests.encounters.conftest import give, url
from tests.encounters.test_photos import jpeg_with_gps


@pytest.fixture
def injury(personas, visit):
    give(personas, visit, "general_exam")
    return services.injury_record(
        actor=personas.clinician,
        encounter=visit,
        side="front",
        region="left_arm",
        kind="cigarette_burn",
        healing="healing",
    )


def upload(client, visit, injury, data, name="burn.jpg"):
    field = f"photo-{injury.pk}-photo"
    return client.post(
        url("photo_upload", visit, injury_id=injury.pk),
        {field: SimpleUploadedFile(name, data, content_type="image/jpeg")},
    )


@pytest.fixture
def photo(personas, visit, injury):
    give(personas, visit, "photographs")
    return services.photo_store(actor=personas.clinician, injury=injury, data=jpeg_with_gps())


def test_the_upload_form_appears_only_with_photo_consent(personas, client_for, visit, injury):
    client = client_for(personas.clinician)
    page = client.get(url("visit", visit)).content.decode()
    assert 'enctype="multipart/form-data"' not in page
    assert "Photographs need the patient's consent to photographs" in page
    give(personas, visit, "photographs")
    page = client.get(url("visit", visit)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "Photograph of the cigarette burn, left arm" in page


def test_a_photo_with_gps_is_stored_without_it(personas, client_for, visit, injury):
    give(personas, visit, "photographs")
    response = upload(client_for(personas.clinician), visit, injury, jpeg_with_gps())
    assert response.url == url("visit", visit)
    stored = InjuryPhoto.objects.get()
    with Image.open(io.BytesIO(stored.image)) as clean:
        assert dict(clean.getexif()) == {}
    assert AuditEvent.objects.filter(action="create", category="photo").exists()


def test_without_photo_consent_the_service_refuses_with_its_reason(
    personas, client_for, visit, injury
):
    give(personas, visit, "photographs", status="declined")
    response = upload(client_for(personas.clinician), visit, injury, jpeg_with_gps())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Photographs of injuries (declined)" in page
    assert not InjuryPhoto.objects.exists()
    assert AuditEvent.objects.filter(outcome="denied", category="consent").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a photo", "The file is not a photo Lantern can read."),
        (b"GIF89a" + b"\0" * 64, "The file is not a photo Lantern can read."),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused_clearly(
    personas, client_for, visit, injury, data, message
):
    give(personas, visit, "photographs")
    response = upload(client_for(personas.clinician), visit, injury, data, name="x.pdf")
    page = response.content.decode()
    assert message in page
    assert 'role="alert"' in page
    assert not InjuryPhoto.objects.exists()


def test_an_oversized_photo_is_refused_clearly(personas, client_for, visit, injury, monkeypatch):
    give(personas, visit, "photographs")
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    response = upload(client_for(personas.clinician), visit, injury, jpeg_with_gps() + b"0" * 2000)
    assert "larger than 10 MB" in response.content.decode()
    assert not InjuryPhoto.objects.exists()


def test_photographs_need_a_fresh_step_up(personas, client_for, visit, photo):
    client = client_for(personas.clinician)
    page = client.get(url("visit", visit)).content.decode()
    assert "Show photographs" in page
    assert url("photo_thumbnail", visit, photo_id=photo.pk) not in page
    for address in (
        url("photos", visit),
        url("photo", visit, photo_id=photo.pk),
        url("photo_thumbnail", visit, photo_id=photo.pk),
    ):
        response = client.get(address)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:confirm"))
    assert not AuditEvent.objects.filter(category="photo", action="read").exists()


def test_after_step_up_thumbnails_show_with_alt_text_about_the_injury(personas, visit, photo):
    client = stepped_up(personas.clinician)
    page = client.get(url("photos", visit)).content.decode()
    thumbnail = url("photo_thumbnail", visit, photo_id=photo.pk)
    assert f'<img src="{thumbnail}"' in page
    assert 'alt="Photograph 1 of 1: cigarette burn, left arm (front)"' in page
    assert "Rosa" not in page[page.index("<img") : page.index(">", page.index("<img"))]
    assert AuditEvent.objects.filter(category="photo", detail="photographs listed").exists()


@pytest.mark.parametrize(
    ("name", "detail"), [("photo_thumbnail", "thumbnail viewed"), ("photo", "photo viewed")]
)
def test_each_image_is_served_uncached_and_audited(personas, visit, photo, name, detail):
    response = stepped_up(personas.clinician).get(url(name, visit, photo_id=photo.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"\xff\xd8")
    assert b"PhoneMaker" not in response.content
    assert AuditEvent.objects.filter(
        action="read", category="photo", object_id=str(photo.pk), detail=detail
    ).exists()


@pytest.mark.parametrize("persona", ["colleague", "outsider"])
def test_no_one_off_the_care_team_sees_a_photo_even_after_step_up(personas, visit, photo, persona):
    user = personas.by_name(persona)
    for address in (url("photos", visit), url("photo", visit, photo_id=photo.pk)):
        assert stepped_up(user).get(address).status_code == 404
    assert not AuditEvent.objects.filter(category="photo", action="read").exists()


def test_emergency_access_does_not_open_photographs(personas, visit, photo):
    search = emergency.emergency_search_start(
        actor=personas.colleague, reason="Unconscious patient, needs allergy history"
    )
    emergency.emergency_access_open(
        actor=personas.colleague, grant=search, patient=personas.patient
    )
    client = stepped_up(personas.colleague)
    assert client.get(url("visit", visit)).status_code == 200
    assert client.get(url("photo_thumbnail", visit, photo_id=photo.pk)).status_code == 404


def test_a_photo_of_another_visit_is_not_found(personas, visit, photo):
    other = services.encounter_start(
        actor=personas.clinician,
        patient=personas.patient,
        clinic=personas.clinic,
        kind="follow_up",
        companion="came_alone",
        interpreter="not_needed",
    )
    response = stepped_up(personas.clinician).get(url("photo", other, photo_id=photo.pk))
    assert response.status_code == 404


def test_an_ended_visit_takes_no_more_photographs(personas, client_for, visit, injury):
    give(personas, visit, "photographs")
    services.encounter_end(actor=personas.clinician, encounter=visit)
    response = upload(client_for(personas.clinician), visit, injury, jpeg_with_gps())
    assert "This visit has ended." in response.content.decode()
    assert not InjuryPhoto.objects.exists()
