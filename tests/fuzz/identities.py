"""The accounts every fuzzing run starts with.

alice, bob and admin are the identities of tests/fuzz/wfc-auth.json; sam is the account the
spec's own log-in example uses, seeded so that the documented example works.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WFC_PATH = Path(__file__).with_name("wfc-auth.json")
ADMIN = "admin"


def passwords() -> dict[str, str]:
    """username -> password of the identities schemathesis logs in as."""
    document = json.loads(WFC_PATH.read_text())
    credentials = (entry["loginEndpointAuth"]["payloadUserPwd"] for entry in document["auth"])
    return {item["username"]: item["password"] for item in credentials}


def example_user() -> dict[str, str]:
    """The credentials of the spec's log-in example."""
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    properties = spec["components"]["schemas"]["TokenCreate"]["properties"]
    return {field: properties[field]["example"] for field in ("username", "password")}


def users() -> dict[str, str]:
    """The accounts that sign up through the API like anyone else (all but the admin)."""
    accounts = {name: password for name, password in passwords().items() if name != ADMIN}
    example = example_user()
    return {**accounts, example["username"]: example["password"]}


def seed_shared_resource(send) -> None:
    """Two resources of alice's, both shared with sam as reader, and a comment of alice's on
    the second: what the path examples name (grants: resource 1 and sam; resources: 2;
    comments: 1), so that those examples work against a fresh server whatever order they
    run in.

    `send(method, path, body, headers)` returns (status, JSON body).
    """
    alice = {"username": "alice", "password": passwords()["alice"]}
    status, token = send("POST", "/api/v1/tokens", alice, {})
    assert status == 201, (status, token)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for expected_id, name in ((1, "Shared notes"), (2, "Notes")):
        status, resource = send("POST", "/api/v1/resources", {"name": name}, headers)
        assert (status, resource["id"]) == (201, expected_id), (status, resource)
        grant = f"/api/v1/resources/{expected_id}/grants/{example_user()['username']}"
        status, body = send("PUT", grant, {"role": "reader"}, headers)
        assert status == 200, (status, body)
    status, comment = send("POST", "/api/v1/resources/2/comments", {"body": "Noted."}, headers)
    assert (status, comment["id"]) == (201, 1), (status, comment)
