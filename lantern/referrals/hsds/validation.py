"""Checking documents against the official HSDS 3.0 JSON Schemas vendored beside this file.

Draft 2020-12, the dialect HSDS's ``openapi.json`` declares. Every schema file is registered
under upstream's base URI, so the relative ``$ref``\\ s resolve to the local copies; any
other reference fails, and nothing is ever fetched.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
BASE_URI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
# The compiled ("full") schema used when an object carries the nested children only the
# compiled form defines (the per-object schemas would let them through unchecked).
COMPILED = {
    "organization": ("services", "compiled/organization.json"),
    "service_at_location": ("service", "compiled/service_at_location.json"),
}


@dataclass(frozen=True)
class SchemaError:
    path: str  # JSON pointer inside the document, "" for the document itself
    field: str  # the property at fault
    message: str


@functools.cache
def _contents(relative: str) -> Any:
    path = (SCHEMA_DIR / relative).resolve()
    if SCHEMA_DIR not in path.parents or not path.is_file():
        raise FileNotFoundError(relative)
    return json.loads(path.read_text(encoding="utf-8"))


def _retrieve(uri: str) -> Resource[Any]:
    if uri.startswith(BASE_URI):
        try:
            return Resource.from_contents(
                _contents(uri.removeprefix(BASE_URI)), default_specification=DRAFT202012
            )
        except FileNotFoundError:
            pass
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@functools.cache
def validator(relative: str) -> Draft202012Validator:
    """A validator for ``schema/<relative>``, e.g. ``"phone.json"``."""
    return Draft202012Validator(
        {"$ref": BASE_URI + relative},
        registry=Registry(retrieve=_retrieve),  # type: ignore[call-arg]
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@functools.cache
def required(kind: str) -> frozenset[str]:
    """The properties HSDS requires of a table's objects."""
    return frozenset(_contents(f"{kind}.json").get("required", ()))


def schema_for(kind: str, document: Any) -> str:
    """Which schema file checks a document of HSDS table ``kind``."""
    nested_key, compiled = COMPILED.get(kind, ("", ""))
    if nested_key and isinstance(document, dict) and nested_key in document:
        return compiled
    return f"{kind}.json"


def errors(kind: str, document: Any) -> Iterator[SchemaError]:
    """Every way ``document`` breaks the HSDS schema of table ``kind``, in document order."""
    found = validator(schema_for(kind, document)).iter_errors(document)
    for error in sorted(found, key=lambda e: [str(part) for part in e.absolute_path]):
        yield _describe(error)


def _describe(error: ValidationError) -> SchemaError:
    path = [str(part) for part in error.absolute_path]
    field = path[-1] if path else ""
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        field = missing[0] if missing else field
    pointer = "/" + "/".join(path) if path else ""
    return SchemaError(pointer, field, error.message)
