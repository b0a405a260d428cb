"""Authentication and scopes: 401 without valid credentials, 403 without the scope or role,
declared as the operation's `security` and its error responses."""

from functools import wraps

from service import auth
from service.contract.annotate import add_error_responses, add_manual_doc
from service.contract.order import Step, add_step

# A bearer token from POST /api/v1/tokens, or the same token obtained through the OAuth2
# password flow that Swagger UI's Authorize dialog runs against that route. Bearer comes
# first: some tools (Postman's converter) take the first requirement and ignore the others.
BEARER = "bearerAuth"
OAUTH2_PASSWORD = "oauth2Password"


def security(scopes: tuple[str, ...], optional: bool) -> list[dict]:
    requirements = [{BEARER: []}, {OAUTH2_PASSWORD: list(scopes)}]
    return [*requirements, {}] if optional else requirements


class AuthMixin:
    def authenticated(self, *scopes: str, optional: bool = False, admin: bool = False):
        """Require (or, if optional, accept) a bearer token with these scopes.

        A bad token is 401 even where anonymous callers are welcome. It must be the
        outermost contract decorator (checked when the route is declared).
        """

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                auth.authenticate(required=not optional, scopes=scopes, admin=admin)
                return func(*args, **kwargs)

            details = {"scopes": scopes, "optional": optional, "admin": admin}
            add_step(wrapper, Step("authenticated", details=details))
            add_manual_doc(wrapper, security=security(scopes, optional))
            return add_error_responses(wrapper, 401, *([403] if scopes or admin else []))

        return decorator
