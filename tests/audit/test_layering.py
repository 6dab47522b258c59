"""The audit trail depends on no domain app: the trail, its chain and its commands import
only themselves and Lantern's shared core, so any app can write to it and none can bend it."""

from __future__ import annotations

import ast
from pathlib import Path

import lantern.audit

AUDIT = Path(lantern.audit.__file__).resolve().parent
ALLOWED = ("lantern.audit", "lantern.core")


def lantern_imports(path: Path) -> set[str]:
    """Every ``lantern.*`` module a file imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            found.add("lantern.audit")  # a relative import stays inside the package
    return {name for name in found if name == "lantern" or name.startswith("lantern.")}


def test_the_audit_package_imports_no_domain_app():
    files = sorted(AUDIT.rglob("*.py"))
    assert len(files) > 10, "the audit package was not found"
    outside = {
        f"{path.relative_to(AUDIT)}: {name}"
        for path in files
        for name in lantern_imports(path)
        if not name.startswith(ALLOWED)
    }
    assert not outside, f"lantern.audit imports domain apps: {sorted(outside)}"


def test_the_shared_core_it_uses_imports_no_domain_app_either():
    core = AUDIT.parent / "core"
    outside = {
        f"core/{path.relative_to(core)}: {name}"
        for path in sorted(core.rglob("*.py"))
        for name in lantern_imports(path)
        if not name.startswith(ALLOWED)
    }
    assert not outside, f"lantern.core imports domain apps: {sorted(outside)}"


def test_the_check_sees_an_import_of_a_domain_app(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f():\n    from lantern.patients.models import Patient\n    return Patient\n"
    )
    assert "lantern.patients.models" in lantern_imports(planted)
