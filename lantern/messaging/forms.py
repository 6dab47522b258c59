"""The form a clinic's administrator or clinical lead sets its reminder rules with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# A period shorter than a week would ask staff to re-confirm almost every visit; longer than
# a year trusts preferences that may no longer be safe.
SHORTEST_PERIOD, LONGEST_PERIOD = 7, 365


class ReminderRulesForm(forms.Form):
    reconfirm_days = forms.IntegerField(
        label=_("Re-confirm contact preferences after (days)"),
        help_text=_(
            "Preferences confirmed longer ago are not used: staff are asked to re-confirm "
            "them with the patient instead of a reminder being sent."
        ),
        min_value=SHORTEST_PERIOD,
        max_value=LONGEST_PERIOD,
        error_messages={
            "required": _("Give the period in days."),
            "invalid": _("Give the period as a whole number of days."),
            "min_value": _("The period is at least %(limit_value)s days."),
            "max_value": _("The period is at most %(limit_value)s days."),
        },
    )
    require_code_word = forms.BooleanField(
        label=_("Require a code word"),
        help_text=_("Send a reminder only by a channel with a code word agreed with the patient."),
        required=False,
    )
