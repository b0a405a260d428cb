"""OpenAPI Generator's python client, generated from the validated spec, against the server."""

import importlib
import shutil
import sys
import uuid
from dataclasses import dataclass
from functools import partial
from types import ModuleType

import pytest

from tests.conftest import PASSWORD
from tests.sdk import generate
from tests.services import service_missing

pytestmark = pytest.mark.slow  # starts servers or tools: not in `make test-quick`

MISSING_ID = 999_999
# Every warning OpenAPI Generator 7.26.0 logs for the committed spec; README, Generated SDKs,
# says why each stays.
KNOWN_WARNINGS = {
    # Logged for every OpenAPI 3.1 document, whatever it holds.
    "o.o.codegen.DefaultCodegen - OpenAPI 3.1 support is still in beta. To report an issue "
    "related to 3.1 spec, please kindly open an issue in the Github repo: "
    "https://github.com/openAPITools/openapi-generator.",
    # The python generator's own: it logs this for any document with one operation, even a
    # 3.0.3 one without a single model (the java, go and typescript-fetch generators do not).
    "o.o.codegen.utils.ModelUtils - Failed to get the schema name: null",
}


@dataclass
class GeneratedClient:
    package: ModuleType
    generator_output: str


def _java() -> None:
    if shutil.which("java") is None:
        service_missing("java not found on PATH (apt-get install default-jre-headless)")


# Named before base_url in every test, so a machine without Java skips before the server starts.
@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> GeneratedClient:
    _java()
    client = tmp_path_factory.mktemp("openapi-generator-sdk") / "client"
    output = generate.openapi_generator_client(client)
    # The package needs no build step: importing it from where it was written is enough.
    sys.path.insert(0, str(client))
    yield GeneratedClient(importlib.import_module(generate.OPENAPI_GENERATOR_PACKAGE), output)
    sys.path.remove(str(client))
    package = generate.OPENAPI_GENERATOR_PACKAGE
    for name in [name for name in sys.modules if name.partition(".")[0] == package]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def sdk(generated) -> ModuleType:
    return generated.package


def header(response, name: str) -> str:
    """A header of an answer or an ApiException, by any spelling of its name: ApiResponse
    copies urllib3's case-insensitive headers into a plain dict."""
    return next(value for key, value in response.headers.items() if key.lower() == name.lower())


def answered(response, status: int, model: type):
    """The parsed body, once status, content type and model are what the contract says."""
    assert response.status_code == status, response.raw_data
    assert header(response, "Content-Type") == "application/json"
    assert isinstance(response.data, model), response.data
    return response.data


def refused(sdk, call, status: int):
    """The ApiException the client raises for any status outside 2xx, after the call."""
    with pytest.raises(sdk.ApiException) as raised:
        call()
    assert raised.value.status == status, raised.value.body
    return raised.value


def problem(sdk, call, status: int):
    """The Problem model the client parsed from an error answer, its status the HTTP one."""
    error = refused(sdk, call, status)
    assert header(error, "Content-Type") == "application/problem+json"
    assert isinstance(error.data, sdk.Problem), error.body
    assert error.data.status == status
    return error.data


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def client(sdk, base_url: str, access_token: str | None = None):
    configuration = sdk.Configuration(host=base_url, access_token=access_token)
    return sdk.ApiClient(configuration)


def sign_up(sdk, base_url: str, username: str):
    body = sdk.UserCreate(username=username, password=PASSWORD)
    return sdk.UsersApi(client(sdk, base_url)).create_user_with_http_info(body)


def log_in(sdk, base_url: str, username: str):
    body = sdk.TokenCreate(username=username, password=PASSWORD)
    return sdk.TokensApi(client(sdk, base_url)).create_token_with_http_info(body)


@pytest.fixture(scope="module")
def resources(sdk, base_url):
    """The resources API as a user who signed up and logged in through the real routes."""
    username = unique_name("oag")
    answered(sign_up(sdk, base_url, username), 201, sdk.User)
    token = answered(log_in(sdk, base_url, username), 201, sdk.Token)
    return sdk.ResourcesApi(client(sdk, base_url, token.access_token))


@pytest.fixture
def created(sdk, resources):
    """A fresh resource of the signed-in user's, as POST answered it."""
    body = sdk.ResourceCreate(name="Notes", data={"color": "green"})
    return resources.create_resource_with_http_info(body)


def test_generation_validates_spec_with_only_known_warnings(generated):
    # The generator exited 0 (generate.run checks), so the spec passed its validation.
    logged = set(generate.generator_warnings(generated.generator_output))
    new = sorted(logged - KNOWN_WARNINGS)
    assert not new, "OpenAPI Generator logged new warnings:\n" + "\n".join(new)


def test_generation_still_logs_each_known_warning(generated):
    logged = set(generate.generator_warnings(generated.generator_output))
    gone = sorted(KNOWN_WARNINGS - logged)
    assert not gone, "No longer logged (drop them here and in the README):\n" + "\n".join(gone)


def test_sign_up_returns_user(sdk, base_url):
    username = unique_name("oag")
    user = answered(sign_up(sdk, base_url, username), 201, sdk.User)
    assert (user.username, user.role) == (username, "user")


def test_log_in_returns_bearer_token(sdk, base_url):
    username = unique_name("oag")
    answered(sign_up(sdk, base_url, username), 201, sdk.User)
    token = answered(log_in(sdk, base_url, username), 201, sdk.Token)
    assert token.token_type == "Bearer"
    assert token.access_token and token.expires_in > 0


def test_create_resource_returns_resource_with_etag(sdk, created):
    resource = answered(created, 201, sdk.Resource)
    assert (resource.name, resource.data, resource.version) == ("Notes", {"color": "green"}, 1)
    assert header(created, "ETag") == '"v1"'
    assert header(created, "Location").endswith(f"/api/v1/resources/{resource.id}")


def test_get_resource_returns_resource_with_its_etag(sdk, resources, created):
    response = resources.get_resource_with_http_info(created.data.id)
    assert answered(response, 200, sdk.Resource) == created.data
    assert header(response, "ETag") == header(created, "ETag")


def test_get_resource_with_current_etag_not_modified(sdk, resources, created):
    etag = header(created, "ETag")
    read = partial(resources.get_resource_with_http_info, created.data.id, if_none_match=etag)
    not_modified = refused(sdk, read, 304)
    assert (not_modified.body, header(not_modified, "ETag")) == ("", etag)


def test_update_resource_with_current_etag_bumps_version(sdk, resources, created):
    etag, body = header(created, "ETag"), sdk.ResourceUpdate(name="Plans")
    response = resources.update_resource_with_http_info(created.data.id, body, if_match=etag)
    updated = answered(response, 200, sdk.Resource)
    assert (updated.name, updated.version) == ("Plans", created.data.version + 1)
    assert header(response, "ETag") == '"v2"'


def test_update_resource_with_stale_etag_precondition_failed(sdk, resources, created):
    stale, body = header(created, "ETag"), sdk.ResourceUpdate(name="Plans")
    update = partial(
        resources.update_resource_with_http_info, created.data.id, body, if_match=stale
    )
    answered(update(), 200, sdk.Resource)
    assert problem(sdk, update, 412).title == "Precondition Failed"


def test_get_missing_resource_not_found(sdk, resources):
    missing = problem(sdk, partial(resources.get_resource_with_http_info, MISSING_ID), 404)
    assert (missing.title, missing.instance) == ("Not Found", f"/api/v1/resources/{MISSING_ID}")


def test_legacy_post_data_echoes_the_object_and_warns_it_is_deprecated(sdk, resources):
    legacy = sdk.LegacyApi(resources.api_client)
    with pytest.warns(DeprecationWarning, match="POST /api/data is deprecated"):
        response = legacy.legacy_post_data_with_http_info({"color": "green"})
    echoed = answered(response, 200, sdk.LegacyData)
    assert (echoed.success, echoed.data) == (True, {"color": "green"})


def test_delete_resource_then_get_not_found(sdk, resources, created):
    deleted = resources.delete_resource_with_http_info(created.data.id)
    assert (deleted.status_code, deleted.raw_data, deleted.data) == (204, b"", None)
    problem(sdk, partial(resources.get_resource_with_http_info, created.data.id), 404)
