"""``lantern fhir``: the systems that use the FHIR API, and Bulk export housekeeping.

* ``clients`` — every registered system: client id, clinic, status and scopes.
* ``register --name N --clinic-id ID --scopes "system/Patient.rs ..." --jwks FILE
  [--disclosure disclose_deidentified]`` — register a system; prints its client id.
* ``revoke CLIENT_ID`` — refuse the system from now on; its tokens stop working at once.
* ``expire-exports`` — remove the files of every Bulk export past its expiry.

Registration and revocation are permission changes in the audit trail, made by the
operator (no staff account), exactly as when an administrator uses the staff page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lantern.accounts.models import Clinic
from lantern.fhir import bulk, services
from lantern.fhir.models import ApiClient, Disclosure


class Command(BaseCommand):
    help = "Register, list and revoke FHIR API clients; remove expired Bulk exports."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("clients", help="every registered system")
        register = sub.add_parser("register", help="register a system (SMART Backend Services)")
        register.add_argument("--name", required=True)
        register.add_argument("--clinic-id", type=int, required=True)
        register.add_argument("--scopes", required=True, help="space-separated SMART scopes")
        register.add_argument("--jwks", type=Path, required=True, help="public key set (JSON)")
        register.add_argument(
            "--disclosure", choices=Disclosure.values, default=Disclosure.PRIMARY_CARE
        )
        revoke = sub.add_parser("revoke", help="revoke a system by its client id")
        revoke.add_argument("client_id")
        sub.add_parser("expire-exports", help="remove the files of expired Bulk exports")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _clients(self, options: dict[str, Any]) -> None:
        for client in ApiClient.objects.select_related("clinic"):
            status = "active" if client.is_active else f"revoked {client.revoked_at:%Y-%m-%d}"
            self.stdout.write(
                f"{client.client_id}  {client.name}  clinic {client.clinic_id} "
                f"({client.clinic.name})  {status}  {client.scopes}"
            )

    def _register(self, options: dict[str, Any]) -> None:
        clinic = Clinic.objects.filter(pk=options["clinic_id"]).first()
        if clinic is None:
            raise CommandError(f"No clinic with id {options['clinic_id']}.")
        try:
            jwks = json.loads(options["jwks"].read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the key set: {error}") from None
        try:
            client = services.api_client_register(
                actor=None,
                name=options["name"],
                clinic=clinic,
                scope_text=options["scopes"],
                jwks=jwks,
                disclosure=options["disclosure"],
            )
        except services.ClientError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(client.client_id)

    def _revoke(self, options: dict[str, Any]) -> None:
        client = ApiClient.objects.filter(client_id=options["client_id"]).first()
        if client is None:
            raise CommandError("No client with that id.")
        services.api_client_revoke(actor=None, client=client)
        self.stdout.write(f"{client.name} revoked.")

    def _expire_exports(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{bulk.exports_expire()} expired export(s) removed.")
