"""The create-admin command makes the first administrator."""

from tests.assertions import assert_json, assert_problem
from tests.conftest import PASSWORD, log_in


def test_create_admin_then_admin_routes_work(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "boss", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    token = log_in(client, "boss")
    body = assert_json(
        client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}), 200
    )
    assert body[0]["role"] == "admin"


def test_create_admin_taken_name_fails(app, client, owner):
    result = app.test_cli_runner().invoke(
        args=["create-admin", owner.username, "--password", PASSWORD]
    )
    assert result.exit_code != 0
    assert "already taken" in result.output


def test_create_admin_short_password_fails(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "boss", "--password", "short"])
    assert result.exit_code != 0
    assert_problem(client.get("/api/v1/users/boss"), 404)


def test_create_admin_reads_password_from_environment(app, client, monkeypatch):
    monkeypatch.setenv("SERVICE_ADMIN_PASSWORD", PASSWORD)
    result = app.test_cli_runner().invoke(args=["create-admin", "boss"])
    assert result.exit_code == 0, result.output
    assert log_in(client, "boss")
