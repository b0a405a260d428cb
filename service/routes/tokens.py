"""Tokens: log in for a bearer token, inspect it, log out."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort

from schemas.tokens import SCOPES, TokenCreateSchema, TokenInfoSchema, TokenSchema
from service.auth import (
    REALM,
    check_password,
    current_token,
    hash_token,
    new_token_secret,
)
from service.contract import Blueprint
from service.data import tokens as token_data
from service.data import users as user_data
from service.database import db

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="Log in and out.")


@blp.route("")
class Tokens(MethodView):
    @blp.account_limit
    @blp.arguments(TokenCreateSchema, location="json_or_form")
    # The new token is the caller's own: its routes take no parameters.
    @blp.created(
        TokenSchema,
        "tokens.CurrentToken",
        links={"getCurrentToken": {}, "deleteCurrentToken": {}},
    )
    @blp.declares(401)
    @blp.doc(operationId="createToken")
    def post(self, credentials):
        """Log in: exchange a username and password for a bearer token"""
        user = user_data.get_user(credentials["username"])
        if not check_password(user, credentials["password"]):
            # One answer for an unknown user and a wrong password: names stay private.
            abort(
                401,
                message="The username or password is wrong.",
                headers={"WWW-Authenticate": REALM},
            )
        secret = new_token_secret()
        token = token_data.issue_token(
            user,
            token_hash=hash_token(secret),
            scope=_normalize_scope(credentials.get("scope")),
            ttl_seconds=current_app.config["TOKEN_TTL_SECONDS"],
        )
        db.session.commit()
        return {
            "access_token": secret,
            "token_type": "Bearer",
            "scope": token.scope,
            "expires_at": token.expires_at,
            "expires_in": max(0, current_app.config["TOKEN_TTL_SECONDS"]),
        }


def _normalize_scope(requested: str | None) -> str:
    """Known scopes in a fixed order, each once; all of them when none was asked for."""
    wanted = set(requested.split()) if requested else set(SCOPES)
    return " ".join(scope for scope in SCOPES if scope in wanted)


@blp.route("/current")
class CurrentToken(MethodView):
    @blp.authenticated()
    @blp.response(200, TokenInfoSchema)
    @blp.doc(operationId="getCurrentToken")
    def get(self):
        """Show the token you are using"""
        return current_token()

    @blp.authenticated()
    @blp.response(204)
    @blp.doc(operationId="deleteCurrentToken")
    def delete(self):
        """Log out: revoke the token you are using"""
        token_data.revoke_token(current_token())
        db.session.commit()
