"""The body map: which regions each view (front, back) shows, and where they are drawn.

Pure data. The map is drawn by the server as an outline that highlights regions with
injuries; it is decorative, and the injury table is what assistive technology reads. In the
front view the patient's right side is on the viewer's left; in the back view it is on the
viewer's right, as a clinician standing behind the patient sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FRONT, BACK = "front", "back"

# Regions that only one view shows; every other region appears on both.
FRONT_ONLY = frozenset({"chest", "abdomen", "pelvis"})
BACK_ONLY = frozenset({"upper_back", "lower_back", "buttocks"})


def region_fits_side(region: str, side: str) -> bool:
    """Whether ``region`` can be seen from ``side`` (e.g. no chest on the back)."""
    if side == FRONT:
        return region not in BACK_ONLY
    return region not in FRONT_ONLY


@dataclass(frozen=True)
class Shape:
    """One region drawn as a rounded rectangle, or as an ellipse filling that box."""

    region: str
    x: int
    y: int
    width: int
    height: int
    ellipse: bool = False

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def rx(self) -> float:
        return self.width / 2

    @property
    def ry(self) -> float:
        return self.height / 2


def _limbs(viewer_left: str, viewer_right: str) -> tuple[Shape, ...]:
    """Arms, hands, legs and feet: ``viewer_left`` is the side drawn on the viewer's left."""
    return (
        Shape(f"{viewer_left}_arm", 34, 90, 24, 118),
        Shape(f"{viewer_right}_arm", 142, 90, 24, 118),
        Shape(f"{viewer_left}_hand", 32, 210, 26, 32, ellipse=True),
        Shape(f"{viewer_right}_hand", 142, 210, 26, 32, ellipse=True),
        Shape(f"{viewer_left}_leg", 68, 238, 30, 136),
        Shape(f"{viewer_right}_leg", 102, 238, 30, 136),
        Shape(f"{viewer_left}_foot", 62, 376, 36, 20, ellipse=True),
        Shape(f"{viewer_right}_foot", 102, 376, 36, 20, ellipse=True),
    )


_HEAD_AND_NECK = (
    Shape("head", 74, 8, 52, 62, ellipse=True),
    Shape("neck", 88, 70, 24, 16),
)

SHAPES: dict[str, tuple[Shape, ...]] = {
    FRONT: (
        *_HEAD_AND_NECK,
        Shape("chest", 62, 86, 76, 60),
        Shape("abdomen", 66, 146, 68, 54),
        Shape("pelvis", 66, 200, 68, 38),
        *_limbs("right", "left"),
    ),
    BACK: (
        *_HEAD_AND_NECK,
        Shape("upper_back", 62, 86, 76, 70),
        Shape("lower_back", 66, 156, 68, 44),
        Shape("buttocks", 66, 200, 68, 38),
        *_limbs("left", "right"),
    ),
}


@dataclass(frozen=True)
class DrawnRegion:
    shape: Shape
    injured: bool


@dataclass(frozen=True)
class View:
    side: str
    regions: tuple[DrawnRegion, ...]


def views(injured: Iterable[tuple[str, str]]) -> tuple[View, View]:
    """The front and back views, each region marked if an injury was recorded there."""
    marked = set(injured)

    def view(side: str) -> View:
        return View(side, tuple(DrawnRegion(s, (side, s.region) in marked) for s in SHAPES[side]))

    return view(FRONT), view(BACK)
