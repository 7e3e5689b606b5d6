"""config_data is the base layer: booking depends on it, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

import config_data

CONFIG_DATA = Path(config_data.__file__).parent


def imported_modules(source: str) -> set[str]:
    """Every absolute module an import statement names, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            # `from booking import services` names booking; keep the full name too.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def is_booking(module: str) -> bool:
    return module == "booking" or module.startswith("booking.")


def test_the_import_finder_sees_every_form_of_import():
    """The guard is not vacuous: top-level, from-, function-level and dynamic imports count."""
    source = (
        "import booking.models\n"
        "from booking import services\n"
        "def f():\n"
        "    from booking.search import find_slots\n"
        "    importlib.import_module('booking.emails')\n"
        "from .models import Room\n"
        "import bookingish\n"
    )
    found = {name for name in imported_modules(source) if is_booking(name)}
    assert found == {
        "booking.models",
        "booking",
        "booking.services",
        "booking.search",
        "booking.search.find_slots",
        "booking.emails",
    }


def test_no_module_under_config_data_imports_booking():
    """config_data, its admin and its migrations included, never imports the booking app."""
    files = sorted(CONFIG_DATA.rglob("*.py"))
    assert CONFIG_DATA / "models.py" in files
    offenders = {
        str(path.relative_to(CONFIG_DATA.parent)): found
        for path in files
        if (found := sorted(filter(is_booking, imported_modules(path.read_text()))))
    }
    assert offenders == {}


def test_config_data_models_and_migrations_do_not_point_at_booking():
    """No foreign key or migration dependency of config_data reaches into booking."""
    related = {
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("config_data").get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model is not None
        and field.related_model._meta.app_label == "booking"
    }
    assert related == set()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    dependencies = {
        (name, dependency)
        for (app_label, name), migration in loader.disk_migrations.items()
        if app_label == "config_data"
        for dependency in migration.dependencies
        if dependency[0] == "booking"
    }
    assert dependencies == set()
