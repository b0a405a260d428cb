"""Who may do what, derived: every operation that takes credentials or acts on a thing its
path names, run as every kind of caller.

The operations, their scopes and the policies they load things through come from what the
routes declare (tests/operations.py). The expected outcome of each cell comes from the
rules of DESIGN.md §3, restated below (`MAY`, `roles`) so that the test does not trust the
service's own tables, applied in the service's order: bad credentials (401), missing scope
(403), admin-only (403), cannot see (404, the very body of a missing id), may see but not do
(403), else the declared success. A refused request changes nothing stored.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service.auth import hash_token
from service.database import db
from service.models import Token
from service.models.types import utcnow
from tests.assertions import assert_problem
from tests.conftest import PASSWORD
from tests.operations import Operation, component_schema, example_body, operations, plain_app
from tests.world import (
    ADMIN,
    ALL_SCOPES,
    COMMENTER,
    EDITOR,
    FORGED,
    GRANTS,
    OWNER,
    READER,
    STRANGER,
    SUBJECTS,
    World,
)

# Who may do what (DESIGN.md §3), by the noun and action an operation declares.
SEES_RESOURCE = {"owner", "editor", "reader", "public"}
MAY = {
    ("Resource", "read"): SEES_RESOURCE,
    ("Resource", "comment"): SEES_RESOURCE,
    ("Resource", "edit"): {"owner", "editor"},
    ("Resource", "publish"): {"owner"},
    ("Resource", "delete"): {"owner"},
    ("Resource", "share"): {"owner"},
    ("Comment", "read"): SEES_RESOURCE | {"author"},
    ("Comment", "edit"): {"author"},
    ("Comment", "delete"): {"author", "owner"},
    ("User", "read"): {"public", "admin"},
    ("User", "delete"): {"admin"},
}


@dataclass(frozen=True)
class Kind:
    """A kind of caller: who it is (None: nobody) and what its credentials are worth."""

    name: str
    user: str | None = None
    scopes: frozenset[str] = ALL_SCOPES
    bad_token: bool = False

    @property
    def admin(self) -> bool:
        return self.user == ADMIN


CALLERS = (
    Kind("owner", OWNER),
    Kind("grantee_reader", READER),
    Kind("grantee_editor", EDITOR),
    Kind("another_user", STRANGER),
    Kind("admin", ADMIN),
    Kind("anonymous"),
    Kind("revoked_token", OWNER, bad_token=True),
    Kind("expired_token", OWNER, bad_token=True),
    Kind("forged_token", bad_token=True),
    Kind("read_only_token", OWNER, scopes=frozenset({"resources:read"})),
)
# On an operation that acts on the caller's own account (no thing named by its path), only
# the caller's credentials vary: the account holder with each kind of credentials.
SELF_CALLERS = {"owner", "anonymous", "revoked_token", "expired_token", "forged_token"}
SELF_CALLERS |= {"read_only_token"}


def roles(kind: Kind, noun: str, visibility: str) -> set[str]:
    """The caller's roles on olivia's thing (a comment: rita's, on olivia's resource), as
    DESIGN.md §3 defines them."""
    if noun == "User":
        return {"public", "admin"} if kind.admin else {"public"}
    if kind.user == OWNER:
        held = {"owner"}
    elif kind.user in GRANTS:
        held = {GRANTS[kind.user]}
    else:
        held = {"public"} if visibility == "public" else set()
    # A comment is seen with its resource; its author may do more with it.
    if noun == "Comment" and held and kind.user == COMMENTER:
        held.add("author")
    return held


def expected(
    operation: Operation, kind: Kind, visibility: str, guarded: str | None = None
) -> tuple[int, str]:
    """The outcome DESIGN.md §3 prescribes: a status and why (the reason names the rule).
    `guarded`: the request also changes this field, which takes an action of its own."""
    if operation.authentication is not None:
        if kind.bad_token:
            return 401, "invalid_token"
        if kind.user is None and not operation.anonymous_allowed:
            return 401, "no_credentials"
        if kind.user is not None and not set(operation.scopes) <= kind.scopes:
            return 403, "insufficient_scope"
        if operation.admin_only and not kind.admin:
            return 403, "not_admin"
    for policy, action in operation.accesses:
        held = roles(kind, policy.noun, visibility)
        if not held:
            return 404, "cannot_see"
        if not held & MAY[(policy.noun, action)]:
            return 403, "may_see_not_do"
        guarding = policy.guarded_fields.get(guarded)
        if guarding and not held & MAY[(policy.noun, guarding)]:
            return 403, "may_see_not_do"
    return operation.success, "allowed"


def _visibilities(operation: Operation) -> tuple[str, ...]:
    names = operation.path_parameters
    if any(SUBJECTS[name].has_visibility for name in names if name in SUBJECTS):
        return ("private", "public")
    return ("",)


def _kinds(operation: Operation) -> list[Kind]:
    if operation.accesses or operation.admin_only:
        return list(CALLERS)
    return [kind for kind in CALLERS if kind.name in SELF_CALLERS]


def _guarded(operation: Operation) -> list[str | None]:
    """None (the example body), and each guarded field the body can change."""
    fields = {field for policy, _ in operation.accesses for field in policy.guarded_fields}
    if not operation.takes_body:
        return [None]
    properties = component_schema(operation.body_schema).get("properties", {})
    return [None, *sorted(fields & properties.keys())]


def _other_value(operation: Operation, field: str, current: str):
    """A value of `field` other than the thing's current one, from the spec's enum."""
    schema = component_schema(operation.body_schema)["properties"][field]
    return next(value for value in schema.get("enum", []) if value != current)


def in_matrix(operation: Operation) -> bool:
    return operation.authentication is not None or bool(operation.accesses)


def missing_cells(found: list[Operation]) -> list[str]:
    """What the matrix cannot derive: a rule not restated in MAY, a path without a builder."""
    missing = []
    for operation in filter(in_matrix, found):
        known = KNOWN_ONLY_TO_THE_CALLER.get(operation.body_schema)
        if operation.takes_body and not known and example_body(operation) is None:
            missing.append(f"{operation.operation_id}: no example body")
        for policy, action in operation.accesses:
            actions = [action, *policy.guarded_fields.values()]
            missing += [
                f"{operation.operation_id}: no rule for {policy.noun} {name}"
                for name in actions
                if (policy.noun, name) not in MAY
            ]
        for name in operation.path_parameters:
            if name not in SUBJECTS:
                missing.append(f"{operation.operation_id}: no builder for {{{name}}}")
    return missing


OPERATIONS = operations(plain_app())
CELLS = [
    pytest.param(operation, kind, visibility, guarded, id="-".join(filter(None, (
        operation.operation_id, guarded and f"changing_{guarded}", visibility, kind.name))))
    for operation in filter(in_matrix, OPERATIONS)
    for guarded in _guarded(operation)
    for visibility in _visibilities(operation)
    for kind in _kinds(operation)
]  # fmt: skip


class MatrixWorld(World):
    """The cast, with the credentials that are worth nothing: revoked, expired."""

    def __post_init__(self):
        super().__post_init__()
        self.revoked = self.fresh_token(OWNER)
        response = self.client.delete("/api/v1/tokens/current", headers=self.revoked)
        assert response.status_code == 204
        self.expired = self.fresh_token(OWNER)
        secret = self.expired["Authorization"].removeprefix("Bearer ")
        with self.app.app_context():
            expire = sa.update(Token).where(Token.token_hash == hash_token(secret))
            db.session.execute(expire.values(expires_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()

    def headers_of(self, kind: Kind, user: str) -> dict:
        """The kind's credentials; `user` stands for olivia where the cell needs an
        account of its own (one that a successful request may change or delete)."""
        if kind.name == "anonymous":
            return {}
        if kind.name == "forged_token":
            return FORGED
        if kind.name in ("revoked_token", "expired_token"):
            return self.revoked if kind.name == "revoked_token" else self.expired
        username = user if kind.user == OWNER else kind.user
        if kind.name == "read_only_token":
            return self.token(username, "resources:read")
        return self.token(username)

    def snapshot(self) -> dict:
        """Every stored row, to show that a refused request changed nothing."""
        with self.app.app_context():
            rows = {
                table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
                for table in db.metadata.sorted_tables
            }
            db.session.remove()
        return rows


@pytest.fixture(scope="module")
def world(app):
    world = MatrixWorld(app)
    yield world
    world.clear()


def _without_ids(body: dict, *ids) -> str:
    """A problem body without what differs between two requests: request ids, the path."""
    body = {key: value for key, value in body.items() if key not in {"request_id", "instance"}}
    text = repr(body)
    for value in ids:
        text = re.sub(rf"\b{re.escape(str(value))}\b", "<id>", text)
    return text


# Bodies the spec's examples cannot give: what only the caller knows.
KNOWN_ONLY_TO_THE_CALLER = {
    "PasswordChange": {"current_password": PASSWORD, "new_password": "another long one"}
}


def _send(world, operation: Operation, values: dict, headers: dict, changing: dict | None = None):
    body = None
    if operation.takes_body:
        body = KNOWN_ONLY_TO_THE_CALLER.get(operation.body_schema) or example_body(operation)
        body = {**body, **(changing or {})}
    return world.client.open(
        operation.url(values), method=operation.method, json=body, headers=headers
    )


def _assert_refusal(response, operation: Operation, status: int, reason: str) -> dict:
    problem = assert_problem(response, status)
    challenge = response.headers.get("WWW-Authenticate", "")
    if reason == "invalid_token":
        assert 'error="invalid_token"' in challenge, challenge
    if reason == "insufficient_scope":
        assert 'error="insufficient_scope"' in challenge, challenge
        assert all(scope in challenge for scope in operation.scopes), challenge
    return problem


@pytest.mark.parametrize(("operation", "kind", "visibility", "guarded"), CELLS)
def test_authorization_matrix_cell(world, operation, kind, visibility, guarded):
    status, reason = expected(operation, kind, visibility, guarded)
    changing = {guarded: _other_value(operation, guarded, visibility)} if guarded else None
    changes = status < 400 and operation.method != "GET"
    # A request that will change things acts on things (or an account) of its own: those
    # its path names for an action other than seeing them.
    user = world.account() if changes and not operation.accesses else OWNER
    changed = {policy.parameter for policy, action in operation.accesses if action != "read"}
    values = world.path_values(operation, visibility or "private", changed if changes else ())
    headers = world.headers_of(kind, user)
    before = world.snapshot() if status >= 400 else None
    response = _send(world, operation, values, headers, changing)
    if status < 400:
        assert response.status_code == status, response.get_data(as_text=True)
        return
    problem = _assert_refusal(response, operation, status, reason)
    assert world.snapshot() == before, "a refused request changed what is stored"
    if reason == "cannot_see":
        name = next(
            policy.parameter
            for policy, action in operation.accesses
            if not roles(kind, policy.noun, visibility)
        )
        missing = {**values, name: SUBJECTS[name].missing}
        missing_response = _send(world, operation, missing, headers, changing)
        missing_problem = assert_problem(missing_response, 404)
        assert _without_ids(problem, values[name]) == _without_ids(
            missing_problem, missing[name]
        ), "a hidden thing must look exactly like a missing one"


def test_matrix_has_a_case_for_every_operation_on_credentials_or_things():
    assert missing_cells(OPERATIONS) == []
    statuses = {expected(*cell.values)[0] for cell in CELLS}
    assert {200, 201, 204, 401, 403, 404} <= statuses
