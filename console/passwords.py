"""Console passwords: scrypt with a random salt, stored as `scrypt$n$r$p$salt$hash`, checked in constant time.

scrypt is in the standard library (hashlib, OpenSSL) and memory-hard; n=2**14, r=8, p=1 are the
parameters RFC 7914 §2 and OWASP's password storage cheat sheet give for interactive logins
(16 MiB and a few tens of milliseconds per hash).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_LENGTH = 12
MAX_LENGTH = 1024  # hashing megabytes of "password" would be a cheap way to load the server
# A stored hash asking for more memory than this (a tampered row) is refused rather than computed.
_MAX_MEMORY = 64 * 2**20


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# Today's parameters and random bytes: verifying against it costs what verifying a real hash costs.
_DUMMY_HASH = "$".join(
    (
        "scrypt",
        str(N),
        str(R),
        str(P),
        _b64(secrets.token_bytes(SALT_BYTES)),
        _b64(secrets.token_bytes(HASH_BYTES)),
    )
)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches `encoded`; False for a wrong password or a malformed hash."""
    parsed = _parse(encoded)
    if parsed is None or len(password) > MAX_LENGTH:
        return False
    n, r, p, salt, expected = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(expected)), expected)


def needs_rehash(encoded: str) -> bool:
    """The hash was made with other parameters than today's: hash again at the next sign-in."""
    parsed = _parse(encoded)
    return parsed is None or parsed[:3] != (N, R, P)


def spend_verify_time(password: str) -> None:
    """As long as a real verification: a sign-in with an unknown login costs what a wrong password costs."""
    verify_password(password, _DUMMY_HASH)


def weak_password_reason(password: str, login: str = "") -> str | None:
    """Why `password` is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    if login and login.lower() in password.lower():
        return "a password must not contain the login"
    if len(set(password)) < 4:
        return "a password needs more than a few different characters"
    return None


def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return None
    if not (n >= 2 and n & (n - 1) == 0 and r >= 1 and p >= 1 and 128 * n * r * p <= _MAX_MEMORY):
        return None
    if not salt or len(digest) < 16:
        return None
    return n, r, p, salt, digest


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = HASH_BYTES) -> bytes:
    # OpenSSL refuses by default above 32 MiB; 128 * n * r (+ a margin) is what the parameters need.
    maxmem = 128 * n * r * p + 2**20
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length)
