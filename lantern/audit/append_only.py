"""Database triggers that make the audit trail append-only, on SQLite and PostgreSQL.

Entries may be inserted, and an unsealed entry's two hashes filled in once; nothing else
about an entry may be updated, and none deleted or truncated. Gap links and checkpoints may
only be inserted. The chain head may be inserted and moved forward, never moved back,
deleted or truncated. The triggers hold
against anything that speaks SQL through Lantern's connection, not only the ORM; a
database owner can still drop them, which is what the hash chain and ``lantern audit
verify`` are for.

``suspended`` lifts them inside one transaction. Lantern itself never calls it: it exists
for the test suite (planting tampering, emptying tables between tests) and the benchmark's
bulk load of a synthetic chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

EVENTS = "audit_auditevent"
HEAD = "audit_auditchainhead"
GAPS = "audit_auditgap"
CHECKPOINTS = "audit_auditcheckpoint"
REFUSED = "audit trail is append-only"
HEAD_BACKWARDS = "the audit chain head only moves forward"
# Every column of an entry except its two hashes: sealing may fill those in, once.
ENTRY_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "category",
    "source_address",
    "outcome",
    "detail",
    "sequence",
)


def _sqlite_entry_changed() -> str:
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in ENTRY_COLUMNS)
    return f"OLD.entry_hash <> '' OR {changed}"


def _postgres_entry_changed() -> str:
    new = ", ".join(f"NEW.{column}" for column in ENTRY_COLUMNS)
    old = ", ".join(f"OLD.{column}" for column in ENTRY_COLUMNS)
    return f"OLD.entry_hash <> '' OR ROW({new}) IS DISTINCT FROM ROW({old})"


# --- SQLite: one trigger per refused statement --------------------------------------------

# Before the sealer (migration 0005): entries never change at all.
SQLITE_TRIGGERS_V1: dict[str, str] = {
    "audit_event_no_update": f"BEFORE UPDATE ON {EVENTS}",
    "audit_event_no_delete": f"BEFORE DELETE ON {EVENTS}",
    "audit_head_no_delete": f"BEFORE DELETE ON {HEAD}",
    "audit_head_forward_only": (
        f"BEFORE UPDATE ON {HEAD} WHEN NEW.sequence <= OLD.sequence OR NEW.id <> OLD.id"
    ),
}
# With the sealer (migration 0010): an unsealed entry's hashes may be filled in, once.
SQLITE_TRIGGERS: dict[str, str] = {
    **SQLITE_TRIGGERS_V1,
    "audit_event_no_update": f"BEFORE UPDATE ON {EVENTS} WHEN {_sqlite_entry_changed()}",
    "audit_gap_no_update": f"BEFORE UPDATE ON {GAPS}",
    "audit_gap_no_delete": f"BEFORE DELETE ON {GAPS}",
    "audit_checkpoint_no_update": f"BEFORE UPDATE ON {CHECKPOINTS}",
    "audit_checkpoint_no_delete": f"BEFORE DELETE ON {CHECKPOINTS}",
}


def _sqlite_create(name: str, triggers: dict[str, str] | None = None) -> str:
    timing = (SQLITE_TRIGGERS if triggers is None else triggers)[name]
    message = HEAD_BACKWARDS if name == "audit_head_forward_only" else REFUSED
    return f"CREATE TRIGGER {name} {timing} BEGIN SELECT RAISE(ABORT, '{message}'); END"


# --- PostgreSQL: one function, row triggers for UPDATE/DELETE, statement ones for TRUNCATE --

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % on % refused', TG_ARGV[0], TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""

POSTGRES_TRIGGERS_V1: dict[str, tuple[str, str]] = {
    "audit_event_append_only": (EVENTS, "BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"),
    "audit_event_no_truncate": (EVENTS, "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"),
    "audit_head_no_delete": (HEAD, "BEFORE DELETE ON {table} FOR EACH ROW"),
    "audit_head_no_truncate": (HEAD, "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"),
    "audit_head_forward_only": (
        HEAD,
        "BEFORE UPDATE ON {table} FOR EACH ROW "
        "WHEN (NEW.sequence <= OLD.sequence OR NEW.id <> OLD.id)",
    ),
}
POSTGRES_TRIGGERS: dict[str, tuple[str, str]] = {
    **{k: v for k, v in POSTGRES_TRIGGERS_V1.items() if k != "audit_event_append_only"},
    "audit_event_no_delete": (EVENTS, "BEFORE DELETE ON {table} FOR EACH ROW"),
    "audit_event_sealed_only": (
        EVENTS,
        f"BEFORE UPDATE ON {{table}} FOR EACH ROW WHEN ({_postgres_entry_changed()})",
    ),
    **{
        f"audit_{short}_{what}": (table, timing)
        for short, table in (("gap", GAPS), ("checkpoint", CHECKPOINTS))
        for what, timing in (
            ("append_only", "BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"),
            ("no_truncate", "BEFORE TRUNCATE ON {table} FOR EACH STATEMENT"),
        )
    },
}


def _postgres_create(name: str, triggers: dict[str, tuple[str, str]] | None = None) -> str:
    table, timing = (POSTGRES_TRIGGERS if triggers is None else triggers)[name]
    message = HEAD_BACKWARDS if name == "audit_head_forward_only" else REFUSED
    return (
        f"CREATE TRIGGER {name} {timing.format(table=table)} "
        f"EXECUTE FUNCTION audit_refuse_change('{message}')"
    )


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in {"sqlite", "postgresql"}:
        # An audit trail without its guard must not be installed quietly.
        raise NotImplementedError(f"append-only audit triggers for {connection.vendor}")
    return str(connection.vendor)


def install_statements(connection: BaseDatabaseWrapper, *, v1: bool = False) -> list[str]:
    if _vendor(connection) == "sqlite":
        lite = SQLITE_TRIGGERS_V1 if v1 else SQLITE_TRIGGERS
        return [_sqlite_create(name, lite) for name in lite]
    pg = POSTGRES_TRIGGERS_V1 if v1 else POSTGRES_TRIGGERS
    return [POSTGRES_FUNCTION, *(_postgres_create(name, pg) for name in pg)]


def remove_statements(connection: BaseDatabaseWrapper, *, v1: bool = False) -> list[str]:
    if _vendor(connection) == "sqlite":
        lite = SQLITE_TRIGGERS_V1 if v1 else SQLITE_TRIGGERS
        return [f"DROP TRIGGER IF EXISTS {name}" for name in lite]
    pg = POSTGRES_TRIGGERS_V1 if v1 else POSTGRES_TRIGGERS
    drops = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, (table, _) in pg.items()]
    return [*drops, "DROP FUNCTION IF EXISTS audit_refuse_change()"]


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(connection: BaseDatabaseWrapper) -> None:
    _execute(connection, install_statements(connection))


def remove(connection: BaseDatabaseWrapper) -> None:
    _execute(connection, remove_statements(connection))


def migrate_forwards(apps: Any, schema_editor: Any) -> None:
    """Migration 0005: the triggers as they were before the sealer."""
    _execute(schema_editor.connection, install_statements(schema_editor.connection, v1=True))


def migrate_backwards(apps: Any, schema_editor: Any) -> None:
    _execute(schema_editor.connection, remove_statements(schema_editor.connection, v1=True))


def migrate_to_sealing(apps: Any, schema_editor: Any) -> None:
    """Migration 0010: entries may have their hashes filled in once; gaps and checkpoints
    are append-only too."""
    connection = schema_editor.connection
    _execute(connection, remove_statements(connection, v1=True))
    install(connection)


def migrate_from_sealing(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    remove(connection)
    _execute(connection, install_statements(connection, v1=True))


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the triggers for the body of the ``with``, inside one transaction.

    SQLite drops and re-creates them; PostgreSQL disables and re-enables them. Both are
    transactional, so an error inside the body restores the triggers with everything else.
    Whichever of them the schema holds are lifted (a database between migrations has fewer).
    """
    with transaction.atomic(using=connection.alias):
        installed = _installed(connection)
        if _vendor(connection) == "sqlite":
            _execute(connection, [f"DROP TRIGGER {name}" for name, _ in installed])
            yield
            _execute(connection, [definition for _, definition in installed])
        else:
            _execute(connection, _postgres_toggle("DISABLE", installed))
            yield
            _execute(connection, _postgres_toggle("ENABLE", installed))


def _installed(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """The audit triggers present: (name, definition) on SQLite, (name, table) on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit_%'"
            )
        else:
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE 'audit_%%' "
                "AND c.relnamespace = current_schema()::regnamespace"
            )
        return [(str(name), str(other)) for name, other in cursor.fetchall()]


def _postgres_toggle(verb: str, installed: list[tuple[str, str]]) -> list[str]:
    return [f"ALTER TABLE {table} {verb} TRIGGER {name}" for name, table in installed]
