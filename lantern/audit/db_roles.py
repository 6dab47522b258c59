"""PostgreSQL privileges for the role Lantern's web server, task worker and sealer use.

Migrations run as the role that owns the tables; Lantern itself connects as another role
(``LANTERN_DB_APP_ROLE``) that owns nothing, is no superuser and so cannot disable, drop or
replace triggers. After each ``lantern migrate`` it is granted what it needs and no more:
ordinary reads and writes on Lantern's tables, but on the audit trail only INSERT, plus the
two hash columns of an entry (which the triggers let the sealer fill in once) and the chain
head (which they only let move forward). See docs/deploy.md.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import connections

from lantern.audit.append_only import CHECKPOINTS, EVENTS, GAPS, HEAD

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
AUDIT_TABLES = ", ".join((EVENTS, GAPS, CHECKPOINTS, HEAD))


def grant_statements(role: str) -> list[str]:
    if not ROLE_NAME.match(role):
        raise ValueError(f"LANTERN_DB_APP_ROLE {role!r} is not a plain PostgreSQL role name")
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {AUDIT_TABLES} FROM {role}",
        f"GRANT UPDATE (prev_hash, entry_hash) ON {EVENTS} TO {role}",
        f"GRANT UPDATE (sequence, entry_hash) ON {HEAD} TO {role}",
    ]


def grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """``post_migrate``: give the application role its privileges on every table there is."""
    role = getattr(settings, "LANTERN_DB_APP_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in grant_statements(role):
            cursor.execute(statement)
