"""The three measured requests, the same for every contender."""

import json
from dataclasses import dataclass

LIST_PATH = "/api/v1/resources?page_size=100"
POST_PATH = "/api/v1/resources"
POST_BODY = {
    "name": "Load generator note",
    "description": "Written by make bench.",
    "data": {"color": "green", "size": 3, "tags": ["a", "b"]},
    "visibility": "private",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: str = ""


def endpoints(resource_id: int) -> list[Endpoint]:
    """In the order each contender is measured: POST last, so the rows it adds (deleted after
    it) never sit in the tables the reads are measured on."""
    return [
        Endpoint("get-one", "GET", f"/api/v1/resources/{resource_id}"),
        Endpoint("list-100", "GET", LIST_PATH),
        Endpoint("post", "POST", POST_PATH, json.dumps(POST_BODY)),
    ]


NAMES = ("get-one", "list-100", "post")
