"""Skip a test whose service is missing, or fail it when REQUIRE_SERVICES=1."""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def service_missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)
