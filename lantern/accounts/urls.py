from django.urls import path

from lantern.accounts.views import clinics, notifications, signin, staff, two_factor
from lantern.core.http import require_POST, require_safe_or_POST

app_name = "accounts"

urlpatterns = [
    path("sign-in/", require_safe_or_POST(signin.SignInView.as_view()), name="login"),
    path("sign-out/", require_POST(signin.SignOutView.as_view()), name="logout"),
    path("two-factor/", two_factor.two_factor, name="two_factor"),
    path("two-factor/setup/", two_factor.two_factor_setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="recovery_codes"),
    path(
        "two-factor/recovery-codes/replace/",
        two_factor.recovery_codes_replace,
        name="recovery_codes_replace",
    ),
    path("confirm/", two_factor.confirm_identity, name="confirm"),
    path("notifications/", notifications.notifications, name="notifications"),
    path(
        "password/",
        require_safe_or_POST(signin.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:user_id>/", staff.staff_edit, name="staff_edit"),
    path(
        "staff/<int:user_id>/reset-second-factor/",
        staff.staff_reset_second_factor,
        name="staff_reset_second_factor",
    ),
    path("staff/<int:user_id>/unlock/", staff.staff_unlock, name="staff_unlock"),
    path("clinics/", clinics.clinic_list, name="clinic_list"),
    path("clinics/<int:clinic_id>/", clinics.clinic_settings, name="clinic_settings"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
]
