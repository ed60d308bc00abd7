"""Volunteers' password hashes: PBKDF2-SHA256, written as `pbkdf2_sha256$iterations$salt$base64`.

The format is the one datasette-auth-passwords wrote, so hashes made for
earlier versions of archiver keep working.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 480_000
MAX_ITERATIONS = 10_000_000  # a hash from the environment must not stall a login for minutes


def _digest(password: str, salt: str, iterations: int) -> str:
    raw = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8", "surrogatepass"), salt.encode("utf-8"), iterations)
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, iterations: int = ITERATIONS) -> str:
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_hex(16)
    return f"{ALGORITHM}${iterations}${salt}${_digest(password, salt, iterations)}"


def parse(password_hash: str) -> tuple[int, str, str]:
    """(iterations, salt, digest) of a stored hash; ValueError for anything else."""
    parts = (password_hash or "").strip().split("$")
    if len(parts) != 4 or parts[0] != ALGORITHM or not parts[1].isdigit():
        raise ValueError(f"not a {ALGORITHM} hash (make one with `archiver users add NAME`)")
    iterations = int(parts[1])
    if not 1 <= iterations <= MAX_ITERATIONS or not parts[2] or not parts[3] or not (parts[2] + parts[3]).isascii():
        raise ValueError(f"a {ALGORITHM} hash with 1 to {MAX_ITERATIONS} iterations, a salt and a digest is needed")
    return iterations, parts[2], parts[3]


def is_valid(password_hash: str) -> bool:
    try:
        parse(password_hash)
    except ValueError:
        return False
    return True


def verify_password(password: str, password_hash: str) -> bool:
    """True when password matches; False for a wrong password or a malformed hash."""
    try:
        iterations, salt, digest = parse(password_hash)
    except ValueError:
        return False
    return hmac.compare_digest(_digest(password, salt, iterations), digest)


def decoy_hash(iterations: int = ITERATIONS) -> str:
    """A hash no password matches, checked for unknown user names so they answer as slowly as known ones."""
    return hash_password(secrets.token_urlsafe(32), iterations=iterations)
