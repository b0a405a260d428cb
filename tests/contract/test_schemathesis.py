"""schemathesis fuzzes the app in-process: every answer must match the declared contract."""

import shutil
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import PASSWORD, TEST_SETTINGS, migrated_app


class Session:
    """A signed-in user for the fuzzer; signs up again if a fuzzed call deleted it."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def headers(self) -> dict[str, str]:
        if self.token is None or self._token_dead():
            self.client.post("/api/v1/users", json={"username": "fuzzer", "password": PASSWORD})
            login = {"username": "fuzzer", "password": PASSWORD}
            self.token = self.client.post("/api/v1/tokens", json=login).get_json()["access_token"]
        return {"Authorization": f"Bearer {self.token}"}

    def _token_dead(self) -> bool:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.get("/api/v1/tokens/current", headers=headers).status_code == 401


# Built at import time: schemathesis reads the schema while pytest collects the tests.
_FUZZ_DIR = tempfile.mkdtemp(prefix="contract-api-fuzz-")
fuzz_app = migrated_app(f"sqlite:///{_FUZZ_DIR}/fuzz.sqlite3", **TEST_SETTINGS)
schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)


@pytest.fixture(scope="module")
def fuzz_session():
    yield Session(fuzz_app.test_client())
    shutil.rmtree(_FUZZ_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_declared(case, fuzz_session):
    case.call_and_validate(headers=fuzz_session.headers())
