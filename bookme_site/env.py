"""Strict readers for settings that come from the environment.

A typo in production configuration must stop the process at start-up, not
silently fall back to a default: every helper raises ImproperlyConfigured.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be a boolean (1/0, true/false, yes/no), not {value!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items.")
    return items


def env_url(name: str, default: str | None = None) -> str:
    """An absolute http(s) address such as https://book.example.com (no query or fragment)."""
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be an absolute http(s) address like https://book.example.com, "
            f"not {value!r}."
        )
    return value


def read_env_file(path: Path) -> dict[str, str]:
    """The KEY=value lines of a dotenv-style file; blank lines and # comments are skipped.

    Only what `make run` writes and a developer adds by hand: no export, no interpolation;
    a value may be wrapped in one pair of single or double quotes.
    """
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not _NAME.fullmatch(name):
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, not {raw!r}.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def load_env_file(path: Path) -> None:
    """Adds the file's settings to the environment; a variable already set there wins."""
    if not path.is_file():
        return
    for name, value in read_env_file(path).items():
        os.environ.setdefault(name, value)


def development_env() -> str:
    """What `make run` writes to .env: development mode with a secret of its own."""
    return (
        "# Written by `make run` for development; git ignores this file.\n"
        "# The real environment wins over these values.\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )


if __name__ == "__main__":
    # `python -m bookme_site.env PATH` writes a development .env there, never over an existing one.
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    if target.exists():
        sys.exit(f"{target} exists; remove it first to write a new one.")
    target.write_text(development_env(), encoding="utf-8")
    print(f"wrote {target} (DEBUG=1 and a new development SECRET_KEY)")
