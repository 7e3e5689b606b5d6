"""Strict environment helpers: bad values stop start-up instead of falling back silently."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from bookme_site.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("off", False), ("", False)])
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
