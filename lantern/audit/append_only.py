"""Database triggers that make the audit trail append-only, on SQLite and PostgreSQL.

Entries may be inserted, never updated, deleted or truncated. The chain head may be
inserted and moved forward, never moved back, deleted or truncated. The triggers hold
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
REFUSED = "audit trail is append-only"
HEAD_BACKWARDS = "the audit chain head only moves forward"

# --- SQLite: one trigger per refused statement --------------------------------------------

SQLITE_TRIGGERS: dict[str, str] = {
    "audit_event_no_update": f"BEFORE UPDATE ON {EVENTS}",
    "audit_event_no_delete": f"BEFORE DELETE ON {EVENTS}",
    "audit_head_no_delete": f"BEFORE DELETE ON {HEAD}",
    "audit_head_forward_only": (
        f"BEFORE UPDATE ON {HEAD} WHEN NEW.sequence <= OLD.sequence OR NEW.id <> OLD.id"
    ),
}


def _sqlite_create(name: str) -> str:
    message = HEAD_BACKWARDS if name == "audit_head_forward_only" else REFUSED
    return (
        f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]} BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


# --- PostgreSQL: one function, row triggers for UPDATE/DELETE, statement ones for TRUNCATE --

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % on % refused', TG_ARGV[0], TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""

POSTGRES_TRIGGERS: dict[str, tuple[str, str]] = {
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


def _postgres_create(name: str) -> str:
    table, timing = POSTGRES_TRIGGERS[name]
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


def install_statements(connection: BaseDatabaseWrapper) -> list[str]:
    if _vendor(connection) == "sqlite":
        return [_sqlite_create(name) for name in SQLITE_TRIGGERS]
    return [POSTGRES_FUNCTION, *(_postgres_create(name) for name in POSTGRES_TRIGGERS)]


def remove_statements(connection: BaseDatabaseWrapper) -> list[str]:
    if _vendor(connection) == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    drops = [
        f"DROP TRIGGER IF EXISTS {name} ON {table}"
        for name, (table, _) in POSTGRES_TRIGGERS.items()
    ]
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
    install(schema_editor.connection)


def migrate_backwards(apps: Any, schema_editor: Any) -> None:
    remove(schema_editor.connection)


@contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the triggers for the body of the ``with``, inside one transaction.

    SQLite drops and re-creates them; PostgreSQL disables and re-enables them. Both are
    transactional, so an error inside the body restores the triggers with everything else.
    """
    with transaction.atomic(using=connection.alias):
        if _vendor(connection) == "sqlite":
            _execute(connection, [f"DROP TRIGGER {name}" for name in SQLITE_TRIGGERS])
            yield
            _execute(connection, [_sqlite_create(name) for name in SQLITE_TRIGGERS])
        else:
            _execute(connection, _postgres_toggle("DISABLE"))
            yield
            _execute(connection, _postgres_toggle("ENABLE"))


def _postgres_toggle(verb: str) -> list[str]:
    return [
        f"ALTER TABLE {table} {verb} TRIGGER {name}"
        for name, (table, _) in POSTGRES_TRIGGERS.items()
    ]
