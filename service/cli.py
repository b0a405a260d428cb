"""Command-line tools (`flask --app service ...`): create-admin, purge-idempotency-keys and
write-openapi."""

import json

import click
from flask import Flask

from service.auth import hash_password
from service.data import idempotency
from service.data import users as user_data
from service.data.errors import Conflict
from service.database import db
from service.extensions import api


def spec_json() -> str:
    """The OpenAPI document exactly as committed in openapi/openapi.json."""
    return json.dumps(api.spec.to_dict(), indent=2, ensure_ascii=False) + "\n"


def register_commands(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option(
        "--password",
        envvar="SERVICE_ADMIN_PASSWORD",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Read from SERVICE_ADMIN_PASSWORD, else asked for.",
    )
    @click.option("--email", default=None)
    def create_admin(username: str, password: str, email: str | None) -> None:
        """Create an administrator account."""
        if not 8 <= len(password) <= 128:
            raise click.BadParameter("must be 8 to 128 characters", param_hint="--password")
        try:
            user_data.create_user(
                username=username, password_hash=hash_password(password), role="admin", email=email
            )
        except Conflict as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Administrator {username} created.")

    @app.cli.command("purge-idempotency-keys")
    def purge_idempotency_keys() -> None:
        """Delete expired Idempotency-Keys (run it daily, e.g. from cron)."""
        with db.engine.begin() as connection:
            purged = idempotency.purge_expired(connection)
        click.echo(f"Purged {purged} expired idempotency key(s).")

    @app.cli.command("write-openapi")
    @click.argument("path", default="openapi/openapi.json")
    def write_openapi(path: str) -> None:
        """Write the generated OpenAPI document (what `make openapi` runs)."""
        with open(path, "w", encoding="utf-8") as file:
            file.write(spec_json())
        click.echo(f"Wrote {path}")
