"""Configuration from the environment, and refusing unsafe production settings."""

import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

from service import create_app
from service.config import ConfigError, normalize_database_url, settings_from_env


def test_production_refuses_default_secret():
    with pytest.raises(ConfigError, match="SERVICE_SECRET_KEY"):
        create_app({"SERVICE_ENV": "production"})


PRODUCTION = {
    "SERVICE_ENV": "production",
    "SECRET_KEY": "a-long-private-value",
    "TRUSTED_HOSTS": ["api.example.com"],
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


def test_production_starts_with_a_real_secret(tmp_path):
    app = create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert app.config["SERVICE_ENV"] == "production"


def test_production_refuses_to_start_without_its_host_names(tmp_path):
    with pytest.raises(ConfigError, match="SERVICE_ALLOWED_HOSTS"):
        create_app({**PRODUCTION, "TRUSTED_HOSTS": None})


def test_production_refuses_rate_limits_counted_per_process(tmp_path):
    # Five workers each counting on their own allow five times the documented limit.
    with pytest.raises(ConfigError, match="REDIS_URL"):
        create_app({**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://"})


def test_production_takes_per_process_limits_when_the_operator_says_so(tmp_path):
    settings = {**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://", "RATE_LIMITS_PER_PROCESS": True}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_without_rate_limits_needs_no_shared_store(tmp_path):
    settings = {**PRODUCTION, "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ENABLED": False}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3"})
    assert app.config["RATELIMIT_ENABLED"] is False


def test_allowed_hosts_setting(tmp_path):
    settings = settings_from_env(
        {"SERVICE_ALLOWED_HOSTS": "api.example.com, .example.org"}, str(tmp_path)
    )
    assert settings["TRUSTED_HOSTS"] == ["api.example.com", ".example.org"]
    assert settings_from_env({}, str(tmp_path))["TRUSTED_HOSTS"] is None


def test_settings_read_from_environment(tmp_path):
    settings = settings_from_env(
        {"DATABASE_URL": "postgres://u@h/db", "SERVICE_TOKEN_TTL_SECONDS": "60"}, str(tmp_path)
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert settings["TOKEN_TTL_SECONDS"] == 60


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
    settings = settings_from_env({}, str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/service.sqlite3"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SERVICE_ENV": "staging"}, "SERVICE_ENV"),
        ({"SERVICE_MAX_BODY_BYTES": "lots"}, "integer"),
        ({"SERVICE_CONTRACT_GUARD": "maybe"}, "boolean"),
    ],
)
def test_invalid_settings_refused(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_env(environ, str(tmp_path))


def test_psycopg_url_left_alone():
    url = "postgresql+psycopg://postgres@127.0.0.1/test"
    assert normalize_database_url(url) == url


@pytest.mark.parametrize(
    ("raw", "expected"), [("", False), ("1", True), ("true", True), ("0", False)]
)
def test_contract_guard_switch(tmp_path, raw, expected):
    settings = settings_from_env({"SERVICE_CONTRACT_GUARD": raw}, str(tmp_path))
    assert settings["CONTRACT_GUARD"] is expected


def test_guard_wraps_the_app_only_when_switched_on(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite3"
    guarded = create_app({"SQLALCHEMY_DATABASE_URI": url, "CONTRACT_GUARD": True})
    plain = create_app({"SQLALCHEMY_DATABASE_URI": url, "CONTRACT_GUARD": False})
    assert type(guarded.wsgi_app).__name__ == "ContractGuard"
    assert type(plain.wsgi_app).__name__ != "ContractGuard"


ROOT = Path(__file__).resolve().parents[1]
# Every variable the code reads: the app's settings and gunicorn's.
SETTING_NAME = re.compile(r'"((?:SERVICE|DATABASE|REDIS|PROMETHEUS)_[A-Z0-9_]+)"')


def _variables_read_by_the_code() -> set[str]:
    sources = (ROOT / "service" / "config.py", ROOT / "gunicorn.conf.py")
    return {name for source in sources for name in SETTING_NAME.findall(source.read_text())}


def test_every_variable_is_in_the_readme_table_and_env_example():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :].split("\n## ")[0]
    example = (ROOT / ".env.example").read_text()
    variables = _variables_read_by_the_code()
    assert {"SERVICE_ENV", "DATABASE_URL", "SERVICE_WORKERS"} <= variables
    for name in sorted(variables):
        short = name.removeprefix("SERVICE_ARGON2")  # one row documents the three of them
        assert f"`{name}`" in table or f"`{short}`" in table, f"README lacks {name}"
        assert re.search(rf"^#? ?{name}=", example, re.MULTILINE), f".env.example lacks {name}"


def test_env_example_values_are_the_defaults(tmp_path):
    example = {
        name: value
        for name, value in dotenv_values(ROOT / ".env.example").items()
        if value is not None
    }
    assert settings_from_env(example, str(tmp_path)) == settings_from_env({}, str(tmp_path))


def test_transaction_pooler_setting_prepares_no_statements(tmp_path):
    environ = {"DATABASE_URL": "postgresql://u@pooler/db", "SERVICE_DB_TRANSACTION_POOLER": "1"}
    connect_args = settings_from_env(environ, str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"][
        "connect_args"
    ]
    assert connect_args["prepare_threshold"] is None
    assert "options" not in connect_args  # PgBouncer refuses startup options


@pytest.mark.parametrize(
    ("hops", "forwarded", "client"),
    [
        (0, "203.0.113.9", "127.0.0.1"),  # no proxy: the header is the client's to invent
        (1, "203.0.113.9", "203.0.113.9"),
        # One proxy appends the address it saw: whatever the client put before it is not
        # believed.
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
    ],
)
def test_client_address_trusts_exactly_the_configured_proxies(tmp_path, hops, forwarded, client):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db.sqlite3", "PROXY_HOPS": hops}
    )

    @app.get("/whoami")
    def whoami():
        from flask import request

        return {"address": request.remote_addr}

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": forwarded})
    assert response.get_json()["address"] == client
