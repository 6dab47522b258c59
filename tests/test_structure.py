"""Nothing is declared that nothing uses, and nothing is declared twice."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

import lantern

PACKAGE = Path(lantern.__file__).resolve().parent
SETTINGS = PACKAGE / "settings.py"


def sources(*suffixes: str) -> dict[Path, str]:
    return {
        path: path.read_text(encoding="utf-8")
        for suffix in suffixes
        for path in PACKAGE.rglob(f"*{suffix}")
        if "migrations" not in path.parts
    }


def test_every_lantern_setting_is_read_somewhere():
    declared = set(re.findall(r"^(LANTERN_[A-Z_]+)\s*=", SETTINGS.read_text(), re.MULTILINE))
    assert declared, "no LANTERN_ settings found"
    elsewhere = "\n".join(
        text for path, text in sources(".py", ".html").items() if path != SETTINGS
    )
    unused = {name for name in declared if name not in elsewhere}
    assert not unused, f"settings nothing reads: {sorted(unused)}"


def test_the_age_of_majority_is_declared_once():
    declarations = [
        path.relative_to(PACKAGE)
        for path, text in sources(".py").items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", None) == "ADULT_AGE" for target in node.targets)
    ]
    assert declarations == [Path("patients/age.py")]


DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
# Runtime dependencies that Lantern's code never names, and who loads them instead.
LOADED_BY_OTHERS = {
    "psycopg": "Django's PostgreSQL backend",
    "rfc3339-validator": "jsonschema's date-time format check",
}


def test_every_runtime_dependency_is_used_by_lantern_itself():
    """A package only the tests use belongs to the dev dependencies, not to every install."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    wanted = {canonical(re.split(r"[\s<>=!~;\[]", spec)[0]) for spec in project["dependencies"]}
    modules: dict[str, set[str]] = {}
    for module, distributions in importlib.metadata.packages_distributions().items():
        for distribution in distributions:
            modules.setdefault(canonical(distribution), set()).add(module)
    named = set().union(*(top_level_names(text) for text in sources(".py").values()))
    unused = {name for name in wanted - set(LOADED_BY_OTHERS) if not modules[name] & named}
    assert not unused, f"runtime dependencies Lantern never uses: {sorted(unused)}"


def top_level_names(source: str) -> set[str]:
    """Packages a module imports, or names in a dotted string (settings, commands)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and DOTTED.fullmatch(node.value)
        ):
            names.add(node.value.split(".")[0])
    return names


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_type_checker_is_strict_for_the_whole_package():
    mypy = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy.get("strict") is True
    relaxed = [
        override["module"]
        for override in mypy.get("overrides", [])
        if any(str(module).startswith("lantern") for module in override["module"])
        and set(override) - {"module"}
    ]
    assert not relaxed, f"mypy settings differ for part of lantern: {relaxed}"
