"""schemathesis hooks: put a fuzzing identity back when a fuzzed call took it away, and keep
positive cases positive.

Deleting your own account, a password change that happened to succeed, or logging out is
the API working as declared, but it would end authentication for the rest of the run.
After such a call the account is restored through the API itself and the cached tokens are
dropped, so every later case runs as the same identities. (The admin routes are fuzzed as
admin in a run of their own, where deleting alice harms nobody.) Loaded by the in-process
tests (import) and by the CLI runs (SCHEMATHESIS_HOOKS=tests.fuzz.hooks).
"""

import re
import uuid

import schemathesis
from schemathesis import GenerationMode
from schemathesis.auths import CachingAuthProvider

from tests.fuzz import identities

CONDITIONAL_HEADERS = ("If-Match", "If-None-Match")


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    """Keep positive cases positive.

    schemathesis 4.32's coverage phase cannot make a header value that needs characters
    other than letters and digits (an entity tag's quotes), and then seeds the optional
    If-Match and If-None-Match of its positive cases with a value made for a negative one,
    which the API rightly refuses with 400. Such a header is left out of a positive case,
    as the spec allows; negative cases keep theirs."""
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or not case.headers:
        return
    for name in CONDITIONAL_HEADERS:
        value = case.headers.get(name)
        if value is not None and not re.fullmatch(_entity_tags(case, name), value):
            del case.headers[name]
    # One Idempotency-Key per request, as clients send them: a key schemathesis reuses (its
    # example) with another body is refused (422) exactly as the spec says it is.
    if "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())


def _entity_tags(case, name: str) -> str:
    parameter = next(p for p in case.operation.headers if p.name == name)
    return parameter.definition["schema"]["pattern"]


@schemathesis.hook
def after_call(context, case, response) -> None:
    request = response.request
    # The coverage phase also sends other methods to this operation's path.
    if not 200 <= response.status_code < 300 or request.method != case.operation.method.upper():
        return
    path, schema = case.operation.path, case.operation.schema
    if request.method == "DELETE" and path == "/api/v1/users/me":
        sign_up_identities(schema)
    elif request.method == "PUT" and path == "/api/v1/users/me/password":
        _restore_password(case, request.headers["Authorization"])
    elif not (request.method == "DELETE" and path == "/api/v1/tokens/current"):
        return
    forget_tokens(schema)


def sign_up_identities(schema) -> None:
    """Sign the non-admin accounts up again; a 409 means the account is still there."""
    sign_up = schema.find_operation_by_id("createUser")
    for username, password in identities.users().items():
        body = {"username": username, "password": password}
        status = sign_up.Case(body=body, media_type="application/json").call().status_code
        assert status in (201, 409), f"could not restore {username}: {status}"


def forget_tokens(schema) -> None:
    """Make schemathesis log in again on the next call instead of sending a dead token."""
    for provider in schema.security_auth_providers():
        if isinstance(provider, CachingAuthProvider):
            provider.invalidate()


def _restore_password(case, authorization: str) -> None:
    schema = case.operation.schema
    headers = {"Authorization": authorization}
    username = schema.find_operation_by_id("getCurrentUser").Case(headers=headers).call().json()
    username = username["username"]
    if username not in identities.passwords():
        return
    restore = {
        "current_password": case.body["new_password"],
        "new_password": identities.passwords()[username],
    }
    change = schema.find_operation_by_id("changePassword")
    response = change.Case(body=restore, headers=headers, media_type="application/json").call()
    assert response.status_code == 204, f"could not restore {username}'s password"
