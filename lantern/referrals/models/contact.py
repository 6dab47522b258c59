"""How to reach a service and when: contacts, phones, languages and opening hours.

As in HSDS's tabular form, one phone (or contact, language, schedule) may belong to several
parents at once, e.g. the same number for an organisation and one of its services.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lantern.referrals.models.base import DirectoryRecord, fk, text
from lantern.referrals.models.base import number as hsds_number


class Contact(DirectoryRecord):
    organization = fk("referrals.Organization", "contacts")
    service = fk("referrals.Service", "contacts")
    service_at_location = fk("referrals.ServiceAtLocation", "contacts")
    location = fk("referrals.Location", "contacts")
    name = text()
    title = text()
    department = text()
    email = text()


class Phone(DirectoryRecord):
    location = fk("referrals.Location", "phones")
    service = fk("referrals.Service", "phones")
    organization = fk("referrals.Organization", "phones")
    contact = fk("referrals.Contact", "phones")
    service_at_location = fk("referrals.ServiceAtLocation", "phones")
    number = models.TextField()
    extension = hsds_number()
    type = text()
    description = text()

    def kind_label(self) -> str:
        """HSDS's phone type in the reader's language ("" for an ordinary voice line)."""
        return str(PHONE_KINDS.get(self.type.lower(), self.type)) if self.type else ""


PHONE_KINDS = {
    "voice": "",
    "text": _("text message"),
    "cell": _("mobile"),
    "fax": _("fax"),
    "video": _("video call"),
    "pager": _("pager"),
    "textphone": _("TTY"),
}


class Language(DirectoryRecord):
    service = fk("referrals.Service", "languages")
    location = fk("referrals.Location", "languages")
    phone = fk("referrals.Phone", "languages")
    name = text()
    code = text()
    note = text()
    # Lantern's code for the language (``patients.choices.LANGUAGES``), worked out from
    # ``code`` when stored, so a search for Spanish finds "es", "spa" and "es-MX" alike.
    lantern_code = models.CharField(max_length=16, blank=True, db_index=True)


class Schedule(DirectoryRecord):
    """Opening hours as HSDS writes them (an iCalendar-like rule), kept exactly as given.

    The ``open_*`` columns are Lantern's reading of a weekly rule, worked out when the
    schedule is stored (``lantern.referrals.schedules.derived``), so "open now" is a plain
    database filter. A rule Lantern cannot read leaves them empty: never open now.
    """

    service = fk("referrals.Service", "schedules")
    location = fk("referrals.Location", "schedules")
    service_at_location = fk("referrals.ServiceAtLocation", "schedules")
    valid_from = text()
    valid_to = text()
    dtstart = text()
    timezone = hsds_number()
    until = text()
    count = hsds_number()
    wkst = text()
    freq = text()
    interval = hsds_number()
    byday = text()
    byweekno = text()
    bymonthday = text()
    byyearday = text()
    description = text()
    opens_at = text()
    closes_at = text()
    schedule_link = text()
    attending_type = text()
    notes = text()
    # Derived: weekdays as bits (Monday = 1, Sunday = 64), minutes after midnight
    # (closing at 1440 means midnight), the rule's own UTC offset, its validity dates.
    open_days = models.PositiveSmallIntegerField(default=0)
    opens_minute = models.PositiveSmallIntegerField(null=True)
    closes_minute = models.PositiveSmallIntegerField(null=True)
    utc_offset_minutes = models.SmallIntegerField(null=True)
    valid_from_date = models.DateField(null=True)
    valid_to_date = models.DateField(null=True)
