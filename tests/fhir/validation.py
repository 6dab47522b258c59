"""Every FHIR resource a test receives is validated three ways.

1. HL7's FHIR R4 (4.0.1) JSON schema (``schema/fhir.schema.json``, see its PROVENANCE.md),
   resource by resource: nested resources are checked against their own type, which is
   what the schema's ``ResourceList`` choice means.
2. ``fhir.resources`` R4B models (pydantic).
3. ``fhirclient`` models (FHIR 4.0.1, strict).
"""

from __future__ import annotations

import copy
import importlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

SCHEMA = Path(__file__).resolve().parent / "schema" / "fhir.schema.json"


@cache
def _validators() -> tuple[Any, dict[str, Any]]:
    raw = json.loads(SCHEMA.read_text(encoding="utf-8"))
    definitions = copy.deepcopy(raw["definitions"])
    resource_types = set(raw["discriminator"]["mapping"])

    def dispatch(validator: Any, enabled: Any, instance: Any, schema: Any) -> Any:
        kind = instance.get("resourceType") if isinstance(instance, dict) else None
        if kind not in resource_types:
            yield ValidationError(f"not an R4 resource: {kind!r}")
            return
        yield from validator.descend(instance, {"$ref": f"#/definitions/{kind}"})

    definitions["ResourceList"] = {"x-resource": True}
    cls = extend(Draft6Validator, {"x-resource": dispatch})
    return cls, {"definitions": definitions}


def schema_errors(resource: dict[str, Any]) -> list[str]:
    cls, root = _validators()
    validator = cls({**root, "$ref": f"#/definitions/{resource.get('resourceType')}"})
    return [
        f"/{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(resource)
    ]


def validate_resource(resource: dict[str, Any]) -> None:
    """Raise AssertionError unless ``resource`` passes all three checks."""
    kind = resource.get("resourceType")
    errors = schema_errors(resource)
    assert not errors, f"{kind} fails the FHIR R4 JSON schema: {errors[:5]}"
    get_fhir_model_class(kind).model_validate(resource)
    module = importlib.import_module(f"fhirclient.models.{kind.lower()}")
    getattr(module, kind)(copy.deepcopy(resource), strict=True)
