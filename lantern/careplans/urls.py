from django.urls import path

from lantern.careplans.views import plan, protocols, worklist

app_name = "careplans"

patient = "patients/<uuid:patient_id>/"
activity = f"{patient}care-plan/activities/<int:activity_id>/"

protocol = "care-plans/protocols/<int:record_id>/"

urlpatterns = [
    path("care-plans/worklist/", worklist.worklist, name="worklist"),
    path("care-plans/protocols/", protocols.protocol_list, name="protocols"),
    path("care-plans/protocols/copy/", protocols.protocol_copy, name="protocol_copy"),
    path(protocol, protocols.protocol_edit, name="protocol_edit"),
    path(f"{protocol}dry-run/", protocols.protocol_dry_run, name="protocol_dry_run"),
    path(f"{protocol}publish/", protocols.protocol_publish, name="protocol_publish"),
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
