"""The listening prompt stands on every page where staff ask or examine, in both languages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_access_matrix import MATRIX

PAGES = ("screening:overview", "screening:ask", "screening:privacy", "encounters:visit")
WORDS = {
    "en": (
        "How to listen",
        "without interrupting",
        "is not a sign of lying",
        "Never use force or restraint.",
    ),
    "es": ("Cómo escuchar", "sin interrumpir", "no es señal de mentira", "Nunca use la fuerza"),
}


@pytest.mark.parametrize("language", sorted(WORDS))
@pytest.mark.parametrize("name", PAGES)
def test_the_listening_prompt_is_on_the_page(personas, client_for, name, language):
    client = client_for(personas.clinician)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(reverse(name, kwargs=MATRIX[name].kwargs(personas)))
    assert response.status_code == 200
    page = response.content.decode()
    for words in WORDS[language]:
        assert words in page, f"{name} ({language}) lacks {words!r}"
