from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lantern.accounts import mfa
from lantern.accounts.models import User

SAME_ANSWER = _("That username and password did not match. Check them and try again.")


class SignInForm(AuthenticationForm):
    """Django's sign-in form with one message for every failure, so accounts can't be probed."""

    error_messages = {"invalid_login": SAME_ANSWER, "inactive": SAME_ANSWER}


class OwnPasswordForm(PasswordChangeForm):
    """Changing one's password: the new one must differ from the current one (which an
    administrator may know)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("new_password1")
        if password and not self.has_error("new_password2") and self.user.check_password(password):
            self.add_error(
                "new_password1",
                forms.ValidationError(
                    _("Choose a new password, different from the current one."),
                    code="unchanged",
                ),
            )
        return data


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class EnrolmentForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ConfirmIdentityForm(forms.Form):
    """Password and second factor again, for step-up re-authentication."""

    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    otp_token = CodeForm.base_fields["otp_token"]

    def __init__(self, *args: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user
        # A wrong password is audited by the sign-in signal; a wrong code by the view.
        self.wrong_code = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password, code = data.get("password"), data.get("otp_token")
        if password is None or code is None:
            return data
        checked = authenticate(self.request, username=self.user.get_username(), password=password)
        if checked is not None and checked.pk == self.user.pk:
            self.wrong_code = mfa.check_code(self.user, code) is None
            if not self.wrong_code:
                return data
        raise forms.ValidationError(_("The password or the code was not right. Try again."))


class StaffForm(forms.ModelForm):  # type: ignore[type-arg]
    """An administrator's view of one staff account."""

    class Meta:
        model = User
        fields: tuple[str, ...] = (
            "display_name",
            "email",
            "role",
            "clinician_type",
            "clinical_lead",
            "clinics",
            "is_active",
        )
        widgets = {"clinics": forms.CheckboxSelectMultiple}
        labels = {"is_active": _("Account is active")}
        help_texts = {
            "is_active": _("Switch off instead of deleting: the audit trail keeps the name.")
        }

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinics"].queryset = clinics  # type: ignore[attr-defined]
        self.fields["clinics"].required = True
        self.fields["email"].required = True
        self.fields["email"].help_text = _("A work address: security notices are sent here.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == "clinician" and not data.get("clinician_type"):
            self.add_error("clinician_type", _("Choose the kind of clinician."))
        if data.get("clinical_lead") and data.get("role") != "clinician":
            self.add_error("clinical_lead", _("Only a clinician can be a clinical lead."))
        return data


class NewStaffForm(StaffForm):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and . @ + - _ only."),
    )
    password = forms.CharField(
        label=_("First password"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_(
            "Give it to the person privately. They set up their second factor at first sign-in."
        ),
    )

    class Meta(StaffForm.Meta):
        fields: tuple[str, ...] = ("username", *StaffForm.Meta.fields)

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password
