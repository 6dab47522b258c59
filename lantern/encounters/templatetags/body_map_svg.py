"""``{% body_map_svg body_views %}``: the body map as ``encounters/_body_map.html`` draws it,
written in Python.

The map is twenty-six shapes, each with four numbers, drawn on every visit page; the
template loop over them cost as much as a whole section of the page.
``tests/encounters/test_body_map_svg.py`` holds the two to the character, for injuries in
every region and both languages.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from lantern.encounters.body_map import FRONT, DrawnRegion, View

REFERENCE = "encounters/_body_map.html"
# {% localize off %}: numbers written as Python writes them, whatever the language.
_UNLOCALIZED = Context(use_l10n=False)

register = template.Library()


def _number(value: float) -> str:
    return str(render_value_in_context(value, _UNLOCALIZED))


def _translated(message: str, context: str | None = None) -> str:
    """``{% translate message %}`` (with ``context``): a template literal and its translation
    are safe text, so neither is escaped."""
    literal = mark_safe(message.replace("%", "%%"))  # noqa: S308 (our own literal)  # nosec B308 B703
    value = pgettext(context, literal) if context else gettext(literal)
    return str(value).replace("%%", "%")


def _region(drawn: DrawnRegion) -> str:
    shape = drawn.shape
    injured = " body-map__region--injured" if drawn.injured else ""
    if shape.ellipse:
        return (
            f'\n      <ellipse cx="{_number(shape.cx)}" cy="{_number(shape.cy)}" '
            f'rx="{_number(shape.rx)}" ry="{_number(shape.ry)}" '
            f'class="body-map__region{injured}"/>\n      \n      '
        )
    return (
        f'\n      <rect x="{_number(shape.x)}" y="{_number(shape.y)}" '
        f'width="{_number(shape.width)}" height="{_number(shape.height)}" rx="8" '
        f'class="body-map__region{injured}"/>\n      '
    )


def _label(x: int, y: int, text: str) -> str:
    return f'<text x="{x}" y="{y}" text-anchor="middle" class="body-map__label">{text}</text>'


def _view(view: View, first: bool) -> str:
    front = view.side == FRONT
    right = _translated("R", "right side of the body")
    left = _translated("L", "left side of the body")
    side = _translated("Front" if front else "Back", "side of the body")
    regions = "".join(_region(drawn) for drawn in view.regions)
    return (
        f'\n    <g transform="translate({0 if first else 210} 0)">\n      {regions}\n      '
        f"{_label(100, 414, side)}\n      "
        f"{_label(14, 104, right if front else left)}\n      "
        f"{_label(186, 104, left if front else right)}\n    </g>\n    "
    )


@register.simple_tag
def body_map_svg(views: Iterable[View]) -> SafeString:
    """The front and back outlines, each region with an injury shaded, and the caption."""
    drawn = "".join(_view(view, first=n == 0) for n, view in enumerate(views))
    caption = _translated(
        "Body map, front and back: shaded regions have an injury recorded. "
        "The table below lists every injury."
    )
    return mark_safe(  # noqa: S308 (numbers, our own markup and translations only)  # nosec B308 B703
        '<figure class="body-map">\n  <svg class="body-map__svg" viewBox="0 0 410 420" '
        'xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false">\n    '
        f'{drawn}\n  </svg>\n  <figcaption class="help">{caption}</figcaption>\n</figure>\n'
    )
