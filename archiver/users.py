"""Volunteer accounts for `archiver serve`: password hashes come from the environment.

A user NAME logs in when ARCHIVER_PASSWORD_HASH_<NAME> holds a hash made by
`archiver users add NAME`. Only hashes are ever stored, and never in a file
archiver writes: the operator decides where the environment comes from.
"""
from __future__ import annotations

import os
import re
import shlex
from typing import Mapping, Optional

ENV_PREFIX = "ARCHIVER_PASSWORD_HASH_"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_RE.match(name) or "__" in name:  # "__" stands for "-" in variable names
        raise ValueError("a user name is 1-40 letters, digits, '-' or '_', starting with a letter or digit")
    return name


def env_name(name: str) -> str:
    return ENV_PREFIX + check_name(name).upper().replace("-", "__")


def env_line(name: str, password_hash: str) -> str:
    """A shell line that makes NAME a user of the next `archiver serve`."""
    return f"export {env_name(name)}={shlex.quote(password_hash)}"


def password_hashes(environ: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """user name -> password hash, from ARCHIVER_PASSWORD_HASH_* variables."""
    environ = os.environ if environ is None else environ
    users = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and value.strip():
            name = key[len(ENV_PREFIX):].lower().replace("__", "-")
            if NAME_RE.match(name) and "__" not in name:
                users[name] = value.strip()
    return users

