"""Bulk Data ``$export``: kick-off, the background task, the manifest, sealed NDJSON files.

The task walks the client's patients a thousand at a time (keyset on the primary key) and,
for each batch, every resource type's rows of those patients through an iterator; lines go
straight into one file per type. Memory stays flat whatever the size of the export.

Reading and writing overlap: the task's own thread reads rows from the database and hands
them, a few hundred at a time, to one writer thread that renders, encodes and seals them,
so the database works on the next rows while the last ones are written. At most two
hand-offs wait at once, and the writer never touches the database; lines keep the order
of the rows, so the files are what a single thread would write.

Files are sealed at rest in 1 MiB chunks with Lantern's AES-GCM key ring, each chunk bound
to its export, file and position, so a copy of the export folder alone reveals nothing and
chunks cannot be reordered. They are opened again only while streaming to the client that
asked, and deleted when the export expires or is cancelled. Each patient whose data went
into an export gets an export entry in the audit trail; each download gets one too.
"""

from __future__ import annotations

import datetime
import hashlib
import shutil
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

import pydantic_core
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from lantern.audit.models import Action, AuditEvent, Category
from lantern.audit.services import audit_append_each, audit_record
from lantern.core import private_files
from lantern.crypto.runtime import keyring
from lantern.fhir.access import ClientAccess
from lantern.fhir.models import BulkExport, BulkExportFile, ExportStatus
from lantern.fhir.resources import REGISTRY
from lantern.fhir.resources.base import Row
from lantern.fhir.scopes import Grant

CHUNK_BYTES = 1024 * 1024
PATIENT_BATCH = 1000
LENGTH = struct.Struct(">I")
CHECK_EVERY_BATCHES = 5
ROWS_PER_HANDOFF = 500
HANDOFFS_WAITING = 2


def ndjson_line(resource: dict[str, Any]) -> bytes:
    """One resource as compact UTF-8 JSON: byte for byte what ``json.dumps(resource,
    ensure_ascii=False, separators=(",", ":"))`` writes for the trees of dicts, lists,
    strings, integers, booleans and None that resources are, in half the time. (Floats
    would be written differently; no resource carries one.)"""
    return pydantic_core.to_json(resource)


def export_dir(export: BulkExport) -> Path:
    return Path(settings.LANTERN_FHIR_EXPORT_DIR) / export.directory_name


def _context(export_id: UUID, file_name: str, index: int) -> str:
    return f"fhir-export:{export_id}:{file_name}:{index}"


class SealedWriter:
    """One NDJSON file, written a chunk at a time and sealed; digest of the plain bytes."""

    def __init__(self, export: BulkExport, resource_type: str) -> None:
        self.export = export
        self.row = BulkExportFile(export=export, resource_type=resource_type)
        self.buffer = bytearray()
        self.hasher = hashlib.sha256()
        self.chunks = 0
        self.handle: BinaryIO | None = None

    def write(self, resource: dict[str, Any]) -> None:
        self.buffer += ndjson_line(resource)
        self.buffer += b"\n"
        self.row.resources += 1
        if len(self.buffer) >= CHUNK_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        if self.handle is None:
            path = export_dir(self.export) / self.row.file_name
            self.handle = path.open("xb")
            path.chmod(0o600)
        data = bytes(self.buffer)
        self.hasher.update(data)
        self.row.size += len(data)
        context = _context(self.export.pk, self.row.file_name, self.chunks)
        sealed = keyring().seal_bytes(data, context)
        self.handle.write(LENGTH.pack(len(sealed)) + sealed)
        self.chunks += 1
        self.buffer.clear()

    def close(self) -> BulkExportFile | None:
        self._flush()
        if self.handle is not None:
            self.handle.close()
        if not self.row.resources:
            return None
        self.row.sha256 = self.hasher.hexdigest()
        self.row.save()
        return self.row


def read_sealed(export: BulkExport, export_file: BulkExportFile) -> Iterator[bytes]:
    """The file's NDJSON bytes, one opened chunk at a time."""
    path = export_dir(export) / export_file.file_name
    with path.open("rb") as handle:
        index = 0
        while header := handle.read(LENGTH.size):
            (size,) = LENGTH.unpack(header)
            blob = handle.read(size)
            yield keyring().open_bytes(blob, _context(export.pk, export_file.file_name, index))
            index += 1


def access_for(export: BulkExport) -> ClientAccess:
    base = export.request_url.split("/$export")[0]
    base = base.rsplit("/Patient", 1)[0].rsplit("/Group/", 1)[0]
    return ClientAccess(client=export.client, grant=Grant.of(export.scopes), base_url=base)


def _patient_batches(access: ClientAccess, export: BulkExport) -> Iterator[list[UUID]]:
    patients = access.patients().order_by("pk").values_list("pk", flat=True)
    last = None
    while True:
        page = patients if last is None else patients.filter(pk__gt=last)
        ids = _without_jit(page[:PATIENT_BATCH])
        if ids:
            yield ids
        if len(ids) < PATIENT_BATCH:
            return
        last = ids[-1]


def _without_jit(query: Iterable[UUID]) -> list[UUID]:
    """The page's keys, read with PostgreSQL's JIT compiler off for its one statement.

    The visibility test makes each page's estimated cost high enough for PostgreSQL to
    compile its plan: about 350 ms of compiling for 25 ms of work at 60,000 patients.
    ``SET LOCAL`` ends with the transaction, so it holds behind PgBouncer in transaction
    mode too and never reaches another request's statements.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return list(query)


def _cancelled(export: BulkExport) -> bool:
    return BulkExport.objects.filter(pk=export.pk, status=ExportStatus.CANCELLED).exists()


def _account(export: BulkExport, patient_ids: list[UUID]) -> None:
    """An export entry for each patient whose data went into the export."""
    audit_append_each(
        AuditEvent(
            actor=None,
            actor_label=export.client.get_username(),
            action=Action.EXPORT,
            object_type="fhir.bulkexport",
            object_id=str(export.pk),
            category=Category.SENSITIVE,
            detail=f"FHIR bulk export ({export.level})",
        ),
        patient_ids,
    )


def _sources(names: list[str]) -> list[list[Any]]:
    """The types to export, grouped by the rows they are read from."""
    groups: dict[str, list[Any]] = {}
    for name in names:
        resource_type = REGISTRY[name]
        groups.setdefault(getattr(resource_type, "export_source", "") or name, []).append(
            resource_type
        )
    return list(groups.values())


class Handoff:
    """Work for one writer thread, in order, with at most ``HANDOFFS_WAITING`` pieces
    waiting: the rows they hold are all the export keeps in memory besides its buffers."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fhir-export")
        self.waiting: deque[Future[list[UUID]]] = deque()

    def submit(self, work: Callable[[], list[UUID]]) -> Future[list[UUID]]:
        while len(self.waiting) >= HANDOFFS_WAITING:
            self.waiting.popleft().result()  # the writer's error, if any, is raised here
        future = self.pool.submit(work)
        self.waiting.append(future)
        return future

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _writing(
    writers: dict[str, SealedWriter], types: list[Any], rows: list[Row], access: ClientAccess
) -> Callable[[], list[UUID]]:
    """Render and write ``rows`` as ``types`` (on the writer thread): the patients whose
    data went into the files."""

    def write() -> list[UUID]:
        touched: dict[UUID, None] = {}
        for row in rows:
            for resource_type in types:
                resources = resource_type.render(row, access)
                if resources:
                    touched[row[resource_type.patient_field]] = None
                    writer = writers[resource_type.name]
                    for resource in resources:
                        writer.write(resource)
        return list(touched)

    return write


def _account_written(export: BulkExport, written: list[Future[list[UUID]]]) -> None:
    """Account for one batch's patients once the writer has written all their rows."""
    touched: dict[UUID, None] = {}
    for future in written:
        touched.update(dict.fromkeys(future.result()))
    _account(export, list(touched))


def export_write(export: BulkExport) -> bool:
    """Write every file of ``export``; False if it was cancelled on the way."""
    access = access_for(export)
    folder = export_dir(export)
    # Readable by Lantern's user only, like the data folder; each export gets a fresh folder.
    private_files.private_directory(folder.parent)
    folder.mkdir(mode=private_files.DIRECTORY_MODE)
    writers = {name: SealedWriter(export, name) for name in export.types}
    if "Questionnaire" in writers:
        for resource in REGISTRY["Questionnaire"].everything(access):
            writers["Questionnaire"].write(resource)
    sources = _sources([name for name in export.types if REGISTRY[name].in_patient_compartment])
    handoff = Handoff()
    try:
        finished = _write_batches(export, access, sources, writers, handoff)
    finally:
        handoff.close()
    if finished:
        for writer in writers.values():
            writer.close()
    return finished


def _write_batches(
    export: BulkExport,
    access: ClientAccess,
    sources: list[list[Any]],
    writers: dict[str, SealedWriter],
    handoff: Handoff,
) -> bool:
    """Read each batch's rows and hand them to the writer; a batch is accounted for while
    the next one is read, once its rows are written."""
    done = 0
    previous: list[Future[list[UUID]]] = []
    for number, ids in enumerate(_patient_batches(access, export), start=1):
        current = [
            handoff.submit(_writing(writers, types, rows, access))
            for types in sources
            for rows in _chunks(
                types[0].export_rows(access, ids, export.since, types), ROWS_PER_HANDOFF
            )
        ]
        _account_written(export, previous)
        previous = current
        done += len(ids)
        if number % CHECK_EVERY_BATCHES == 0:
            if _cancelled(export):
                _account_written(export, previous)
                return False
            BulkExport.objects.filter(pk=export.pk).update(progress=f"{done} patients done")
    _account_written(export, previous)
    return True


@task()
def run_export(export_id: str) -> str:
    """Background task: write the export's files, then mark it completed (or failed)."""
    export = BulkExport.objects.select_related("client").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.QUEUED:
        return "skipped"
    if not export.client.is_active:
        BulkExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        return "client revoked"
    now = timezone.now()
    BulkExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, transaction_time=now
    )
    export.transaction_time = now
    running = BulkExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING)
    try:
        finished = export_write(export)
    except Exception:
        # A cancel removes the folder while the files are written: the write that fails
        # then is the cancel's doing, and the export stays cancelled.
        failed = running.update(status=ExportStatus.FAILED)
        export_files_remove(export)
        if not failed:
            return "cancelled"
        raise
    done = timezone.now()
    completed = finished and running.update(
        status=ExportStatus.COMPLETED,
        finished_at=done,
        expires_at=done + datetime.timedelta(hours=settings.LANTERN_FHIR_EXPORT_HOURS),
        progress="",
    )
    if not completed:  # cancelled on the way, or after the last check: nothing is kept
        export_files_remove(export)
        return "cancelled"
    return "completed"


def export_files_remove(export: BulkExport) -> None:
    shutil.rmtree(export_dir(export), ignore_errors=True)
    BulkExportFile.objects.filter(export=export).delete()


@transaction.atomic
def export_start(
    *, access: ClientAccess, level: str, group_id: str, types: list[str], since: Any, url: str
) -> BulkExport:
    export = BulkExport.objects.create(
        client=access.client,
        level=level,
        group_id=group_id,
        types=types,
        since=since,
        request_url=url[:1000],
        scopes=" ".join(access.grant.scopes),
    )
    audit_record(
        action=Action.EXPORT,
        request=access.request,
        actor=access.client,
        obj=export,
        detail=f"FHIR bulk export requested ({level}): {','.join(types)}"[:200],
    )
    transaction.on_commit(lambda: run_export.enqueue(str(export.pk)))
    return export


@transaction.atomic
def export_cancel(*, access: ClientAccess, export: BulkExport) -> None:
    BulkExport.objects.filter(pk=export.pk).update(status=ExportStatus.CANCELLED)
    audit_record(
        action=Action.DELETE,
        request=access.request,
        actor=access.client,
        obj=export,
        detail="FHIR bulk export cancelled",
    )
    transaction.on_commit(lambda: export_files_remove(export))


def exports_expire(now: datetime.datetime | None = None) -> int:
    """Remove the files of every export past its expiry; the rows stay as a record."""
    now = now or timezone.now()
    expired = BulkExport.objects.filter(status=ExportStatus.COMPLETED, expires_at__lte=now).exclude(
        files=None
    )
    count = 0
    for export in expired:
        export_files_remove(export)
        count += 1
    return count
