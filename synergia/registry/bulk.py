"""Bulk writes of plain rows through a session's own connection (its transaction): the one home
of the registry sync's and the dedupe's bulk SQL.

A row's values are handed to the driver as SQLAlchemy's own executemany would hand them (each
column type's bind processor: a SQLite timestamp as SQLAlchemy's text, a boolean as 0/1), so the
stored values are the same; on PostgreSQL (psycopg 3) rows go by one ``COPY ... FROM STDIN``
(an executemany sends one statement per row over the socket). A driver error is raised as
SQLAlchemy raises it, with its parameters hidden (they hold personal data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import JSON, Connection, Date, DateTime, Dialect, Table
from sqlalchemy.exc import DBAPIError


def mark(conn: Connection) -> str:
    """The driver's placeholder for a positional parameter (sqlite3: qmark; psycopg: format)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def copies(conn: Connection) -> bool:
    """Does this connection write by ``COPY`` (PostgreSQL through psycopg 3)?"""
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def processor(table: Table, name: str, dialect: Dialect) -> Callable[[object], object] | None:
    """How column ``name`` binds a value on ``dialect`` (None: as given). JSON columns are given
    as the text to store; SQLite DATETIME / DATE by a fast format checked against SQLAlchemy's
    own processor (``_PROBES``) once per call."""
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return None
    impl = column_type.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if process is None or dialect.name != "sqlite":
        return process
    fast = {DateTime: _sqlite_datetime, Date: _sqlite_date}.get(type(column_type))
    if fast is None or any(fast(v) != process(v) for v in _PROBES[type(column_type)]):
        return process
    return lambda v: r if (r := fast(v)) is not None else process(v)


def _sqlite_datetime(value: object) -> str | None:
    """SQLAlchemy's SQLite DATETIME text of a naive datetime ("2026-05-01 09:30:00.000000"), None otherwise."""
    if type(value) is not datetime or value.tzinfo is not None:
        return None
    text_ = value.isoformat(" ")
    return text_ if len(text_) > 19 else text_ + ".000000"


def _sqlite_date(value: object) -> str | None:
    """SQLAlchemy's SQLite DATE text of a date ("2026-05-01"), None otherwise."""
    return value.isoformat() if type(value) is date else None


#: values the fast SQLite formats are checked against SQLAlchemy's own processor with, once per call
_PROBES = {
    DateTime: (datetime(2026, 5, 1, 9, 30), datetime(987, 1, 2, 3, 4, 5, 60)),
    Date: (date(2026, 5, 1), date(987, 1, 2)),
}


def bound_rows(table: Table, names: Sequence[str], rows: Iterable[Sequence[object]], dialect: Dialect, tail: tuple = ()) -> list[tuple]:
    """``rows`` (values of ``names``) with each value as its column binds it (``processor``; None
    stays None), each followed by ``tail`` (values bound already)."""
    processors = [(i, p) for i, n in enumerate(names) if (p := processor(table, n, dialect)) is not None]
    if not processors:
        return [tuple(row) + tail for row in rows] if tail else [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for i, p in processors:
            if values[i] is not None:
                values[i] = p(values[i])
        out.append(tuple(values) + tail)
    return out


def copy_rows(conn: Connection, table: Table, names: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """PostgreSQL (psycopg 3): ``rows`` (values of ``names``) by one ``COPY ... FROM STDIN`` on the
    connection (same transaction; values adapted by psycopg as for parameters; a column not given
    gets its server default, an id its sequence's next value in row order, as one INSERT per row does)."""
    q = conn.dialect.identifier_preparer
    sql = f"COPY {q.format_table(table)} ({', '.join(map(q.quote, names))}) FROM STDIN"
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            write = copy.write_row
            for row in rows:
                write(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _hidden(conn, sql, exc) from exc
    finally:
        cursor.close()


def executemany(conn: Connection, sql: str, rows: Sequence[tuple]) -> None:
    """The driver's ``executemany`` of ``sql`` on the connection (in its transaction)."""
    cursor = conn.connection.cursor()
    try:
        cursor.executemany(sql, rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _hidden(conn, sql, exc) from exc
    finally:
        cursor.close()


def update_by_copy(conn: Connection, table: Table, columns: Sequence[str], key: str, rows: Sequence[tuple]) -> None:
    """PostgreSQL (psycopg 3): ``UPDATE table SET columns WHERE key`` for each of ``rows`` (the new
    values, then the key) as one set-based statement: the rows go by ``COPY`` into a temporary
    table of the same column types, then one ``UPDATE ... FROM`` (an executemany sends one UPDATE
    per row: 15k moved applications of a 100k first night took seconds). A key given twice keeps
    its last values, as the row-by-row updates in order do."""
    last = {r[-1]: r for r in rows}
    rows = list(last.values()) if len(last) < len(rows) else rows
    q = conn.dialect.identifier_preparer
    names = (*columns, key)
    temp = q.quote(f"_dedupe_update_{table.name}")
    listed = ", ".join(map(q.quote, names))
    target = q.format_table(table)
    cursor = conn.connection.driver_connection.cursor()
    sql = f"CREATE TEMPORARY TABLE {temp} AS SELECT {listed} FROM {target} WITH NO DATA"
    try:
        cursor.execute(sql)
        sql = f"COPY {temp} ({listed}) FROM STDIN"
        with cursor.copy(sql) as copy:
            write = copy.write_row
            for row in bound_rows(table, names, rows, conn.dialect):
                write(row)
        sets = ", ".join(f"{q.quote(c)} = u.{q.quote(c)}" for c in columns)
        sql = f"UPDATE {target} AS t SET {sets} FROM {temp} AS u WHERE t.{q.quote(key)} = u.{q.quote(key)}"
        cursor.execute(sql)
        sql = f"DROP TABLE {temp}"
        cursor.execute(sql)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _hidden(conn, sql, exc) from exc
    finally:
        cursor.close()


def _hidden(conn: Connection, sql: str, exc: Exception) -> DBAPIError:
    """The driver error as SQLAlchemy raises it, parameters hidden (they hold personal data)."""
    return DBAPIError.instance(sql, None, exc, conn.dialect.loaded_dbapi.Error, hide_parameters=True, dialect=conn.dialect)
