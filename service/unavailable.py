"""A database that cannot answer (unreachable, lost, pool exhausted, statement cut) is 503."""

import contextlib
from collections.abc import Callable

from flask import Flask, current_app, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import ServiceUnavailable

from service.database import db, take_read_connection
from service.problems import problem_response

# What a client is told to wait before trying again; the pool recovers by itself meanwhile.
RETRY_AFTER_SECONDS = 5
DETAIL = "The database is unavailable; try again shortly."


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _database_unavailable)
    app.register_error_handler(PoolTimeoutError, _database_unavailable)
    # Runs before Flask-SQLAlchemy's own teardown (the last registered runs first).
    app.teardown_appcontext(_release_connections)


def _release_connections(exc: BaseException | None) -> None:
    """End the session's transaction and give the read connection back."""
    if db.session.registry.has():
        # The session itself: scoped_session does not proxy invalidate().
        _close_or_discard(db.session.close, db.session().invalidate)
    read_connection = take_read_connection()
    if read_connection is not None:
        # Invalidated, a connection still has to be closed to go back to the pool.
        def discard():
            read_connection.invalidate()
            read_connection.close()

        _close_or_discard(read_connection.close, discard)


def _close_or_discard(close: Callable[[], None], discard: Callable[[], None]) -> None:
    """If the server went away since the last statement, closing (its ROLLBACK) fails:
    discard the connection instead of failing an answered request."""
    try:
        close()
    except DBAPIError as error:
        current_app.logger.warning("Discarding a database connection: %s", _reason(error))
        discard()


def is_unavailable(error: Exception) -> bool:
    """A failure of the database's operation, not of the request: refused or lost
    connection, no free connection in the pool, a statement cancelled by statement_timeout
    (psycopg's QueryCanceled is an OperationalError), SQLite's "database is locked"."""
    if isinstance(error, (OperationalError, PoolTimeoutError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _database_unavailable(error: Exception):
    if not is_unavailable(error):
        raise error  # a bug (say, a DataError): Flask answers it as a logged 500
    with contextlib.suppress(DBAPIError):  # the connection is gone: already discarded
        db.session.rollback()
    # One line, no traceback: an outage would otherwise flood the log. Only the driver's
    # message, never the statement's parameters.
    current_app.logger.warning(
        "The database is unavailable (%s %s): %s", request.method, request.path, _reason(error)
    )
    return problem_response(ServiceUnavailable(DETAIL, retry_after=RETRY_AFTER_SECONDS))


def _reason(error: Exception) -> str:
    """The driver's error and the first line of its message, never the statement's
    parameters."""
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {(str(cause).strip().splitlines() or [''])[0]}"
