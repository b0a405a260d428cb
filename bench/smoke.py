"""Before a contender is measured its answers must equal the product's reference answers."""

import json
import urllib.error
import urllib.request

from bench.endpoints import LIST_PATH, POST_BODY, POST_PATH

# In a created resource these depend on when and as which row it was made.
VARYING = {"id", "created_at", "updated_at"}


class SmokeError(RuntimeError):
    pass


def _call(base_url: str, method: str, path: str, token: str, body: dict | None = None):
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    if not headers.get("Content-Type", "").startswith("application/json"):
        raise SmokeError(f"{method} {path}: {status} with Content-Type {headers['Content-Type']}")
    return status, json.loads(raw)


def _differences(got: dict, want: dict) -> list[str]:
    found = [f"missing {key!r}" for key in want.keys() - got.keys()]
    found += [f"extra {key!r}" for key in got.keys() - want.keys()]
    for key in want.keys() & got.keys():
        if type(got[key]) is not type(want[key]):
            found.append(f"{key!r} is {type(got[key]).__name__}, not {type(want[key]).__name__}")
        elif key not in VARYING and got[key] != want[key]:
            found.append(f"{key!r} is {got[key]!r:.80}, not {want[key]!r:.80}")
        elif key.endswith("_at") and got[key][-6:] != want[key][-6:]:
            found.append(f"{key!r} is written {got[key]!r}, unlike {want[key]!r}")
    return found


def _require(status: int, expected: int, what: str) -> None:
    if status != expected:
        raise SmokeError(f"{what} answered {status}, not {expected}")


def check(name: str, base_url: str, seeded: dict) -> None:
    """GET one equal, list items equal in order (the first page and one of the cold ones),
    POST: the same keys, types and given values."""
    token, reference = seeded["token"], seeded["reference"]
    status, one = _call(base_url, "GET", f"/api/v1/resources/{seeded['resource_id']}", token)
    _require(status, 200, "GET one")
    if one != reference["get_one"]:
        raise SmokeError(f"{name} GET one: {_differences(one, reference['get_one'])}")
    cold = reference["list_cold"]
    for path, wanted in (
        (LIST_PATH, reference["list"]),
        (f"{LIST_PATH}&page={cold['page']}", cold["items"]),
    ):
        status, page = _call(base_url, "GET", path, token)
        _require(status, 200, f"GET {path}")
        if len(page) != len(wanted):
            raise SmokeError(f"{name} {path}: {len(page)} items, not {len(wanted)}")
        for index, (got, want) in enumerate(zip(page, wanted, strict=True)):
            if got != want:
                raise SmokeError(f"{name} {path} item {index}: {_differences(got, want)}")
    status, created = _call(base_url, "POST", POST_PATH, token, POST_BODY)
    _require(status, 201, "POST")
    if problems := _differences(created, reference["post"]):
        raise SmokeError(f"{name} POST: {problems}")
