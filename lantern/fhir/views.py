"""Administrators register and revoke the systems that use the FHIR API. They read no charts."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lantern.accounts.access import AuthenticatedHttpRequest, refused_as_not_found, role_required
from lantern.accounts.models import Clinic, Role
from lantern.core.http import require_safe, require_safe_or_POST
from lantern.fhir import services
from lantern.fhir.forms import ApiClientForm
from lantern.fhir.models import ApiClient


@role_required(Role.ADMINISTRATOR)
@require_safe
def api_clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin = request.user
    clients = ApiClient.objects.of_health_system(admin.health_system_id).select_related("clinic")
    return render(request, "fhir/api_clients.html", {"clients": clients})


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def api_client_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    admin = request.user
    clinics = Clinic.objects.filter(health_system=admin.health_system_id)
    form = ApiClientForm(request.POST or None, clinics=clinics)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client = services.api_client_register(
                actor=admin,
                name=data["name"],
                clinic=data["clinic"],
                scope_text=" ".join(data["scopes"]),
                jwks=data["jwks"],
                disclosure=data["disclosure"],
            )
        except services.ClientError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is registered. Its client id is %(client_id)s.")
                % {"name": client.name, "client_id": client.client_id},
            )
            return redirect("api_clients:list")
    return render(request, "fhir/api_client_form.html", {"form": form})


@role_required(Role.ADMINISTRATOR)
@require_safe_or_POST
def api_client_revoke(request: AuthenticatedHttpRequest, client_id: int) -> HttpResponse:
    admin = request.user
    client = ApiClient.objects.of_health_system(admin.health_system_id).filter(pk=client_id).first()
    if client is None or admin.health_system_id is None:
        raise refused_as_not_found(request, "API client of another organisation")
    if request.method != "POST":  # the address reloaded, or its language changed
        return redirect("api_clients:list")
    services.api_client_revoke(actor=admin, client=client)
    messages.success(
        request, _("%(name)s is revoked: its tokens no longer work.") % {"name": client.name}
    )
    return redirect("api_clients:list")
