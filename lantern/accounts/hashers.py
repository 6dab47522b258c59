"""Password hashing: Argon2id with the parameters OWASP's Password Storage Cheat Sheet
recommends first (19 MiB of memory, 2 iterations, 1 degree of parallelism).

Django's own Argon2 hasher stores the parameters in each hash and rehashes any password
whose hash used others, so passwords hashed with PBKDF2 (Django's default, which Lantern used
before) or with other Argon2 parameters move to these the next time their owner signs in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
