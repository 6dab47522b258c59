"""Age as Lantern counts it: whole years, and the age from which a patient is an adult.

Plain Python without Django, so that pure clinical rules (screening decision support) and
the patient record draw the line between minors and adults in one place.
"""

from __future__ import annotations

import datetime

ADULT_AGE = 18


def age_on(birth_date: datetime.date, today: datetime.date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)
