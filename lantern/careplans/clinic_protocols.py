"""Which protocol a clinic plans with: its published copy, or Lantern's default.

A clinic's clinical lead copies a protocol, adapts it, reviews the diff against the
original, dry-runs it and publishes it (``lantern.careplans.adaptation_services``). Plans
record the id and version they were made from, so publishing a newer version changes only
the plans made after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lantern.careplans import protocols
from lantern.careplans.models import ClinicProtocol, ProtocolStatus

if TYPE_CHECKING:
    from lantern.accounts.models import Clinic

DEFAULT_PROTOCOL = "sa-followup-v1"


def stored_protocol(record: ClinicProtocol) -> protocols.Protocol:
    """A clinic copy read and checked like a shipped file."""
    return protocols.load_protocol(record.data, name=f"{record.protocol_id} {record.version}")


def published_for(clinic: Clinic) -> ClinicProtocol | None:
    return (
        ClinicProtocol.objects.filter(clinic=clinic, status=ProtocolStatus.PUBLISHED)
        .order_by("-published_at")
        .first()
    )


def protocol_for(clinic: Clinic | None) -> protocols.Protocol:
    """The protocol plans at ``clinic`` are made with."""
    record = published_for(clinic) if clinic is not None else None
    if record is not None:
        return stored_protocol(record)
    return protocols.get_protocol(DEFAULT_PROTOCOL)
