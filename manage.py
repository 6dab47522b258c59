#!/usr/bin/env python
"""Django's usual entry point; operators use the ``lantern`` command, which is the same."""

from lantern.cli import main

if __name__ == "__main__":
    main()
