"""The protocol engine is pure Python: no Django, no database, nothing outside the package.

Clinical logic must run (and be tested, benchmarked and reviewed) on its own; the Django
side of care plans calls it, never the other way round.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import lantern.careplans.protocols as package
from tests.careplans.builders import json_facts

PACKAGE_DIR = Path(package.__file__).resolve().parent
ROOT = PACKAGE_DIR.parents[2]
OWN_PREFIX = "lantern.careplans.protocols"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_engine_imports_only_the_standard_library_and_itself():
    stdlib = sys.stdlib_module_names | {"__future__"}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert module.startswith(OWN_PREFIX) or top in stdlib, (
                f"{path.relative_to(ROOT)} imports {module}"
            )


def test_planning_runs_without_loading_django():
    script = (
        "import sys, json\n"
        "from lantern.careplans import protocols as p\n"
        "facts = json.loads(sys.stdin.read())\n"
        "plan = p.plan(p.get_protocol('sa-followup-v1'), p.parse_facts(facts))\n"
        "assert plan.activities\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(json.dumps(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(json_facts()),
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == []
