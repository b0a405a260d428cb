"""The Flask application factory."""

import inspect
import os
import re
import secrets
import weakref
from typing import Any

from flask import Flask, g, request
from flask.sessions import SessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from service import database, limits, metrics, problems, unavailable, web
from service.config import API_SETTINGS, check_production_safety, settings_from_env
from service.converters import (
    AsciiIntegerConverter,
    UsernameConverter,
    ascii_integer_parameter_schema,
    username_parameter_schema,
)
from service.extensions import api, db, migrate
from service.json_provider import JsonProvider

# A client's request id is echoed only if it is short and plain (it lands in logs).
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Requests that change nothing (RFC 9110 §9.2.1): their statements run in autocommit.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment."""
    app = JsonApiFlask(__name__, instance_relative_config=True)
    app.config.update(API_SETTINGS)
    app.config.update(settings_from_env(os.environ, app.instance_path))
    app.config.update(config or {})
    check_production_safety(app.config)
    # Errors are answered as problem documents, never re-raised into the server.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    os.makedirs(app.instance_path, exist_ok=True)

    app.url_map.converters["username"] = UsernameConverter
    app.url_map.converters["int"] = AsciiIntegerConverter
    # `//` in a path is not `/`: Werkzeug would redirect, as an HTML page, to a URL built
    # from the request's Host.
    app.url_map.merge_slashes = False
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    api.init_app(app)
    api.register_converter(UsernameConverter, username_parameter_schema)
    api.register_converter(AsciiIntegerConverter, ascii_integer_parameter_schema)

    from service.routes import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)

    _register_request_id(app)
    app.before_request(_declare_safe_methods_read_only)
    problems.init_app(app)
    unavailable.init_app(app)
    limits.init_app(app)
    metrics.init_app(app)
    web.init_app(app)

    from service.cli import register_commands

    register_commands(app)
    if app.config["PROXY_HOPS"]:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if app.config["CONTRACT_GUARD"]:
        from service import contract_guard

        contract_guard.install(app)
    return app


class NoCookieSessions(SessionInterface):
    """The API keeps no state in cookies: no session cookie is read or written (Flask's
    default would verify a signed cookie on every request)."""

    def open_session(self, app, request):
        return None  # Flask then uses a null session, which refuses writes

    def save_session(self, app, session, response):
        pass


class JsonApiFlask(Flask):
    """Flask with orjson for JSON, no cookie sessions, and an automatic OPTIONS answer
    without an HTML type."""

    json_provider_class = JsonProvider
    session_interface = NoCookieSessions()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Function -> whether it is async. Weak keys: a function made per request (a
        # closure) must not be kept alive by this table.
        self._async_functions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def ensure_sync(self, func):
        # Flask asks this for every hook and view on every request (~15 times), inspecting
        # the function each time; the answer never changes for a function, so it is kept
        # (by the function under a bound method: views are methods of per-request objects).
        target = getattr(func, "__func__", func)
        try:
            is_async = self._async_functions[target]
        except KeyError:
            is_async = self._async_functions[target] = inspect.iscoroutinefunction(func)
        except TypeError:  # not weakly referable
            return super().ensure_sync(func)
        return self.async_to_sync(func) if is_async else func

    def make_default_options_response(self):
        # RFC 9110 §9.3.7: the methods in Allow, no content; Flask's default says text/html.
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


def _register_request_id(app: Flask) -> None:
    @app.before_request
    def assign_request_id():
        sent = request.headers.get("X-Request-ID", "")
        # 32 random hex digits, as a UUID4's would be, without building a UUID object.
        g.request_id = sent if _SAFE_REQUEST_ID.fullmatch(sent) else secrets.token_hex(16)

    @app.after_request
    def send_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id") or secrets.token_hex(16)
        return response


def _declare_safe_methods_read_only() -> None:
    if request.method in SAFE_METHODS:
        database.declare_read_only()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # SQLite ignores ON DELETE CASCADE unless asked, and fails at once on a busy file.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
