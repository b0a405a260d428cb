"""Seed a migrated database through the product; print the token and reference bodies as JSON."""

# Accounts and the token go through the real routes (sign-up, log-in), the resources through
# the data layer in one transaction (1,210 POSTs would only add time). The reference bodies
# are the product's own answers, fetched in-process, that every contender's must equal.

import json
import sys

from bench.endpoints import COLD_FIRST_PAGE, LIST_PATH, POST_BODY, POST_PATH, cold_pages
from service import create_app
from service.data import grants as grant_data
from service.data import resources as resource_data
from service.data import users as user_data
from service.database import db

USER, OTHER = "bench", "other"
PASSWORD = "bench-password-not-secret"
RESOURCES = 1_210
TARGET = 42  # the resource GET reads: the caller's own, with a `data` document
COLORS = ("green", "blue", "red", "amber")


def _resource_fields(index: int, owner: str) -> dict:
    data = {}
    if index % 3 == 0:
        data = {
            "color": COLORS[index % 4],
            "size": index,
            "tags": ["alpha", "beta"],
            "nested": {"ok": True, "ratio": 0.5},
        }
    visibility = "public" if index % 4 == 0 else "private"
    if owner == OTHER:
        visibility = "public" if index % 2 else "private"
    description = "A resource made for the benchmark. " * (1 + index % 3)
    return {
        "name": f"Resource {index:04d}",
        "description": description.strip(),
        "data": data,
        "visibility": visibility,
    }


def _expect(response, status: int) -> dict:
    if response.status_code != status:
        raise SystemExit(f"seed: {response.request.path} answered {response.status_code}")
    return response.get_json(silent=True)


def seed(app) -> dict:
    """Two users, 1,100 resources of `bench` among 110 of `other` (half public), and one
    of `other`'s private ones granted to `bench`: the list's visibility rule matters."""
    client = app.test_client()
    for username in (USER, OTHER):
        account = {"username": username, "password": PASSWORD}
        _expect(client.post("/api/v1/users", json=account), 201)
    login = {"username": USER, "password": PASSWORD}
    token = _expect(client.post("/api/v1/tokens", json=login), 201)["access_token"]
    with app.app_context():
        owners = {name: user_data.get_user(name) for name in (USER, OTHER)}
        created = []
        for index in range(RESOURCES):
            owner = OTHER if index % 11 == 5 else USER
            fields = _resource_fields(index, owner)
            created.append(resource_data.create_resource(owners[owner].id, owner, fields))
        shared = next(
            r for r in created if r.owner_id == owners[OTHER].id and r.visibility == "private"
        )
        grant_data.put_grant(shared, owners[USER], "reader")
        db.session.commit()
        target_id, max_id = created[TARGET].id, created[-1].id
    return {"token": token, "resource_id": target_id, "max_id": max_id}


def references(app, seeded: dict) -> dict:
    """The product's answers to the measured requests (the POST's row is deleted): GET one,
    the list's first page, one of the pages the list cold goes through (the middle one), POST;
    and the number of the caller's pages of 100."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    one = _expect(client.get(f"/api/v1/resources/{seeded['resource_id']}", headers=headers), 200)
    listed = client.get(LIST_PATH, headers=headers)
    page = _expect(listed, 200)
    total_pages = json.loads(listed.headers["X-Pagination"])["total_pages"]
    cold_page = COLD_FIRST_PAGE + cold_pages(total_pages) // 2
    cold = _expect(client.get(f"{LIST_PATH}&page={cold_page}", headers=headers), 200)
    created = _expect(client.post(POST_PATH, json=POST_BODY, headers=headers), 201)
    _expect(client.delete(f"/api/v1/resources/{created['id']}", headers=headers), 204)
    return {
        "get_one": one,
        "list": page,
        "list_cold": {"page": cold_page, "items": cold},
        "post": created,
        "total_pages": total_pages,
    }


def main() -> int:
    app = create_app()
    seeded = seed(app)
    seeded["reference"] = references(app, seeded)
    json.dump(seeded, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
