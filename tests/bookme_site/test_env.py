"""Strict environment helpers and the development .env: bad values stop start-up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from bookme_site.env import (
    development_env,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
    load_env_file,
    read_env_file,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    """Both spellings of true and false are understood."""
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG") is expected


def test_env_bool_refuses_anything_else(monkeypatch):
    """A typo is an error that names the variable."""
    monkeypatch.setenv("FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG")


def test_env_int_refuses_non_numbers_and_values_below_the_minimum(monkeypatch):
    """Numbers are checked, and so is their lower bound."""
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="N must be an integer"):
        env_int("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, minimum=1)
    monkeypatch.delenv("N")
    assert env_int("N", 5) == 5


def test_env_list_refuses_empty_items(monkeypatch):
    """'a,,b' is a mistake, not a list with an empty host."""
    monkeypatch.setenv("HOSTS", "a.example.com, b.example.com")
    assert env_list("HOSTS", []) == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("HOSTS", "a,,b")
    with pytest.raises(ImproperlyConfigured):
        env_list("HOSTS", [])


def test_env_str_without_default_is_required(monkeypatch):
    """A required variable that is missing is an error naming it."""
    monkeypatch.delenv("NEEDED", raising=False)
    with pytest.raises(ImproperlyConfigured, match="NEEDED"):
        env_str("NEEDED")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "https://book.bank.example", "https://bank.example/book/"]
)
def test_env_url_accepts_absolute_http_addresses(monkeypatch, url):
    """The site's public address: http or https, a host, optionally a path."""
    monkeypatch.setenv("SITE", url)
    assert env_url("SITE") == url


@pytest.mark.parametrize(
    "url", ["book.bank.example", "/book", "ftp://bank.example", "https://", "https://a.b/#x"]
)
def test_env_url_refuses_anything_else(monkeypatch, url):
    """A relative or non-web address is an error naming the variable."""
    monkeypatch.setenv("SITE", url)
    with pytest.raises(ImproperlyConfigured, match="SITE must be an absolute http"):
        env_url("SITE")


def test_env_url_without_default_is_required(monkeypatch):
    """No default (production): a missing address stops start-up."""
    monkeypatch.delenv("SITE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SITE"):
        env_url("SITE")


def test_the_env_file_reader_skips_comments_and_unquotes(tmp_path):
    """Blank lines and comments are skipped; one pair of quotes around a value is removed."""
    path = tmp_path / ".env"
    path.write_text(
        "# development\n\nDEBUG=1\nSECRET_KEY = 'a b#c'\nEMPTY=\nURL=\"https://x.example\"\n"
    )
    assert read_env_file(path) == {
        "DEBUG": "1",
        "SECRET_KEY": "a b#c",
        "EMPTY": "",
        "URL": "https://x.example",
    }


@pytest.mark.parametrize("line", ["DEBUG", "export DEBUG=1", "1X=2", "=1"])
def test_the_env_file_reader_refuses_lines_it_does_not_understand(tmp_path, line):
    """A malformed line is an error naming the file and the line, not silently skipped."""
    path = tmp_path / ".env"
    path.write_text(f"DEBUG=1\n{line}\n")
    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2"):
        read_env_file(path)


def test_the_real_environment_wins_over_the_env_file(tmp_path, monkeypatch):
    """A variable set in the environment is kept; the file only fills in what is missing."""
    path = tmp_path / ".env"
    path.write_text("BOOKME_TEST_A=from-file\nBOOKME_TEST_B=from-file\n")
    monkeypatch.setenv("BOOKME_TEST_A", "from-environment")
    monkeypatch.delenv("BOOKME_TEST_B", raising=False)
    load_env_file(path)
    assert os.environ["BOOKME_TEST_A"] == "from-environment"
    assert os.environ["BOOKME_TEST_B"] == "from-file"
    monkeypatch.delenv("BOOKME_TEST_B")
    load_env_file(tmp_path / "missing")  # no file: nothing happens


def test_the_development_env_has_debug_and_a_fresh_secret(tmp_path):
    """`make run` writes DEBUG=1 and a long random SECRET_KEY, new for every file."""
    first, second = (
        read_env_text(tmp_path, development_env()),
        read_env_text(tmp_path, development_env()),
    )
    assert first["DEBUG"] == "1"
    assert len(first["SECRET_KEY"]) >= 50
    assert first["SECRET_KEY"] != second["SECRET_KEY"]


def read_env_text(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "written.env"
    path.write_text(text)
    return read_env_file(path)


def test_writing_the_development_env_never_overwrites_one(tmp_path):
    """`python -m bookme_site.env PATH` (what make runs) keeps an existing file as it is."""
    path = tmp_path / ".env"
    write = [sys.executable, "-m", "bookme_site.env", str(path)]
    assert subprocess.run(write, cwd=ROOT, capture_output=True, timeout=60).returncode == 0
    written = path.read_text()
    again = subprocess.run(write, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0
    assert "exists" in again.stderr
    assert path.read_text() == written


def development_process_env(env_file: Path | str) -> dict[str, str]:
    """The environment of a developer's shell: nothing set but where the .env is."""
    unset = {"DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "BOOKME_SITE_URL", "DATABASE_URL"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return {**base, "BOOKME_ENV_FILE": str(env_file)}


def test_manage_py_runs_with_the_development_env_file_and_nothing_typed(tmp_path):
    """With the .env that make writes, `manage.py check` needs no DEBUG=1 in front of it."""
    env_file = tmp_path / ".env"
    env_file.write_text(development_env())
    check = [sys.executable, "manage.py", "check"]
    result = subprocess.run(
        check, cwd=ROOT, env=development_process_env(env_file), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    without = subprocess.run(
        check, cwd=ROOT, env=development_process_env(""), capture_output=True, text=True
    )
    assert without.returncode != 0
    assert "SECRET_KEY" in without.stderr


def test_tests_never_read_a_developers_env_file():
    """tests/pytest_env.py turns the file off for tests and every process they start."""
    assert os.environ["BOOKME_ENV_FILE"] == ""


def project_copy_with_env_file(tmp_path: Path) -> Path:
    """bookme_site and manage.py copied beside a development .env (DEBUG=1, no secret).

    settings.py looks for .env next to the project, so the copy lets a test place one
    there without touching the working tree; the apps still import from the real tree.
    """
    shutil.copytree(ROOT / "bookme_site", tmp_path / "bookme_site")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / ".env").write_text("DEBUG=1\n")
    return tmp_path


def server_process_env(copy: Path) -> dict[str, str]:
    """A production server's environment: no DEBUG, no BOOKME_ENV_FILE, real settings."""
    unset = {"DEBUG", "BOOKME_ENV_FILE", "DJANGO_SETTINGS_MODULE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    # The copy first, so `bookme_site` is the copy and its BASE_DIR holds the .env.
    return {**base, "PYTHONPATH": os.pathsep.join([str(copy), str(ROOT)])}


@pytest.mark.parametrize("module", ["bookme_site.wsgi", "bookme_site.asgi"])
def test_application_servers_never_read_the_env_file(tmp_path, module):
    """A stray development .env must not turn DEBUG on under gunicorn or uvicorn."""
    copy = project_copy_with_env_file(tmp_path)
    script = (
        f"import {module}; from django.conf import settings; "
        "print(settings.BASE_DIR, settings.DEBUG)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=copy,
        env=server_process_env(copy),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(copy), "False"]


def test_manage_py_still_reads_the_env_file(tmp_path):
    """The development commands keep reading .env: `manage.py` runs with DEBUG=1 from it."""
    copy = project_copy_with_env_file(tmp_path)
    script = "from django.conf import settings; print(settings.BASE_DIR, settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=copy,
        env=server_process_env(copy),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(copy), "True"]
