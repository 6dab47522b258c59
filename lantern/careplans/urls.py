from django.urls import path

from lantern.careplans.views import plan

app_name = "careplans"

patient = "patients/<uuid:patient_id>/"
activity = f"{patient}care-plan/activities/<int:activity_id>/"

urlpatterns = [
    path(f"{patient}care-plan/", plan.careplan_detail, name="plan"),
    path(
        f"{patient}visits/<int:visit_id>/care-plan/",
        plan.careplan_generate_view,
        name="generate",
    ),
    path(f"{patient}care-plan/activities/", plan.activity_add, name="activity_add"),
    path(f"{activity}status/", plan.activity_status, name="activity_status"),
    path(f"{activity}owner/", plan.activity_owner, name="activity_owner"),
    path(f"{activity}appointments/", plan.appointment_add, name="appointment_add"),
]
