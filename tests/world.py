"""The cast the generic suites act with, signed up through the real routes once per module.

olivia owns things and shares each new resource with rita (reader) and eddie (editor); rita
comments on them; sven is a stranger; root is an administrator. Each kind of thing a path
can name has a builder here (`SUBJECTS`, by the path parameter that names it): a suite asks
for a thing of that kind, private or public, shared or made afresh for a request that will
change it, and who may do anything with it (its `actor`). A path parameter without a
builder fails the suites that meet it (tests/contract/test_generic_suites.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.conftest import PASSWORD, _empty_all_tables, log_in, make_caller

OWNER, READER, EDITOR, STRANGER, ADMIN = "olivia", "rita", "eddie", "sven", "root"
GRANTS = {READER: "reader", EDITOR: "editor"}
COMMENTER = READER
ALL_SCOPES = frozenset({"resources:read", "resources:write", "profile"})
FORGED = {"Authorization": "Bearer forged-Zm9yZ2VkLXRva2VuLXNlY3JldA"}


@dataclass(frozen=True)
class Subject:
    """A builder of things one path parameter names: `build(world, visibility, fresh)`
    returns the path value; `missing` names nothing."""

    build: Callable[["World", str, bool], str]
    missing: str
    actor: str
    # Whether the thing is private or public, and so how it is seen, matters.
    has_visibility: bool = True


def _resource(world: "World", visibility: str, fresh: bool) -> str:
    return str(world.resource(visibility, fresh)["id"])


def _comment(world: "World", visibility: str, fresh: bool) -> str:
    return str(world.comment(visibility, fresh)["id"])


def _account(world: "World", visibility: str, fresh: bool) -> str:
    # An account anyone may see; a grant route's user is the reader of every new resource.
    return world.account() if fresh else READER


SUBJECTS: dict[str, Subject] = {
    "resource_id": Subject(_resource, "999999999", actor=OWNER),
    "comment_id": Subject(_comment, "999999999", actor=COMMENTER),
    "username": Subject(_account, "nobody", actor=ADMIN, has_visibility=False),
}


@dataclass
class World:
    app: object
    client: object = field(init=False)
    headers: dict[str, dict] = field(default_factory=dict)
    _tokens: dict = field(default_factory=dict)
    _shared: dict = field(default_factory=dict)
    _accounts: int = 0

    def __post_init__(self):
        self.client = self.app.test_client()
        _empty_all_tables(self.app)
        for username in (OWNER, READER, EDITOR, STRANGER):
            self.headers[username] = make_caller(self.client, username).headers
        args = ["create-admin", ADMIN, "--password", PASSWORD]
        result = self.app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        self.headers[ADMIN] = self.token(ADMIN)

    def clear(self) -> None:
        """Leave the database as the next module expects it: empty."""
        _empty_all_tables(self.app)

    def token(self, username: str, scope: str | None = None) -> dict:
        """Headers with a token of this user (all scopes, or these), logged in once."""
        key = (username, scope)
        if key not in self._tokens:
            secret = log_in(self.client, username, scope)
            self._tokens[key] = {"Authorization": f"Bearer {secret}"}
        return self._tokens[key]

    def fresh_token(self, username: str, scope: str | None = None) -> dict:
        return {"Authorization": f"Bearer {log_in(self.client, username, scope)}"}

    def account(self) -> str:
        """A new account, its headers in `self.headers`."""
        self._accounts += 1
        username = f"acct{self._accounts}"
        self.headers[username] = make_caller(self.client, username).headers
        return username

    def resource(self, visibility: str = "private", fresh: bool = False) -> dict:
        """olivia's resource, shared with rita (reader) and eddie (editor)."""
        key = ("resource", visibility)
        if fresh or key not in self._shared:
            response = self.client.post(
                "/api/v1/resources",
                json={"name": "Diary", "visibility": visibility},
                headers=self.headers[OWNER],
            )
            assert response.status_code == 201, response.get_data(as_text=True)
            resource = response.get_json()
            for username, role in GRANTS.items():
                url = f"/api/v1/resources/{resource['id']}/grants/{username}"
                shared = self.client.put(url, json={"role": role}, headers=self.headers[OWNER])
                assert shared.status_code == 200, shared.get_data(as_text=True)
            if fresh:
                return resource
            self._shared[key] = resource
        return self._shared[key]

    def comment(self, visibility: str = "private", fresh: bool = False) -> dict:
        """rita's comment on olivia's shared resource."""
        key = ("comment", visibility)
        if fresh or key not in self._shared:
            resource = self.resource(visibility)
            response = self.client.post(
                f"/api/v1/resources/{resource['id']}/comments",
                json={"body": "First!"},
                headers=self.headers[COMMENTER],
            )
            assert response.status_code == 201, response.get_data(as_text=True)
            if fresh:
                return response.get_json()
            self._shared[key] = response.get_json()
        return self._shared[key]

    def actor_headers(self, operation) -> dict:
        """Credentials that may do anything the operation does: the administrator's on an
        administrators' route, else those of the actor of the first thing its path names."""
        if operation.authentication is None:
            return {}
        if operation.admin_only or not operation.accesses:
            return self.token(ADMIN if operation.admin_only else OWNER)
        return self.token(SUBJECTS[operation.accesses[0][0].parameter].actor)

    def path_values(self, operation, visibility: str = "private", fresh=frozenset()) -> dict:
        """A value for each of the operation's path parameters: a thing of its own for each
        parameter in `fresh` (what a request will change), else a shared one."""
        return {
            name: SUBJECTS[name].build(self, visibility, name in fresh)
            for name in operation.path_parameters
        }
