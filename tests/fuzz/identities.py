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
