"""schemathesis fuzzes the app in-process with the shared settings of schemathesis.toml.

Every check and every phase: examples, coverage and fuzzing through `parametrize`, the
stateful phase through the OpenAPI links. alice is the caller, bob her peer for the
object-level authorization check; a second schema runs the admin routes as admin. The
contract guard checks every answer on the server side as well.
"""

import shutil
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from service.database import db
from service.models import Resource, Token, User
from tests.conftest import TEST_SETTINGS, migrated_app
from tests.fuzz import hooks, identities

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

ADMIN_OPERATIONS = ["listUsers", "deleteUser"]
# The in-process transport hands over the raw bytes, without the content decoding every
# HTTP client does; over HTTP (test_schemathesis_http.py) compression is fuzzed too.
IDENTITY_ENCODING = {"Accept-Encoding": "identity"}
# Derandomized: every `make test` runs the same cases, so a red run is reproducible;
# `make fuzz` explores with more and other cases.
FUZZ_SETTINGS = settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def _create_admin(app) -> None:
    password = identities.passwords()[identities.ADMIN]
    args = ["create-admin", identities.ADMIN, "--password", password]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output


# Built at import time: schemathesis reads the schema while pytest collects the tests.
_FUZZ_DIR = tempfile.mkdtemp(prefix="contract-api-fuzz-")
fuzz_app = migrated_app(f"sqlite:///{_FUZZ_DIR}/fuzz.sqlite3", **TEST_SETTINGS)
_create_admin(fuzz_app)
schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
hooks.sign_up_identities(schema)


def _send_in_process(method, path, body, headers):
    response = fuzz_app.test_client().open(path, method=method, json=body, headers=headers)
    return response.status_code, response.get_json()


identities.seed_shared_resource(_send_in_process)
admin_schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app).include(
    operation_id=ADMIN_OPERATIONS
)


@pytest.fixture(scope="module", autouse=True)
def _remove_fuzz_database():
    yield
    shutil.rmtree(_FUZZ_DIR, ignore_errors=True)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_as_declared(case):
    case.call_and_validate(headers=IDENTITY_ENCODING)


@admin_schema.auth()
class AdminToken:
    """The admin logs in through the real token route, like the WFC identities."""

    def get(self, case, context):
        password = identities.passwords()[identities.ADMIN]
        login = {"username": identities.ADMIN, "password": password}
        return fuzz_app.test_client().post("/api/v1/tokens", json=login).get_json()["access_token"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@admin_schema.parametrize()
@FUZZ_SETTINGS
def test_admin_routes_answer_as_declared(case):
    case.call_and_validate(headers=IDENTITY_ENCODING)


def _reset_between_scenarios() -> None:
    """Each stateful scenario starts from the same state (Hypothesis replays scenarios and
    rejects one that behaves differently the second time): the seeded accounts with their
    original profiles and live tokens, and nothing else."""
    names = {*identities.users(), identities.ADMIN}
    with fuzz_app.app_context():
        db.session.execute(db.delete(Resource))
        db.session.execute(db.delete(User).where(User.username.not_in(names)))
        db.session.execute(db.update(User).values(first_name="", last_name="", email=None))
        # A logged-out token in one scenario must not turn the next one into 401s.
        db.session.execute(db.update(Token).values(revoked_at=None))
        present = set(db.session.scalars(db.select(User.username)))
        db.session.commit()
    if present != names:
        hooks.sign_up_identities(schema)
        hooks.forget_tokens(schema)


class Workflows(schema.as_state_machine()):
    def setup(self):
        _reset_between_scenarios()

    def get_call_kwargs(self, case):
        return {"headers": IDENTITY_ENCODING}


TestStatefulWorkflows = Workflows.TestCase
TestStatefulWorkflows.settings = settings(
    FUZZ_SETTINGS, max_examples=40, stateful_step_count=10, phases=[Phase.generate]
)
