"""The key ring seals and opens field values and derives blind-index tokens."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from lantern.crypto.keyring import DecryptionError, KeyRing, generate_key, key_id_of


def ring(*ids: str, index: str | None = None) -> KeyRing:
    spec = ",".join(f"{key_id}:{generate_key()}" for key_id in ids)
    return KeyRing.from_config(spec, index or generate_key())


def test_a_sealed_value_opens_to_the_original_text():
    keys = ring("k1")
    sealed = keys.encrypt("María José Nguyễn", "patients.patient.preferred_name")
    assert sealed.startswith("lx1.k1.")
    assert "María" not in sealed
    assert keys.decrypt(sealed, "patients.patient.preferred_name") == "María José Nguyễn"


def test_the_same_name_seals_differently_each_time():
    keys = ring("k1")
    assert keys.encrypt("Rosa", "ctx") != keys.encrypt("Rosa", "ctx")


def test_a_value_copied_into_another_field_does_not_open():
    keys = ring("k1")
    sealed = keys.encrypt("Rosa", "patients.patient.preferred_name")
    with pytest.raises(DecryptionError):
        keys.decrypt(sealed, "patients.patientalias.name")


def test_a_tampered_value_does_not_open():
    keys = ring("k1")
    sealed = keys.encrypt("Rosa", "ctx")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(DecryptionError):
        keys.decrypt(flipped, "ctx")


def test_a_value_sealed_with_a_key_no_longer_configured_names_that_key():
    old = ring("old")
    new = ring("new")
    with pytest.raises(DecryptionError, match="'old'"):
        new.decrypt(old.encrypt("Rosa", "ctx"), "ctx")


def test_older_keys_still_open_values_while_the_first_key_seals_new_ones():
    old_key, new_key, index = generate_key(), generate_key(), generate_key()
    before = KeyRing.from_config(f"k1:{old_key}", index)
    after = KeyRing.from_config(f"k2:{new_key},k1:{old_key}", index)
    sealed_before = before.encrypt("Rosa", "ctx")
    assert after.decrypt(sealed_before, "ctx") == "Rosa"
    assert key_id_of(after.encrypt("Rosa", "ctx")) == "k2"


def test_ciphertext_length_does_not_reveal_the_exact_length_of_a_name():
    keys = ring("k1")
    assert len(keys.encrypt("Li", "ctx")) == len(keys.encrypt("Guadalupe Hernández", "ctx"))


@given(st.text(max_size=300))
def test_any_text_survives_sealing(text):
    keys = KEYS
    assert keys.decrypt(keys.encrypt(text, "ctx"), "ctx") == text


KEYS = ring("k1")


def test_blind_tokens_are_stable_per_key_and_differ_between_keys_and_purposes():
    index = generate_key()
    first = KeyRing.from_config(f"k1:{generate_key()}", index)
    again = KeyRing.from_config(f"k9:{generate_key()}", index)
    other = ring("k1")
    assert first.blind("name", "rosa") == again.blind("name", "rosa")
    assert first.blind("name", "rosa") != other.blind("name", "rosa")
    assert first.blind("name", "rosa") != first.blind("identifier", "rosa")
    assert -(2**63) <= first.blind("name", "rosa") < 2**63


def test_the_key_ring_never_shows_key_material():
    material = generate_key()
    keys = KeyRing.from_config(f"k1:{material}", generate_key())
    assert material not in repr(keys)
    assert material not in str(keys)


SHORT = base64.urlsafe_b64encode(b"x" * 16).decode()
# Fixed material: parameter ids must be identical in every test worker.
K_A = base64.urlsafe_b64encode(b"a" * 32).decode()
K_B = base64.urlsafe_b64encode(b"b" * 32).decode()


@pytest.mark.parametrize(
    ("encryption_keys", "index_key", "message"),
    [
        ("", None, "at least one id:key"),
        ("k1", None, "entry 1 must look like"),
        ("bad id!:" + K_A, None, "entry 1 must look like"),
        (f"k1:{SHORT}", None, "must decode to 32 bytes"),
        ("k1:***not-base64***", None, "not valid base64url"),
        (f"k1:{K_A},k1:{K_B}", None, "twice"),
        (f"k1:{K_A}", SHORT, "LANTERN_INDEX_KEY must decode to 32 bytes"),
    ],
)
def test_wrong_key_material_is_refused_with_a_precise_message(encryption_keys, index_key, message):
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        KeyRing.from_config(encryption_keys, index_key or generate_key())
    for part in encryption_keys.split(","):
        material = part.partition(":")[2]
        if len(material) > 8:
            assert material not in str(error.value)


def test_the_index_key_must_differ_from_the_encryption_keys():
    shared = generate_key()
    with pytest.raises(ImproperlyConfigured, match="must differ"):
        KeyRing.from_config(f"k1:{shared}", shared)
