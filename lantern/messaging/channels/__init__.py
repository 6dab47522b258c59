"""How a message leaves Lantern: email over SMTP, SMS through a provider adapter.

Each sender raises ``TemporaryFailure`` (try again later) or ``PermanentFailure`` (never
will work: a refused address, a number the provider rejects). Their messages carry the
error class and code only, never an address, a number or the text.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A send that did not happen. ``str(error)`` is safe to store and show."""


class TemporaryFailure(DeliveryError):
    pass


class PermanentFailure(DeliveryError):
    pass
