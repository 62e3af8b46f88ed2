"""Fast loading of many rows (the demo's year of requests, imports of historical requests, Open311 batches).

Rows are dicts of column values already prepared for the database (personal data already encrypted);
on PostgreSQL they go in with COPY, on SQLite with executemany. Ids are given by the caller, from
`reserve_ids` (so events can point at their requests without a round trip)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection, models
from django.db.models import Max

from qingche.core.pii import EncryptedField


def columns_of(model) -> list:
    return [field for field in model._meta.concrete_fields]


def _defaults(model) -> dict:
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        values[field.attname] = field.get_default()
    return values


def reserve_ids(model, count: int) -> list[int]:
    """`count` new primary keys for rows about to be inserted with their ids given. On PostgreSQL they are
    drawn from the table's sequence, so rows that other processes insert meanwhile (the hotline keeps
    registering requests during an import) never collide with them. SQLite lets one writer in at a time:
    the keys after the highest are free."""
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]

    first = (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
    return list(range(first, first + count))


def _adapters(fields) -> list[tuple[int, object]]:
    """(column index, converter) for the columns whose Python values the driver cannot take as they are."""
    sqlite = connection.vendor != "postgresql"
    utc = dt.UTC

    def moment(value):
        if value is None:
            return None
        return value.astimezone(utc).replace(tzinfo=None).isoformat(" ") if value.tzinfo else value.isoformat(" ")

    def as_json(value):
        return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def as_text(value):
        return None if value is None else str(value)

    result = []
    for index, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            result.append((index, as_json))
        elif sqlite and isinstance(field, models.DateTimeField):
            result.append((index, moment))
        elif sqlite and isinstance(field, models.DateField | models.DecimalField):
            result.append((index, as_text))
    return result


def insert(model, rows: Iterable[dict], *, chunk: int = 5000, progress=None) -> int:
    """Insert dict rows (attname → value; missing columns take the field default); returns the count."""
    fields = columns_of(model)
    names = [field.attname for field in fields]
    defaults = _defaults(model)
    adapters = _adapters(fields)
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    count = 0

    def tuples():
        for row in rows:
            values = [row[name] if name in row else defaults[name] for name in names]
            for index, convert in adapters:
                values[index] = convert(values[index])
            yield values

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for values in tuples():
                    copy.write_row(values)
                    count += 1
                    if progress and count % chunk == 0:
                        progress(count)
        else:
            sql = f"INSERT INTO {table} ({column_sql}) VALUES ({', '.join(['%s'] * len(names))})"
            batch = []
            with _indexes_built_after(cursor, model._meta.db_table):
                for values in tuples():
                    batch.append(values)
                    if len(batch) >= chunk:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                        if progress:
                            progress(count)
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
    return count


@contextmanager
def _indexes_built_after(cursor, table: str):
    """SQLite: into an empty table (the demo's year of requests), drop the table's own indexes, load, and
    create them again from their stored definitions: sorting each index once costs far less than keeping
    every index up to date row by row. Unique constraints' automatic indexes stay (they cannot be dropped)."""
    cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
    if cursor.fetchone() is not None:
        yield
        return
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
    )
    indexes = cursor.fetchall()
    for name, _sql in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _name, sql in indexes:
            cursor.execute(sql)


def insert_objects(model, objects: list) -> int:
    """Insert unsaved model objects the same way and give them their ids: no save(), no signals, and the
    fields' own defaults only as the objects already hold them. bulk_create would send every column as an
    array literal quoted in Python on PostgreSQL, which costs more than building the rows."""
    for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
        obj._state.adding = False
    fields = columns_of(model)
    encrypted = [field for field in fields if isinstance(field, EncryptedField)]
    rows = []
    for obj in objects:
        row = {field.attname: getattr(obj, field.attname) for field in fields}
        for field in encrypted:
            row[field.attname] = field.get_prep_value(row[field.attname])
        rows.append(row)
    return insert(model, rows)


def update(model, objs: list, fields: list[str], batch_size: int = 1000) -> None:
    """Update `fields` of many rows. Django's bulk_update builds one CASE per field whose cost grows with
    the square of the batch; on PostgreSQL this writes each batch as UPDATE … FROM (VALUES …) instead,
    on SQLite one prepared UPDATE per row by executemany: both stay linear (a county-wide cycle writes
    100,000 results). Callers record the audit event."""
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        sets = ", ".join(f'"{field.column}" = %s' for field in columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f'UPDATE "{meta.db_table}" SET {sets} WHERE "{meta.pk.column}" = %s',
                [
                    [*(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns), obj.pk]
                    for obj in objs
                ],
            )
        return
    types = [meta.pk.db_type(connection), *(field.db_type(connection) for field in columns)]
    names = ", ".join(f'"{name}"' for name in [meta.pk.column, *(field.column for field in columns)])
    sets = ", ".join(f'"{field.column}" = v."{field.column}"' for field in columns)
    row_sql = "(" + ", ".join(f"%s::{db_type}" for db_type in types) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            params = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns)
            cursor.execute(
                f'UPDATE "{meta.db_table}" AS t SET {sets} FROM (VALUES {", ".join([row_sql] * len(chunk))}) '
                f'AS v({names}) WHERE t."{meta.pk.column}" = v."{meta.pk.column}"',
                params,
            )
