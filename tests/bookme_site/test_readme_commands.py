"""Every `manage.py` command README.md shows works as printed on a fresh clone (issue 8, 11).

A fresh clone has what `make run` writes: the development .env, a migrated database.
The commands then run in a developer's shell: no DEBUG=1, no SECRET_KEY typed before them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
# What this test process sets that a developer's shell would not.
NOT_IN_A_SHELL = ("DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "BOOKME_SITE_URL", "DATABASE_URL")


def readme_commands() -> list[str]:
    """The manage.py commands of README.md: code-block lines and inline code spans."""
    text = README.read_text(encoding="utf-8")
    commands = []
    for line in re.findall(r"^[^`|\n]*manage\.py[^\n]*$", text, flags=re.MULTILINE):
        commands.append(line.strip())
    for span in re.findall(r"`([^`\n]*manage\.py[^`\n]*)`", text):
        commands.append(span.replace("\\|", "|").strip())
    return list(dict.fromkeys(commands))


def as_arguments(command: str) -> list[str]:
    """The command's arguments after manage.py; a synopsis with alternatives (S|M|L) or
    placeholders (<name>) is run with --help, which still proves the command exists."""
    words = shlex.split(command)
    arguments = words[words.index("manage.py") + 1 :]
    if any(mark in command for mark in ("|", "<", "...")):
        return [arguments[0], "--help"]
    return arguments


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory) -> dict[str, str]:
    """A developer's environment after `make run`: the .env make writes and a migrated
    database (here a temporary one, never the developer's)."""
    home = tmp_path_factory.mktemp("clone")
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_A_SHELL}
    env_file = home / ".env"
    subprocess.run(
        [sys.executable, "-m", "bookme_site.env", str(env_file)], cwd=ROOT, env=env, check=True
    )
    env["BOOKME_ENV_FILE"] = str(env_file)
    env["DATABASE_URL"] = f"sqlite:///{home / 'db.sqlite3'}"
    migrate = [sys.executable, "manage.py", "migrate", "--noinput"]
    result = subprocess.run(migrate, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return env


def test_the_readme_shows_manage_py_commands():
    """The extraction finds the commands (the test below is not vacuous)."""
    commands = readme_commands()
    assert any("create_api_client" in command for command in commands), commands


@pytest.mark.parametrize("command", readme_commands())
def test_each_readme_command_works_as_printed(fresh_clone, command):
    """The command exits 0 with only the development .env, as a new developer types it."""
    words = shlex.split(command)
    assert words[0] in {"manage.py", ".venv/bin/python", "python"}, command
    result = subprocess.run(
        [sys.executable, "manage.py", *as_arguments(command)],
        cwd=ROOT,
        env=fresh_clone,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
