"""The lock files in bookme_site/requirements/ cover pyproject.toml: a dependency added
without `make lock` fails here instead of being left out of every install."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Which lock file installs which part of pyproject.toml (the Makefile's install targets).
LOCKS = {
    "base.txt": [],
    "dev.txt": ["dev"],
    "bench.txt": ["bench"],
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)
# A pin, its environment marker if any, then a hash on the next line.
HASHED_PIN = re.compile(
    r"^[A-Za-z0-9][^\n]*==[^\n]*\\\n\s+--hash=sha256:[0-9a-f]{64}", re.MULTILINE
)


def declared(extras: list[str]) -> list[Requirement]:
    """The runtime dependencies and those of the given extras, as pyproject.toml names them."""
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def pinned(lock: str) -> dict[str, str]:
    """Package name (canonical) to the exact version the lock file installs."""
    text = (ROOT / "bookme_site" / "requirements" / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


@pytest.mark.parametrize(("lock", "extras"), LOCKS.items())
def test_every_declared_dependency_is_pinned_in_the_lock(lock, extras):
    """Each dependency of pyproject.toml appears in its lock at a version it accepts."""
    pins = pinned(lock)
    missing = [str(r) for r in declared(extras) if canonicalize_name(r.name) not in pins]
    assert not missing, f"not in bookme_site/requirements/{lock}: {missing}; run `make lock`"
    outside = [
        f"{r} (locked {pins[canonicalize_name(r.name)]})"
        for r in declared(extras)
        if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, (
        f"bookme_site/requirements/{lock} pins versions pyproject.toml refuses: {outside}"
    )


def test_every_extra_has_a_lock():
    """A new optional-dependencies group cannot be installed unlocked."""
    assert set(PYPROJECT["project"]["optional-dependencies"]) == {
        extra for extras in LOCKS.values() for extra in extras
    }


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_carries_a_hash(lock):
    """pip's --require-hashes installs only what the lock hashes: no pin without one."""
    text = (ROOT / "bookme_site" / "requirements" / lock).read_text()
    assert len(HASHED_PIN.findall(text)) == len(PIN.findall(text)) > 0
