"""Workspace tokens: the unguessable strings in a user's URL that are the only way into a
workspace (and a lesson's board and presenter links).

Example:
    >>> valid_token(new_token())
    True
"""

from __future__ import annotations

import re
import secrets
from typing import Any

TOKEN_BYTES = 24  # 32 URL-safe characters, 192 random bits
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


def new_token() -> str:
    """A fresh unguessable token that never starts with "-", so that it can follow a command
    line option (`--workspace TOKEN`) without being read as an option itself."""
    while (token := secrets.token_urlsafe(TOKEN_BYTES)).startswith("-"):
        pass
    return token


def valid_token(token: Any) -> bool:
    return isinstance(token, str) and TOKEN_PATTERN.fullmatch(token) is not None
