"""The measured requests, the same for every contender."""

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
# The list cold goes through the caller's pages from the second (the first is the warm one)
# to the last, in turn, one per request: the same sequence for every contender.
COLD_FIRST_PAGE = 2


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: str = ""
    # Pages first_page .. first_page + pages - 1 in turn (`&page=N` added to the path), when
    # pages is not 0.
    first_page: int = 1
    pages: int = 0

    def paths(self) -> list[str]:
        """Every path this endpoint requests, in order."""
        if not self.pages:
            return [self.path]
        return [f"{self.path}&page={self.first_page + n}" for n in range(self.pages)]


def cold_pages(total_pages: int) -> int:
    return max(total_pages - COLD_FIRST_PAGE + 1, 1)


def endpoints(resource_id: int, total_pages: int) -> list[Endpoint]:
    """In the order each contender is measured: POST last, so the rows it adds (deleted after
    it) never sit in the tables the reads are measured on. `total_pages`: the caller's pages of
    100 in the seed."""
    return [
        Endpoint("get-one", "GET", f"/api/v1/resources/{resource_id}"),
        Endpoint("list-100-warm", "GET", LIST_PATH),
        Endpoint("list-100-cold", "GET", LIST_PATH, "", COLD_FIRST_PAGE, cold_pages(total_pages)),
        Endpoint("post", "POST", POST_PATH, json.dumps(POST_BODY)),
    ]


NAMES = ("get-one", "list-100-warm", "list-100-cold", "post")
