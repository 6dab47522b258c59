"""Photographs: location data removed, sealed at rest, only images, only small enough."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from PIL import ExifTags, Image, PngImagePlugin

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


def _segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _exif(marker: str) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = marker
    exif[ExifTags.Base.ImageDescription] = marker
    return exif


# A stand-in ICC profile: Pillow carries it as bytes, which is all a leak needs.
FAKE_ICC = b"\0\0\0\x80lcms\x02\x10\0\0mntrRGB XYZ " + b"PLANTED-ICC" + b"\0" * 96


def jpeg_with_every_segment() -> bytes:
    """EXIF (APP1), XMP (APP1), ICC (APP2), a comment (COM), Photoshop/IPTC (APP13) and a
    maker segment (APP12), each carrying a planted marker."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 60)).save(
        out,
        format="JPEG",
        exif=_exif("PLANTED-EXIF"),
        icc_profile=FAKE_ICC,
        comment=b"PLANTED-COM",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">PLANTED-XMP</x:xmpmeta>',
    )
    data = out.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02x\x00\x0dPLANTED-IPTC!"
    extra = _segment(0xED, iptc) + _segment(0xEC, b"Ducky\x00PLANTED-APP12")
    return data[:2] + extra + data[2:]


def png_with_every_chunk() -> bytes:
    """tEXt, zTXt, iTXt, eXIf, tIME and iCCP chunks, each carrying what it can."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "PLANTED-tEXt")
    info.add_text("Author", "PLANTED-zTXt", zip=True)
    info.add_itxt("Description", "PLANTED-iTXt", lang="es", tkey="Descripcion")
    info.add(b"tIME", bytes([0x07, 0xE6, 1, 2, 3, 4, 5]))
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 60)).save(
        out, format="PNG", pnginfo=info, exif=_exif("PLANTED-eXIf"), icc_profile=FAKE_ICC
    )
    return out.getvalue()


def webp_with_every_chunk() -> bytes:
    """EXIF, XMP and ICCP chunks."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 60)).save(
        out,
        format="WEBP",
        exif=_exif("PLANTED-EXIF"),
        xmp=b"<x:xmpmeta>PLANTED-XMP</x:xmpmeta>",
        icc_profile=FAKE_ICC,
    )
    return out.getvalue()


UPLOADS = {
    "jpeg": (
        jpeg_with_every_segment,
        ("PLANTED-EXIF", "PLANTED-XMP", "PLANTED-ICC", "PLANTED-COM", "PLANTED-IPTC"),
    ),
    "png": (png_with_every_chunk, ("PLANTED-tEXt", "PLANTED-iTXt", "PLANTED-eXIf")),
    "webp": (webp_with_every_chunk, ("PLANTED-EXIF", "PLANTED-XMP", "PLANTED-ICC")),
}


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


def test_the_test_files_really_carry_every_kind_of_metadata():
    with Image.open(io.BytesIO(jpeg_with_every_segment())) as picture:
        segments = [name for name, _content in picture.applist]
        assert segments.count("APP1") == 2  # EXIF and XMP
        assert {"APP2", "APP12", "APP13"} <= set(segments)
        assert picture.info["comment"] == b"PLANTED-COM"
    png = png_with_every_chunk()
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"iCCP"):
        assert chunk in png
    with Image.open(io.BytesIO(png)) as picture:
        assert picture.info["Author"] == "PLANTED-zTXt"  # compressed in the file
        assert b"PLANTED-ICC" in picture.info["icc_profile"]
    webp = webp_with_every_chunk()
    for chunk in (b"EXIF", b"XMP ", b"ICCP"):
        assert chunk in webp
    for make, markers in UPLOADS.values():
        data = make()
        assert all(marker.encode() in data for marker in markers)


@pytest.mark.parametrize("kind", sorted(UPLOADS))
def test_every_metadata_segment_is_stripped_from_the_image_and_its_thumbnail(
    personas, injury, kind
):
    make, markers = UPLOADS[kind]
    photo = services.photo_store(actor=personas.clinician, injury=injury, data=make())
    stored = InjuryPhoto.objects.get(pk=photo.pk)
    for data in (stored.image, stored.thumbnail):
        for marker in (*markers, "PLANTED", "Ducky", "Photoshop", "JFIF", "ICC_PROFILE"):
            assert marker.encode() not in data, marker
        with Image.open(io.BytesIO(data)) as clean:
            clean.load()
            assert clean.format == "JPEG"
            assert clean.applist == []
            assert not {"comment", "exif", "xmp", "icc_profile", "dpi"} & set(clean.info)
        assert photos.metadata_segments(data) == []  # Lantern's own check agrees
    with Image.open(io.BytesIO(stored.image)) as clean:
        assert clean.size == (64, 48)
        assert clean.getpixel((10, 10)) == pytest.approx((180, 90, 60), abs=6)
