"""How OAuth2 client secrets are stored: one fast SHA-256, not a password hash.

Password hashers (PBKDF2, ~0.25 s per check here) exist because people choose
guessable passwords: slowness multiplies the cost of every guess in an offline
attack on a leaked database. A client secret is no password: ours are random
(create_api_client prints 128 characters from 62 symbols, about 760 bits; at least
43 characters, 256 bits, are required in the admin), and a search of 2^256 is
impossible at any speed. The slow hash bought nothing but handed every caller of
/o/token/, valid or not, 0.25 s of our CPU.

Plain SHA-256 rather than HMAC keyed from SECRET_KEY: a key protects low-entropy
input, which we do not have, and it would tie every client's credentials to
SECRET_KEY, so rotating that key would lock out every partner at once. A random
salt per secret keeps equal secrets from having equal stored values.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash, must_update_salt
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

ALGORITHM = "client_sha256"
HASHER = "booking.api.client_secrets.ClientSecretHasher"
# The shortest secret staff may set by hand: 43 characters of [A-Za-z0-9] is 256 bits.
MIN_SECRET_LENGTH = 43


class ClientSecretHasher(BasePasswordHasher):
    """SHA-256 of salt and secret; for random client secrets only, never for passwords.

    Listed last in PASSWORD_HASHERS, so Django only uses it when asked by name
    (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]) and can recognise its stored values.
    """

    algorithm = ALGORITHM

    def encode(self, password: str, salt: str) -> str:
        # Django's own argument check; django-stubs leaves the private method out.
        self._check_encode_args(password, salt)  # type: ignore[attr-defined]
        digest = hashlib.sha256(f"{salt}{password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[str | StrPromise, Any]:
        decoded = self.decode(encoded)
        return {
            gettext_noop("algorithm"): decoded["algorithm"],
            gettext_noop("salt"): mask_hash(decoded["salt"], show=2),
            gettext_noop("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return must_update_salt(self.decode(encoded)["salt"], self.salt_entropy)

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass  # nothing to equalise: there are no work factors
