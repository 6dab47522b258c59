"""The vendored HSDS schemas are upstream's, and Lantern's table covers every property."""

from __future__ import annotations

import hashlib
import json

from lantern.referrals.hsds import spec, validation


def test_vendored_files_match_their_recorded_checksums():
    sums = (validation.SCHEMA_DIR / "SHA256SUMS.txt").read_text().splitlines()
    assert len(sums) == 25
    for line in sums:
        digest, name = line.split()
        assert hashlib.sha256((validation.SCHEMA_DIR / name).read_bytes()).hexdigest() == digest
    assert "Attribution-ShareAlike" in (validation.SCHEMA_DIR / "LICENSE").read_text()


def test_every_schema_property_is_stored_linked_or_nested():
    for known in spec.TYPES:
        schema = json.loads((validation.SCHEMA_DIR / f"{known.name}.json").read_text())
        covered = {"id", *known.scalars, *known.soft_links}
        covered |= {link.field for link in known.links}
        covered |= {child.key for child in known.children}
        covered |= {nested.key for nested in known.nested}
        if known.polymorphic:
            covered.add(known.polymorphic[0])
        properties = set(schema["properties"])
        if known.name in validation.COMPILED:  # nested children only the compiled form has
            key, compiled = validation.COMPILED[known.name]
            properties.add(key)
            full = json.loads((validation.SCHEMA_DIR / compiled).read_text())
            assert key in full["properties"]
        assert covered == properties, known.name
        assert schema["path"] == f"{known.plural}.csv", known.name
        for name in known.numbers:
            assert schema["properties"][name]["type"] == "number", (known.name, name)


def test_nothing_is_fetched_for_a_reference_outside_the_schemas():
    import pytest
    from referencing.exceptions import Unresolvable

    with pytest.raises(Unresolvable):
        validation.validator("https://example.org/other.json").validate({})
