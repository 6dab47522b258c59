"""The ``lantern`` operator command: every Django management command plus Lantern's own.

``lantern migrate``, ``lantern shell``, ``lantern keys rotate``, ``lantern seed --patients N``,
``lantern demo`` and ``lantern serve`` all run with settings from the environment
(``LANTERN_MODE``, ``DATABASE_URL``, ``LANTERN_*``).
"""

from __future__ import annotations

import argparse
import os
import sys


def _keys_generate(args: list[str]) -> None:
    """``lantern keys generate`` before any key exists: production settings refuse to load
    without keys, so this one command runs without them."""
    from lantern.crypto.keyring import new_key_material

    parser = argparse.ArgumentParser(
        prog="lantern keys generate", description="Print new key material for the environment."
    )
    parser.add_argument("--id", default="k1", help="id for the new encryption key")
    options = parser.parse_args(args)
    try:
        lines = new_key_material(options.id)
    except ValueError as error:
        parser.error(str(error))
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "lantern"
    if args[1:3] == ["keys", "generate"]:
        _keys_generate(args[3:])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads and checks the configuration now)
    except ImproperlyConfigured as error:
        # Start-up refusals (missing or malformed keys) name the variable, never its value.
        print(f"lantern: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
