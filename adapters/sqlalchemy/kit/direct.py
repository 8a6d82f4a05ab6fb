"""Direct statements: a cached statement run on the driver's connection, past SQLAlchemy's
execution layer.

Read-only units of work read this way (`DirectRead.fetch`, in autocommit). Write units of work
run their cached reads and writes this way too (`DirectRead.fetch` with `in_transaction`, and
`DirectRead.run`), inside the transaction SQLAlchemy holds for them: the driver's transaction
is begun as SQLAlchemy's asyncpg adapter would have begun it before its first statement, and a
driver error is raised as the SQLAlchemy error it would have become (an IntegrityError naming
its constraint, a lost connection invalidated).

This is the one module that reaches into SQLAlchemy's internals (the compiled statement's
`_bind_processors` and `_result_columns`, the types' `_cached_result_processor`, the
connection's `_has_events` and the `before/after_cursor_execute` dispatch called without a
cursor, the asyncpg adapter's `_transaction`, `_start_transaction` and `_handle_exception`).
They are not public API and may change in any minor release, so:

- pyproject.toml pins SQLAlchemy to the minor version this was written for (`WRITTEN_FOR`);
- on any other minor version (or if an internal is missing) `compile_direct` answers None,
  once logged, and every read goes through SQLAlchemy as usual;
- `MERIDIAN_DIRECT_READS=false` turns the path off altogether.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy
from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler

log = logging.getLogger("meridian.sqlalchemy.direct")

# The SQLAlchemy minor version whose internals `DirectRead` was written against and tested with.
WRITTEN_FOR = "2.1"
# The running version; a module attribute so that tests can pretend another one.
SQLALCHEMY_VERSION: str = sqlalchemy.__version__

# Why direct reads are off in this process, once they were refused (logged when set).
refused: str | None = None


def _refuse(reason: str) -> None:
    global refused  # One refusal per process, logged once.
    if refused is None:
        refused = reason
        log.warning("direct reads are off, every read goes through SQLAlchemy: %s", reason)


def supported() -> bool:
    """Whether direct reads may run: the running SQLAlchemy is the minor version they were
    written for, and nothing they use was found missing."""
    if refused is not None:
        return False
    minor = ".".join(SQLALCHEMY_VERSION.split(".")[:2])
    if minor != WRITTEN_FOR:
        _refuse(f"written for SQLAlchemy {WRITTEN_FOR}.x, running {SQLALCHEMY_VERSION}")
        return False
    return True


class DirectRead:
    """A cached SELECT compiled once, run on the driver's connection without SQLAlchemy's
    execution layer.

    SQLAlchemy stays the statement builder and compiler; what is skipped per call is its
    execution context, result wrapping and the greenlet hop, which cost more than the
    database's own work for a small indexed read. The parameters and rows are processed with
    the same bind and result processors SQLAlchemy would apply, and engine listeners of
    `before_cursor_execute` / `after_cursor_execute` still see each statement (with no cursor
    or execution context). Read-only units of work fetch in autocommit; write units of work
    fetch and run in their transaction (see the module docstring).
    """

    __slots__ = (
        "bind_processors",
        "column_keys",
        "compiled",
        "positions",
        "result_processors",
        "sql",
    )

    def __init__(
        self, compiled: SQLCompiler, dialect: Dialect, column_keys: Sequence[str] | None = None
    ) -> None:
        self.compiled = compiled
        # The parameters a write was compiled for (None: a read).
        self.column_keys = None if column_keys is None else tuple(column_keys)
        self.sql = compiled.string
        self.positions = list(compiled.positiontup or [])
        processors = compiled._bind_processors
        self.bind_processors = [
            (index, processors[name])
            for index, name in enumerate(self.positions)
            if name in processors
        ]
        self.result_processors = [
            (column.keyname, processor)
            for column in compiled._result_columns
            if (processor := column.type._cached_result_processor(dialect, None)) is not None
        ]

    def arguments(self, params: Mapping[str, Any] | None) -> list[Any]:
        """The driver's positional arguments for `params`, processed as SQLAlchemy would."""
        values = self.compiled.construct_params(params)
        arguments = [values[name] for name in self.positions]
        for index, process in self.bind_processors:
            arguments[index] = process(arguments[index])  # type: ignore[operator]
        return arguments

    async def fetch(
        self,
        connection: AsyncConnection,
        params: Mapping[str, Any] | None,
        *,
        in_transaction: bool = False,
    ) -> Sequence[Mapping[str, Any]] | None:
        """The rows. Outside a transaction, None if the driver failed (see
        `RepositoryBase.rows`); inside one (`in_transaction`), the error SQLAlchemy would
        have raised."""
        arguments = self.arguments(params)
        sending = _Sending(connection, self.sql, arguments)
        if in_transaction:
            await sending.begun()
        try:
            records = await sending.driver.fetch(self.sql, *arguments)
        except Exception as error:
            if in_transaction:
                raise sending.error(error) from error
            # The caller runs the read again through SQLAlchemy, which raises its own wrapped
            # errors (those the API maps, such as "database unavailable") and invalidates the
            # pooled connection if the database went away. Only autocommit reads take this
            # path: in a transaction, a failed statement leaves nothing to run again.
            return None
        sending.sent()
        if not self.result_processors:
            return records  # type: ignore[no-any-return]
        rows = [dict(record.items()) for record in records]
        for row in rows:
            for key, process in self.result_processors:
                row[key] = process(row[key])
        return rows

    async def run(
        self, connection: AsyncConnection, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> None:
        """Run a write (no rows back) in the unit of work's transaction: once, or once per
        mapping of a sequence (the driver's executemany). A sequence of one runs once: the
        driver's executemany costs more than its execute for a single row."""
        if not isinstance(params, Mapping) and len(params) == 1:
            params = params[0]
        many = not isinstance(params, Mapping)
        arguments: Any = (
            self.arguments(params)
            if isinstance(params, Mapping)
            else [self.arguments(one) for one in params]
        )
        sending = _Sending(connection, self.sql, arguments, many=many)
        await sending.begun()
        try:
            if many:
                await sending.driver.executemany(self.sql, arguments)
            else:
                await sending.driver.execute(self.sql, *arguments)
        except Exception as error:
            raise sending.error(error) from error
        sending.sent()


class _Sending:
    """One statement on the driver's connection: the engine's cursor listeners told before and
    after it (with no cursor or execution context), as SQLAlchemy tells them."""

    __slots__ = ("arguments", "driver", "listened", "many", "sql", "sync")

    def __init__(
        self, connection: AsyncConnection, sql: str, arguments: Any, *, many: bool = False
    ) -> None:
        sync = connection.sync_connection
        assert sync is not None
        self.sync, self.sql, self.arguments, self.many = sync, sql, arguments, many
        self.driver: Any = sync.connection.driver_connection
        self.listened = sync._has_events or sync.engine._has_events
        if self.listened:
            sync.dispatch.before_cursor_execute(sync, None, sql, arguments, None, many)

    def sent(self) -> None:
        if self.listened:
            sync = self.sync
            sync.dispatch.after_cursor_execute(
                sync, None, self.sql, self.arguments, None, self.many
            )

    async def begun(self) -> None:
        """The driver's transaction begun, as SQLAlchemy's asyncpg adapter begins it before
        the first statement of a transaction (SQLAlchemy's own `begin` sends nothing)."""
        adapter = self.sync.connection.dbapi_connection
        if adapter._transaction is None:  # type: ignore[union-attr]
            try:
                await adapter._start_transaction()  # type: ignore[union-attr]
            except Exception as error:
                raise self.error(error) from error

    def error(self, error: Exception) -> Exception:
        return _as_sqlalchemy_error(self.sync, error, self.sql, self.arguments)


def _as_sqlalchemy_error(sync: Connection, error: Exception, sql: str, arguments: Any) -> Exception:
    """The exception SQLAlchemy raises for a driver error: the adapter's DBAPI error (its cause
    the driver's, which names the constraint of an IntegrityError) wrapped in SQLAlchemy's
    class of the same name, with the connection invalidated when the database went away."""
    dialect = sync.dialect
    dbapi_error_class = dialect.loaded_dbapi.Error
    adapter = sync.connection.dbapi_connection
    adapted: BaseException = error
    if not isinstance(error, dbapi_error_class):
        try:
            adapter._handle_exception(error)  # type: ignore[union-attr]
        except Exception as translated:  # noqa: BLE001 - it always raises
            adapted = translated
    if not isinstance(adapted, dbapi_error_class):
        return adapted if isinstance(adapted, Exception) else error
    invalidated = dialect.is_disconnect(adapted, adapter, None)
    if invalidated:
        sync.invalidate(adapted)
    return DBAPIError.instance(
        sql,
        arguments,
        adapted,
        dbapi_error_class,
        connection_invalidated=invalidated,
        dialect=dialect,
    )


async def execute_direct(connection: AsyncConnection, sql: str, *arguments: Any) -> bool:
    """Run `sql` (a statement of the driver's own dialect) on the driver's connection, with the
    engine's cursor listeners told as for a direct read; False when direct statements are off
    (then nothing ran). Errors are the driver's, unwrapped.

    On a connection outside any transaction the statement is one of its own (autocommit): one
    round trip, where SQLAlchemy would begin, execute and commit in three."""
    if not supported():
        return False
    sending = _Sending(connection, sql, arguments)
    await sending.driver.execute(sql, *arguments)
    sending.sent()
    return True


def in_transactions() -> bool:
    """Whether write units of work may run direct statements: `supported()`, and the asyncpg
    adapter has the transaction internals `_begun` and `_as_sqlalchemy_error` use."""
    if not supported():
        return False
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection as adapter

    needed = ("_start_transaction", "_handle_exception")
    if not all(hasattr(adapter, name) for name in needed) or "_transaction" not in getattr(
        adapter, "__slots__", ()
    ):
        _refuse(f"SQLAlchemy {SQLALCHEMY_VERSION}'s asyncpg adapter lacks an internal they use")
        return False
    return True


def compile_direct(
    statement: Executable, dialect: Dialect, column_keys: Sequence[str] | None = None
) -> DirectRead | None:
    """`statement` compiled for the driver, or None when it must go through SQLAlchemy. An
    INSERT or UPDATE is compiled for the columns its parameters name (`column_keys`), as
    SQLAlchemy compiles it for each set of parameters."""
    if not supported():
        return None
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, column_keys=None if column_keys is None else list(column_keys)
    )
    if not isinstance(compiled, SQLCompiler) or not compiled.positional:
        return None
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None  # IN-list expansion happens per call: leave it to SQLAlchemy.
    try:
        return DirectRead(compiled, dialect, column_keys)
    except AttributeError as error:  # An internal this module relies on has gone.
        _refuse(f"SQLAlchemy {SQLALCHEMY_VERSION} lacks an internal they use: {error}")
        return None
