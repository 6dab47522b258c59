"""Passwords are hashed with Argon2id at OWASP's parameters; older hashes move to it at the
next sign-in. (The rest of the suite uses a fast hasher; these tests use Lantern's list.)"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.test import Client
from django.urls import reverse

from lantern.accounts.models import User
from tests.factories import PASSWORD

ARGON2ID = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = settings.PRODUCTION_PASSWORD_HASHERS


def test_outside_test_mode_argon2id_comes_first(production_hashers):
    assert settings.PASSWORD_HASHERS[0] == "lantern.accounts.hashers.Argon2idPasswordHasher"
    encoded = make_password("correct horse battery staple")
    assert encoded.startswith(ARGON2ID)
    assert check_password("correct horse battery staple", encoded)
    assert not check_password("correct horse battery stapler", encoded)


def django_argon2(password: str) -> str:
    hasher = Argon2PasswordHasher()  # Django's own, heavier parameters
    return hasher.encode(password, hasher.salt())


OLD_HASHES = {
    "pbkdf2_sha256": lambda password: make_password(password, hasher="pbkdf2_sha256"),
    "pbkdf2_sha1": lambda password: make_password(password, hasher="pbkdf2_sha1"),
    "argon2 with other parameters": django_argon2,
}


@pytest.mark.parametrize("old", list(OLD_HASHES))
def test_an_older_hash_is_upgraded_at_the_next_sign_in(personas, production_hashers, old):
    encoded = OLD_HASHES[old](PASSWORD)
    User.objects.filter(pk=personas.clinician.pk).update(password=encoded)

    response = Client().post(
        reverse("accounts:login"), {"username": "clinician", "password": PASSWORD}
    )
    assert response.status_code == 302  # on to the second factor
    stored = User.objects.get(pk=personas.clinician.pk).password
    assert stored.startswith(ARGON2ID)
    assert check_password(PASSWORD, stored)


def test_a_wrong_password_does_not_rehash(personas, production_hashers):
    encoded = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=personas.clinician.pk).update(password=encoded)
    Client().post(reverse("accounts:login"), {"username": "clinician", "password": "wrong"})
    assert User.objects.get(pk=personas.clinician.pk).password == encoded
