from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class SignInForm(AuthenticationForm):
    """Django's sign-in form with one message for every failure, so accounts can't be probed."""

    error_messages = {
        "invalid_login": _("That username and password did not match. Check them and try again."),
        "inactive": _("That username and password did not match. Check them and try again."),
    }
