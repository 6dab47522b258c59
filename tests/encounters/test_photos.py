"""Photographs: location data removed, sealed at rest, only images, only small enough."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from PIL import ExifTags, Image

from lantern.encounters import photos, services
from lantern.encounters.models import InjuryPhoto
from tests.encounters.conftest import give

GPS = ExifTags.IFD.GPSInfo


def jpeg_with_gps() -> bytes:
    picture = Image.new("RGB", (64, 48), (180, 90, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[GPS] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (40.0, 42.0, 46.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (74.0, 0.0, 21.0),
    }
    exif[ExifTags.Base.Orientation] = 6  # rotated: the stored picture must come out upright
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def injury(personas, visit):
    give(personas, visit, "photographs", "general_exam")
    return services.injury_record(
        actor=personas.clinician,
        encounter=visit,
        side="front",
        region="left_arm",
        kind="cigarette_burn",
        healing="healing",
    )


def test_the_test_photo_really_carries_gps(db):
    with Image.open(io.BytesIO(jpeg_with_gps())) as original:
        assert original.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_a_photo_with_gps_is_stored_without_any_metadata_and_sealed(personas, injury):
    photo = services.photo_store(actor=personas.clinician, injury=injury, data=jpeg_with_gps())
    stored = InjuryPhoto.objects.get(pk=photo.pk)
    with Image.open(io.BytesIO(stored.image)) as clean:
        assert dict(clean.getexif()) == {}
        assert clean.info.get("exif") is None
        assert (clean.width, clean.height) == (48, 64)  # orientation applied, then dropped
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT image, thumbnail FROM encounters_injuryphoto WHERE id = %s", [photo.pk]
        )
        raw_image, raw_thumbnail = (bytes(value) for value in cursor.fetchone())
    for raw in (raw_image, raw_thumbnail):
        assert raw.startswith(b"lxb1.")
        for marker in (b"Exif", b"JFIF", b"PhoneMaker"):
            assert marker not in raw


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not a photo", "not a photo"),
        (b"", "empty"),
        (b"\xff\xd8\xff" + b"0" * 200, "not a photo"),
    ],
)
def test_something_that_is_not_a_photo_is_refused_and_nothing_stored(
    personas, injury, data, message
):
    with pytest.raises(photos.PhotoError, match=message):
        services.photo_store(actor=personas.clinician, injury=injury, data=data)
    assert not InjuryPhoto.objects.exists()


def test_an_oversized_upload_is_refused(personas, injury, monkeypatch):
    monkeypatch.setattr(photos, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(photos.PhotoError, match="larger than"):
        services.photo_store(
            actor=personas.clinician, injury=injury, data=jpeg_with_gps() + b"0" * 2000
        )


def test_viewing_a_photo_is_audited(personas, injury):
    from lantern.audit.models import AuditEvent

    photo = services.photo_store(actor=personas.clinician, injury=injury, data=jpeg_with_gps())
    assert services.photo_view(actor=personas.clinician, photo=photo).startswith(b"\xff\xd8")
    assert AuditEvent.objects.filter(
        action="read", category="photo", object_id=str(photo.pk)
    ).exists()


def test_photos_are_resealed_by_key_rotation(personas, injury, settings):
    from django.test import override_settings

    from lantern.crypto.keyring import generate_key
    from lantern.crypto.rotation import key_usage, reseal_all

    services.photo_store(actor=personas.clinician, injury=injury, data=jpeg_with_gps())
    with override_settings(
        LANTERN_ENCRYPTION_KEYS=f"k2:{generate_key()},{settings.LANTERN_ENCRYPTION_KEYS}"
    ):
        reseal_all()
        assert set(key_usage()) == {"k2"}
        assert InjuryPhoto.objects.get().image.startswith(b"\xff\xd8")
