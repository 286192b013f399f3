"""Inserts held back and written per table, one executemany each.

The projection of a submission is a handful of small INSERTs (a household, its members,
its entity event and entity …). Run one statement at a time, a pull of 50,000 submissions
spent most of its time in the per-statement work of the driver and of SQLAlchemy rather
than in the database (bench/README.md, "bench/sync.py"). ``Rows`` collects them instead and
``flush`` writes each table's rows with one executemany, in the order they were added, so
the ids they get follow the same order as one statement each would give.

Nothing here reads: a caller that needs to read what it added flushes first. Tables are
written in the order they first received a row; the projection tables have no foreign keys
between each other and their triggers read only their own table's rows (migration
``0401_tallies``), so that order does not change what the database ends up holding.
"""

from __future__ import annotations

from datetime import date, datetime
from operator import itemgetter
from typing import Any, Callable

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect

Hook = Callable[[Connection], None]


def _bind_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor, except SQLite's default datetime and date text,
    which ``isoformat`` writes alike in a fraction of the time (SQLAlchemy's processor
    formats a dict of seven fields per value: 2 % of a first pull); anything else (an aware
    datetime, a date given for a datetime, a custom storage format) goes to SQLAlchemy's."""
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if process is None or dialect.name != "sqlite":
        return process
    fmt = getattr(impl, "_storage_format", None)
    if type(impl) is sqlite.DATETIME and fmt == sqlite.DATETIME._storage_format:
        def datetime_text(value: Any, _slow=process) -> Any:
            if type(value) is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return _slow(value)
        return datetime_text
    if type(impl) is sqlite.DATE and fmt == sqlite.DATE._storage_format:
        def date_text(value: Any, _slow=process) -> Any:
            return value.isoformat() if type(value) is date else _slow(value)
        return date_text
    return process


class _Insert:
    """One table's INSERT for one set of columns, compiled once per dialect, with the
    column types' own bind processors (what SQLAlchemy applies to each value: datetimes to
    text on SQLite, JSON to text …) and the columns' scalar defaults. ``conn.exec_driver_sql``
    then hands the rows to the driver's executemany: no per-row compiling or parameter
    building (SQLAlchemy's ``construct_params`` was a tenth of a pull), while errors are
    still wrapped and a dropped connection still noticed as for any statement."""

    def __init__(self, table: Table, keys: tuple[str, ...], dialect: Dialect) -> None:
        compiled = table.insert().compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
        self.sql = compiled.string
        # the compiled statement lists the given columns and those with a default
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        self.positional = compiled.positional
        self.columns = []
        for name in names:
            column = table.c[compiled.binds[name].key]
            process = _bind_processor(column.type, dialect)
            default = None
            if column.key not in keys:
                if column.default is None or not (column.default.is_scalar or column.default.is_callable):
                    raise ValueError(f"{table.name}.{column.key}: no value and no default to give it")
                default = column.default
            self.columns.append((name, column.key, process, default))
        self.names = [name for name, _, _, _ in self.columns]
        # ``values`` per row: the given keys in one C call, then the defaults put in their
        # places (in order, so each lands where the statement expects it), then the few
        # columns with a processor (a row-by-column loop in Python was a tenth of a pull)
        given = [key for _, key, _, default in self.columns if default is None]
        self._get = (itemgetter(*given) if len(given) > 1
                     else (lambda row, _k=given[0]: (row[_k],)) if given else (lambda row: ()))
        self._defaults = [(i, default) for i, (_, _, _, default) in enumerate(self.columns) if default is not None]
        self._processed = [(i, process) for i, (_, _, process, _) in enumerate(self.columns)
                           if process is not None]
        # PostgreSQL: several rows as one multi-row VALUES statement, see insert_script
        prep = dialect.identifier_preparer
        self.head = (f"INSERT INTO {prep.format_table(table)} "
                     f"({', '.join(prep.format_column(table.c[key]) for _, key, _, _ in self.columns)}) VALUES ")

    def values(self, rows: list[dict[str, Any]]) -> list[list]:
        """Each row's values in the statement's column order, as the driver takes them."""
        get, defaults, processed = self._get, self._defaults, self._processed
        out = []
        for row in rows:
            values = list(get(row))
            for i, default in defaults:
                values.insert(i, default.arg if default.is_scalar else default.arg(None))
            # None too: a JSON column's processor writes it as SQLAlchemy does
            for i, process in processed:
                values[i] = process(values[i])
            out.append(values)
        return out

    def params(self, rows: list[dict[str, Any]]) -> list:
        if self.positional:
            return [tuple(values) for values in self.values(rows)]
        return [dict(zip(self.names, values)) for values in self.values(rows)]


_COMPILED: dict[tuple[Any, ...], _Insert] = {}

# PostgreSQL: at most this many rows go as one multi-row VALUES, and a flush of at most
# this many rows as one script (``insert_script``); more go by executemany.
SCRIPT_ROWS = 64


def _statement(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> _Insert:
    cache_key = (dialect.name, dialect.driver, dialect.paramstyle, table, keys)
    statement = _COMPILED.get(cache_key)
    if statement is None:
        statement = _COMPILED[cache_key] = _Insert(table, keys, dialect)
    return statement


def _psycopg(dialect: Dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts of the same keys) with one executemany."""
    dialect = conn.dialect
    statement = _statement(dialect, table, tuple(rows[0]))
    if 1 < len(rows) <= SCRIPT_ROWS and _psycopg(dialect):
        # psycopg runs an executemany as a pipeline whose wait spins holding the
        # interpreter lock while the server works: 8 rows took 117 µs of our CPU against
        # 39 µs as one multi-row VALUES, and on the OpenRosa server that spin was a sixth
        # of the time the lock was held (bench/ingest.py --profile-gil). The values are
        # rendered as literals (``insert_script``): with server-side parameters psycopg
        # parses a statement of more than 50 afresh each time. Only for a few rows: a
        # pulled page's 1,000 rows as VALUES made a pull of 20,000 twice as slow as the
        # executemany (bench/sync.py on PostgreSQL, 10.9 s against 5.5 s). Rows still get
        # their ids in the order of the VALUES list, as from one statement each.
        insert_script(conn, [(table, rows)])
        return
    params = statement.params(rows)
    # one row alone as a plain execute (an executemany of one costs more than the statement)
    conn.exec_driver_sql(statement.sql, params[0] if len(params) == 1 else params)


def insert_script(conn: Connection, runs: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    """Several tables' INSERTs sent to PostgreSQL in one round trip.

    The projection of one submission is five or six one-row INSERTs into as many tables,
    each a round trip to the server that the OpenRosa writer waits for before its commit.
    Here every value is rendered as a literal by psycopg's own adapters (what
    ``psycopg.sql.Literal.as_bytes`` does: quoting, escapes and type casts) and the
    statements go as one simple-protocol query, which PostgreSQL runs in order inside the
    open transaction; a failing one fails the query, and the transaction, as it would
    alone. (``ClientCursor.mogrify`` does the same but parses each statement for its
    placeholders, uncached past 50 parameters: a tenth of the writer's time.) Kept to
    small flushes: a pulled page's thousands of values bind faster server-side."""
    run_script(conn, render_script(conn, runs))


def render_script(conn: Connection, runs: list[tuple[Table, list[dict[str, Any]]]]) -> str:
    """The INSERTs of ``runs`` as PostgreSQL statements with their values as literals
    (``insert_script``), joined by semicolons."""
    from psycopg.adapt import Transformer

    driver = conn.connection.driver_connection
    literal = Transformer.from_context(driver).as_literal
    encoding = driver.info.encoding   # what the literals are encoded in (client_encoding)
    parts = []
    for table, rows in runs:
        statement = _statement(conn.dialect, table, tuple(rows[0]))
        values = b", ".join(b"(" + b", ".join(b"NULL" if v is None else literal(v) for v in row) + b")"
                            for row in statement.values(rows))
        parts.append(statement.head + values.decode(encoding))
    return ";\n".join(parts)


def run_script(conn: Connection, script: str) -> None:
    # no_parameters: the script goes to the driver as it is, with no placeholders to fill
    conn.exec_driver_sql(script, execution_options={"no_parameters": True})


class Rows:
    """Rows to INSERT, held per table in the order added until ``flush``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pending: dict[Table, list[dict[str, Any]]] = {}
        self._before: list[Hook] = []
        self._after: list[Hook] = []

    def add(self, table: Table, row: dict[str, Any]) -> None:
        rows = self._pending.get(table)
        if rows is None:
            self._pending[table] = [row]
        else:
            rows.append(row)

    def add_many(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._pending.setdefault(table, []).extend(rows)

    def before_flush(self, hook: Hook) -> None:
        """``hook(conn)`` runs at the start of every flush (to add rows held elsewhere)."""
        if hook not in self._before:
            self._before.append(hook)

    def after_flush(self, hook: Hook) -> None:
        """``hook(conn)`` runs once at the end of the next flush (work that reads the rows)."""
        if hook not in self._after:
            self._after.append(hook)

    def discard(self) -> None:
        """Forget what is pending (its transaction or savepoint was rolled back)."""
        self._pending = {}
        self._after = []

    @property
    def reads_after_flush(self) -> bool:
        """Work is waiting to read the rows once they are written (``after_flush``)."""
        return bool(self._after)

    def take(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        """What a flush would write, as runs of rows of the same keys per table in order,
        without writing it (the ``before_flush`` hooks have added their rows); the caller
        writes them, and is then where ``after_flush`` work would have run."""
        for hook in self._before:
            hook(self.conn)
        pending, self._pending = self._pending, {}
        runs = []
        for table, rows in pending.items():
            # an INSERT takes rows of the same keys: consecutive runs of them, in order
            start = 0
            for i in range(1, len(rows) + 1):
                if i == len(rows) or rows[i].keys() != rows[start].keys():
                    runs.append((table, rows[start:i]))
                    start = i
        return runs

    def flush(self) -> None:
        runs = self.take()
        if len(runs) > 1 and _psycopg(self.conn.dialect) and sum(len(r) for _, r in runs) <= SCRIPT_ROWS:
            insert_script(self.conn, runs)
        else:
            for table, rows in runs:
                insert_rows(self.conn, table, rows)
        after, self._after = self._after, []
        for hook in after:
            hook(self.conn)
