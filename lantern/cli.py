"""The ``lantern`` operator command: every Django management command plus Lantern's own.

``lantern migrate``, ``lantern shell``, ``lantern keys rotate``, ``lantern seed --patients N``,
``lantern demo`` and ``lantern serve`` all run with settings from the environment
(``LANTERN_MODE``, ``DATABASE_URL``, ``LANTERN_*``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantern.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "lantern"
    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads and checks the configuration now)
    except ImproperlyConfigured as error:
        # Start-up refusals (missing or malformed keys) name the variable, never its value.
        print(f"lantern: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
