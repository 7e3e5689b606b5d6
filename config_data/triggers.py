"""Database triggers that give ConfigVersion a new token whenever configuration changes.

Triggers, not Django signals: bulk_create, QuerySet.update(), an import, a fixture or
plain SQL all change the tables without a signal, and a search must never keep showing
hours that staff have changed. Migrations call install() for the tables they create;
tests/config_data/test_triggers.py checks that every configuration table has them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

VERSION_TABLE = "config_data_configversion"
PREFIX = "bookme_config_changed"

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {PREFIX}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {VERSION_TABLE} (id, token)
    VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$
"""


def configuration_tables(apps: Apps) -> list[str]:
    """config_data's tables and many-to-many tables, less the version and history tables."""
    tables: list[str] = []
    for model in apps.get_app_config("config_data").get_models(include_auto_created=True):
        table = model._meta.db_table
        if table == VERSION_TABLE or model.__name__.startswith("Historical"):
            continue
        tables.append(table)
    return sorted(tables)


def install(schema_editor: BaseDatabaseSchemaEditor, tables: Iterable[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_POSTGRES_FUNCTION)
    for table in tables:
        for statement in _statements(vendor, table):
            schema_editor.execute(statement)


def remove(schema_editor: BaseDatabaseSchemaEditor, tables: Iterable[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX} ON "{table}"')
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_{table}_{event}")


def _statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        # Once per statement: a bulk insert of a thousand hours changes the token once.
        return [
            f'DROP TRIGGER IF EXISTS {PREFIX} ON "{table}"',
            f'CREATE TRIGGER {PREFIX} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PREFIX}()",
        ]
    if vendor == "sqlite":
        # SQLite has row triggers only. An UPDATE, then an INSERT only if a flush removed
        # the row: never a conflict, because the outer statement's conflict clause governs
        # the trigger's too, and Django adds many-to-many rows with INSERT OR IGNORE, which
        # made the former INSERT OR REPLACE here keep the old token.
        token = "lower(hex(randomblob(16)))"
        return [
            f"CREATE TRIGGER IF NOT EXISTS {PREFIX}_{table}_{event} "
            f'AFTER {event.upper()} ON "{table}" '
            f"BEGIN UPDATE {VERSION_TABLE} SET token = {token} WHERE id = 1; "
            f"INSERT INTO {VERSION_TABLE} (id, token) SELECT 1, {token} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {VERSION_TABLE} WHERE id = 1); END"
            for event in ("insert", "update", "delete")
        ]
    raise NotImplementedError(f"configuration triggers for {vendor}")


def installed(connection_vendor: str, cursor: object, table: str) -> bool:
    """Whether the table has its triggers (for the test that guards new tables)."""
    if connection_vendor == "postgresql":
        cursor.execute(  # type: ignore[attr-defined]
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
            [PREFIX, f'"{table}"'],
        )
        return cursor.fetchone()[0] == 1  # type: ignore[attr-defined]
    cursor.execute(  # type: ignore[attr-defined]
        "SELECT count(*) FROM sqlite_master "
        "WHERE type = 'trigger' AND tbl_name = %s AND name LIKE %s",
        [table, f"{PREFIX}_%"],
    )
    return cursor.fetchone()[0] == 3  # type: ignore[attr-defined]
