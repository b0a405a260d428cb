"""The tutorials' original routes, kept for old clients; deprecated in favour of /api/v1.

They share v1's data and rules. Every answer carries `Deprecation` (RFC 9745) and a
`Link` to its successor (rel="successor-version").
"""

from datetime import UTC, datetime

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import abort

from schemas.legacy import (
    JsonObjectSchema,
    LegacyDataSchema,
    LegacySignUpSchema,
    LegacyUserDetailsSchema,
)
from schemas.resources import ResourceSchema
from schemas.users import UserSchema
from service.auth import current_user, hash_password
from service.contract import Blueprint
from service.data import users as user_data
from service.database import db
from service.routes.resources import RESOURCE, RESOURCE_ID

DEPRECATED_ON = datetime(2026, 11, 21, tzinfo=UTC)
LEGACY_HEADERS = {
    "Deprecation": {
        "description": "When this route was deprecated (RFC 9745), e.g. `@1795219200`.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'The route that replaces this one: `<...>; rel="successor-version"`.',
        "required": True,
        "schema": {"type": "string"},
    },
}
ANY_ORIGIN = {
    "Access-Control-Allow-Origin": {
        "description": "`*`, or the calling page's origin when it is on the allowlist.",
        "required": True,
        "schema": {"type": "string"},
    }
}
SUCCESSORS = {
    "legacy.UserSignUp": lambda: url_for("users.Users"),
    "legacy.UserDetails": lambda: url_for("users.Me"),
    "legacy.Data": lambda: url_for("resources.Resources"),
    "legacy.ResourceById": lambda: url_for("resources.ResourcesById", **request.view_args),
}


class LegacyBlueprint(Blueprint):
    """Marks every operation deprecated and declares the deprecation headers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._document_deprecation)

    @staticmethod
    def _document_deprecation(doc, doc_info, **kwargs):
        doc["deprecated"] = True
        for status, response in doc.get("responses", {}).items():
            if str(status).startswith("2"):
                response.setdefault("headers", {}).update(LEGACY_HEADERS)
        return doc


blp = LegacyBlueprint(
    "legacy",
    __name__,
    description="The tutorials' original routes, kept for old clients. Use /api/v1 instead.",
)


@blp.after_request
def announce_deprecation(response):
    response.headers["Deprecation"] = f"@{int(DEPRECATED_ON.timestamp())}"
    successor = SUCCESSORS.get(request.endpoint)
    if successor is not None:
        response.headers.add("Link", f'<{successor()}>; rel="successor-version"')
    if request.endpoint == "legacy.UserSignUp":
        # The tutorial's sign-up is callable from any page (it carries no credentials).
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


@blp.route("/userSignUp")
class UserSignUp(MethodView):
    @blp.account_limit
    @blp.arguments(LegacySignUpSchema, location="json_or_form")
    @blp.response(200, UserSchema, headers=ANY_ORIGIN)
    @blp.conflicts
    @blp.doc(operationId="legacySignUp")
    def post(self, details):
        """Sign up (use POST /api/v1/users)"""
        user_data.check_available(details["username"])
        password_hash = hash_password(details["password"])
        user = user_data.create_user(username=details["username"], password_hash=password_hash)
        db.session.commit()
        return user


@blp.route("/userDetails")
class UserDetails(MethodView):
    @blp.authenticated("profile")
    @blp.arguments(LegacyUserDetailsSchema, location="json_or_form")
    @blp.created(UserSchema, "users.UsersByName", username="username")
    @blp.doc(operationId="legacyUserDetails")
    def post(self, details):
        """Set your first and last name (use PATCH /api/v1/users/me)"""
        user = current_user()
        if details.get("username", user.username) != user.username:
            abort(403, message="You may only change your own details.")
        names = {"first_name": details.get("firstname"), "last_name": details.get("lastname")}
        user_data.update_user(
            user, {key: value for key, value in names.items() if value is not None}
        )
        db.session.commit()
        return user


@blp.route("/api/data")
class Data(MethodView):
    @blp.authenticated()
    @blp.arguments(JsonObjectSchema, example={"color": "green"})
    @blp.response(200, LegacyDataSchema)
    @blp.doc(operationId="legacyPostData")
    def post(self, data):
        """Send a JSON object and get it back (use /api/v1/resources to keep one)"""
        return {"success": True, "data": data}


@blp.route(
    f"/api/resource/{RESOURCE_ID}", parameters=[{"in": "path", "name": "resource_id", "example": 1}]
)
class ResourceById(MethodView):
    @blp.authenticated("resources:read", optional=True)
    @blp.response(200, ResourceSchema)
    @blp.access(RESOURCE, "read")
    @blp.doc(operationId="legacyGetResource")
    def get(self, resource):
        """Show a resource (use GET /api/v1/resources/{resource_id})"""
        return resource
