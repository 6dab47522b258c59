"""Settings for the test suite: Lantern's own settings in test mode (fresh keys per run)."""

import os

os.environ["LANTERN_MODE"] = "test"

from lantern.settings import *  # noqa: F403
