"""Password hashing: Argon2id with the parameters OWASP's Password Storage Cheat Sheet
recommends first (19 MiB of memory, 2 iterations, 1 degree of parallelism).

Django's own Argon2 hasher stores the parameters in each hash and rehashes any password
whose hash used others, so passwords hashed with PBKDF2 (Django's default, which Lantern used
before) or with other Argon2 parameters move to these the next time their owner signs in.
"""

from __future__ import annotations

from typing import Any

import argon2
from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1

    def params(self) -> Any:
        # The id variant named outright, whatever Django's own default becomes.
        return argon2.Parameters(
            type=argon2.Type.ID,
            version=argon2.low_level.ARGON2_VERSION,
            salt_len=argon2.DEFAULT_RANDOM_SALT_LENGTH,
            hash_len=argon2.DEFAULT_HASH_LENGTH,
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
        )
