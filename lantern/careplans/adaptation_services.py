"""A clinical lead adapts a protocol for their clinic: copy, edit, diff, dry-run, publish.

Only drafts change. Publishing records the lead's approval in the protocol itself and
retires the clinic's previously published version; plans made under it keep its version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.audit.models import Action
from lantern.audit.services import audit_record
from lantern.careplans import protocols
from lantern.careplans.clinic_protocols import stored_protocol
from lantern.careplans.models import ClinicProtocol, ProtocolStatus
from lantern.careplans.services import CarePlanError

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic, User


def original_of(record: ClinicProtocol) -> protocols.Protocol | None:
    """The protocol a clinic copy was derived from, as it stood when the copy was made."""
    derived = record.data.get("derived_from") if isinstance(record.data, dict) else None
    if not isinstance(derived, dict):
        return None
    if record.original is not None:
        try:
            name = f"original of {record.protocol_id} {record.version}"
            return protocols.load_protocol(record.original, name=name)
        except protocols.ProtocolFileError:
            return None
    # Copies made before the original was kept: a shipped protocol, or a copy of the clinic.
    shipped = protocols.all_protocols().get(str(derived.get("id")))
    if shipped is not None and shipped.version == derived.get("version"):
        return shipped
    parent = ClinicProtocol.objects.filter(
        clinic=record.clinic_id, protocol_id=derived.get("id"), version=derived.get("version")
    ).first()
    return stored_protocol(parent) if parent is not None else None


@transaction.atomic
def clinic_protocol_copy(
    *, actor: User, clinic: Clinic, source: protocols.Protocol, new_id: str, version: str
) -> ClinicProtocol:
    """A draft copy of ``source`` for ``clinic``, needing review; it keeps ``source`` as it
    is now, to be compared with."""
    if ClinicProtocol.objects.filter(clinic=clinic, protocol_id=new_id, version=version).exists():
        raise CarePlanError(f"{new_id} {version} already exists at this clinic.")
    try:
        copy = protocols.copy_protocol(source, id=new_id, version=version)
    except protocols.ProtocolFileError as error:
        raise CarePlanError(str(error)) from error
    record = ClinicProtocol.objects.create(
        clinic=clinic,
        protocol_id=copy.id,
        version=copy.version,
        data=protocols.dump_protocol(copy),
        original=protocols.dump_protocol(source),
        created_by=actor,
    )
    audit_record(action=Action.CREATE, actor=actor, obj=record, detail=f"copy of {source.ref}")
    return record


@transaction.atomic
def clinic_protocol_update(*, actor: User, record: ClinicProtocol, data: Any) -> protocols.Protocol:
    """Replace a draft's data; ProtocolFileError names every problem, nothing is saved.

    What the draft was copied from (``derived_from``) stays: left out or null, it is kept;
    naming another original is refused, so the diff against the original always works.
    """
    if record.status != ProtocolStatus.DRAFT:
        raise CarePlanError("Only a draft can be changed: copy it as a new version.")
    copied_from = record.data.get("derived_from")
    if isinstance(data, dict) and data.get("derived_from") is None:
        data = {**data, "derived_from": copied_from}  # left out of the edit: kept as copied
    checked = protocols.load_protocol(data, name=f"{record.protocol_id} {record.version}")
    if (checked.id, checked.version) != (record.protocol_id, record.version):
        raise CarePlanError("The id and version of a draft stay as they were copied.")
    if protocols.dump_protocol(checked)["derived_from"] != copied_from:
        # The diff against the original is read through it, edit after edit.
        raise CarePlanError(
            _("A draft keeps what it was copied from: %(original)s.")
            % {"original": f"{copied_from['id']} {copied_from['version']}"}
            if copied_from
            else _("A draft copied from nothing cannot name an original.")
        )
    record.data = protocols.dump_protocol(checked)
    record.save(update_fields=["data"])
    audit_record(action=Action.UPDATE, actor=actor, obj=record, detail="draft edited")
    return checked


@transaction.atomic
def clinic_protocol_publish(*, actor: User, record: ClinicProtocol) -> ClinicProtocol:
    """Approve the draft in the lead's name and make it the clinic's protocol."""
    if record.status != ProtocolStatus.DRAFT:
        raise CarePlanError("This version is not a draft.")
    today = timezone.localdate()
    approved = protocols.approve_protocol(
        stored_protocol(record), approved_by=actor.display_name or actor.username, approved_on=today
    )
    ClinicProtocol.objects.filter(clinic=record.clinic_id, status=ProtocolStatus.PUBLISHED).update(
        status=ProtocolStatus.RETIRED
    )
    record.data = protocols.dump_protocol(approved)
    record.status = ProtocolStatus.PUBLISHED
    record.published_at, record.published_by = timezone.now(), actor
    record.save()
    audit_record(action=Action.UPDATE, actor=actor, obj=record, detail="published")
    return record
