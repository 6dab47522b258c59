"""Make a key pair for a system and sign SMART Backend Services client assertions with it.

    python docs/examples/smart_assertion.py keys private.json public.json
    python docs/examples/smart_assertion.py sign private.json CLIENT_ID TOKEN_URL

``keys`` writes an ES384 (P-384) private key and its public JWKS; the administrator
registers the public JWKS. ``sign`` prints a client assertion valid for four minutes, with a
fresh ``jti``, for ``curl``. Needs ``joserfc`` (``pip install joserfc``); keep the private
key on the system that calls Lantern, never in Lantern.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet


def keys(private_path: str, public_path: str) -> None:
    key = ECKey.generate_key("P-384", parameters={"kid": uuid.uuid4().hex[:12], "alg": "ES384"})
    Path(private_path).write_text(json.dumps(key.as_dict(private=True)))
    Path(private_path).chmod(0o600)
    Path(public_path).write_text(json.dumps(KeySet([key]).as_dict(private=False), indent=2))


def sign(private_path: str, client_id: str, token_url: str) -> str:
    key = ECKey.import_key(json.loads(Path(private_path).read_text()))
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "exp": now + 240,
        "jti": uuid.uuid4().hex,
    }
    header = {"alg": "ES384", "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, key, algorithms=["ES384"])


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "keys":
        keys(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "sign":
        sys.stdout.write(sign(*sys.argv[2:]) + "\n")
    else:
        sys.exit(__doc__)
