"""Users: sign-up, profiles, account details and administration."""

from flask.views import MethodView
from flask_smorest import abort

from schemas.users import (
    PasswordChangeSchema,
    UserCreateSchema,
    UserPublicSchema,
    UserSchema,
    UserUpdateSchema,
)
from service.auth import check_password, current_token, current_user, hash_password
from service.contract import Blueprint, Policy
from service.data import tokens as token_data
from service.data import users as user_data
from service.database import db

# Profiles are public: anyone may see any account; deleting one is for administrators.
USER = Policy(
    noun="User",
    parameter="username",
    keyword="user",
    load=user_data.get_user,
    roles_of=user_data.roles_of,
    may={"read": frozenset({"public", "admin"}), "delete": frozenset({"admin"})},
    refusals={"delete": "Only administrators may do this."},
)
# What a client can do next with an account it just created (OpenAPI links).
NEW_USER = {"parameters": {"username": "$response.body#/username"}}
# ... and log in with the credentials just chosen. A link's requestBody can only be one
# runtime expression (OpenAPI 3.1 §4.8.20), and the whole sign-up body has fields log-in
# refuses: the client fills the body itself.
SAME_CREDENTIALS = {"description": "Log in with the username and password just signed up with."}

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User accounts.")


@blp.route("")
class Users(MethodView):
    @blp.authenticated("profile", admin=True)
    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listUsers")
    def get(self, pagination_parameters):
        """List every user by username, a page at a time (administrators only)"""
        page = pagination_parameters
        users, page.item_count = user_data.list_users(offset=page.first_item, limit=page.page_size)
        return users

    @blp.account_limit
    @blp.arguments(UserCreateSchema, location="json_or_form")
    @blp.created(
        UserSchema,
        "users.UsersByName",
        links={"getUser": NEW_USER, "deleteUser": NEW_USER, "createToken": SAME_CREDENTIALS},
        username="username",
    )
    @blp.conflicts
    @blp.doc(operationId="createUser")
    def post(self, details):
        """Sign up"""
        # A taken name or address is refused before the password is hashed.
        user_data.check_available(details["username"], details.get("email"))
        password_hash = hash_password(details.pop("password"))
        user = user_data.create_user(password_hash=password_hash, **details)
        db.session.commit()
        return user


@blp.route("/me")
class Me(MethodView):
    @blp.authenticated("profile")
    @blp.response(200, UserSchema)
    @blp.doc(operationId="getCurrentUser")
    def get(self):
        """Show your own account"""
        return current_user()

    @blp.authenticated("profile")
    @blp.account_limit
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.conflicts
    @blp.doc(operationId="updateCurrentUser")
    def patch(self, changes):
        """Update your name or email address"""
        user = user_data.update_user(current_user(), changes)
        db.session.commit()
        return user

    @blp.authenticated("profile")
    @blp.response(204)
    @blp.conflicts
    @blp.doc(operationId="deleteCurrentUser")
    def delete(self):
        """Delete your account, with its tokens, resources, grants and comments"""
        user_data.delete_user(current_user())
        db.session.commit()


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.authenticated("profile")
    @blp.account_limit
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.declares(403)
    @blp.doc(operationId="changePassword")
    def put(self, change):
        """Change your password; your other tokens are revoked"""
        user = current_user()
        if not check_password(user, change["current_password"]):
            abort(403, message="The current password is wrong.")
        user.password_hash = hash_password(change["new_password"])
        token_data.revoke_other_tokens(user, keep=current_token())
        db.session.commit()


@blp.route(
    "/<username:username>", parameters=[{"in": "path", "name": "username", "example": "sam"}]
)
class UsersByName(MethodView):
    @blp.response(200, UserPublicSchema)
    @blp.access(USER, "read")
    @blp.doc(operationId="getUser")
    def get(self, user):
        """Show a user's public profile"""
        return user

    @blp.authenticated("profile", admin=True)
    @blp.response(204)
    @blp.access(USER, "delete")
    @blp.conflicts
    @blp.doc(operationId="deleteUser")
    def delete(self, user):
        """Delete a user (administrators only)"""
        user_data.delete_user(user)
        db.session.commit()
