"""The suite's secret scan (tests/plugins/contract.py) flags stored hashes, not user text."""

import json

import pytest

from tests.plugins.contract import secrets_in


@pytest.mark.parametrize(
    "document",
    [
        {"id": 1, "password_hash": "x"},
        [{"user": {"token_hash": "ab"}}],
        {"items": [{"name": "n", "owner": {"password_hash": "x"}}]},
        {"note": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"},
    ],
)
def test_a_stored_hash_or_its_key_is_flagged(document):
    assert secrets_in(json.dumps(document))


@pytest.mark.parametrize(
    "document",
    [
        {"name": "parameters", "description": "token_hash"},
        {"data": {"token_hash": 1, "password_hash": {"x": 1}}},
        [{"data": {"nested": {"token_hash": True}}}],
    ],
)
def test_users_own_text_and_documents_are_not_secrets(document):
    assert secrets_in(json.dumps(document)) == []


def test_a_body_that_is_not_json_is_searched_as_text():
    assert secrets_in('oops "token_hash" here') == ['"token_hash"']
