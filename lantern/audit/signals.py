"""Signals the audit trail sends; other apps decide who hears about them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent by the sealer when the oldest unsealed entry has waited longer than
# ``LANTERN_AUDIT_SEAL_ALARM`` seconds: keyword arguments ``lag_seconds``, ``limit_seconds``
# and ``head`` (the newest sealed link, a ``chain.Head``).
sealer_lagging = Signal()
