from django.urls import path

from lantern.screening.views import kiosk, results, settings, staff

app_name = "screening"

patient = "patients/<uuid:patient_id>/screening/"

urlpatterns = [
    path(patient, staff.overview, name="overview"),
    path(f"{patient}<int:session_id>/", results.session_results, name="session"),
    path(f"{patient}<int:session_id>/privacy/", staff.privacy, name="privacy"),
    path(f"{patient}<int:session_id>/defer/", staff.defer, name="defer"),
    path(f"{patient}<int:session_id>/ask/<slug:instrument_id>/", staff.ask, name="ask"),
    path(f"{patient}<int:session_id>/handover/", kiosk.handover, name="kiosk_handover"),
    path(f"{patient}<int:session_id>/release/", results.release, name="release"),
    path(
        f"{patient}results/<int:result_id>/acknowledge/",
        results.acknowledge,
        name="acknowledge",
    ),
    path(f"{patient}results/<int:result_id>/code/", results.decide_code, name="decide_code"),
    path("kiosk/", kiosk.kiosk, name="kiosk"),
    path("kiosk/language/", kiosk.kiosk_language, name="kiosk_language"),
    path("kiosk/questions/<slug:instrument_id>/", kiosk.kiosk_questions, name="kiosk_questions"),
    path("kiosk/done/", kiosk.kiosk_done, name="kiosk_done"),
    path("kiosk/exit/", kiosk.kiosk_exit, name="kiosk_exit"),
    path("kiosk/staff/", kiosk.kiosk_unlock, name="kiosk_unlock"),
    path("kiosk/resume/", kiosk.kiosk_resume, name="kiosk_resume"),
    path("screening/thresholds/", settings.thresholds, name="thresholds"),
]
