"""The body map is drawn in Python (``{% body_map_svg %}``) rather than by including
``encounters/_body_map.html``: the drawing must be the same, character for character, with
no injury, one, several, or one in every region, front and back, in each language."""

from __future__ import annotations

import random

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from lantern.encounters import body_map, services
from lantern.encounters.choices import BodyRegion, BodySide
from lantern.encounters.templatetags.body_map_svg import body_map_svg
from tests.clients import stepped_up
from tests.encounters.conftest import give

INCLUDE = Template('{% include "encounters/_body_map.html" %}')
EVERY = [(side, region) for side in BodySide.values for region in BodyRegion.values]


def included(views: object) -> str:
    return INCLUDE.render(Context({"body_views": views}))


def injury_sets() -> list[list[tuple[str, str]]]:
    pick = random.Random(7)
    return [[], [("front", "left_arm")], [("back", "head"), ("back", "buttocks")], EVERY] + [
        pick.sample(EVERY, count) for count in (2, 5, 9, 15)
    ]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("injured", injury_sets(), ids=lambda s: f"{len(s)} injured")
def test_the_body_map_is_drawn_as_the_template_draws_it(injured, language):
    views = body_map.views(injured)
    with translation.override(language):
        assert body_map_svg(views) == included(views)


def test_the_visit_page_shows_the_map_with_its_injured_regions_shaded(personas, visit):
    give(personas, visit, "general_exam")
    injury = {"side": "front", "region": "left_arm", "kind": "bruise", "healing": "healing"}
    services.injury_record(actor=personas.clinician, encounter=visit, **injury)
    page = stepped_up(personas.clinician).get(
        reverse("encounters:visit", args=[personas.patient.pk, visit.pk])
    )
    expected = included(body_map.views([("front", "left_arm")]))
    assert f"<div>{expected}</div>" in page.content.decode()
    assert page.content.decode().count("body-map__region--injured") == 1
