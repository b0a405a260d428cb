"""The JSON decoding of stored documents: orjson where it reads exactly what the standard
library reads, the standard library elsewhere."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.json_provider import load_json

# Every JSON value the API can store: integers of any size (a resource's `data` may hold
# 2**70), finite floats, any text, nested arrays and objects.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def _same(left, right) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0 would hide a lost integer)."""
    return json.dumps(left) == json.dumps(right) and repr(left) == repr(right)


@given(json_values, st.booleans(), st.booleans())
def test_reads_what_the_standard_library_reads(value, ensure_ascii, as_bytes):
    document = json.dumps(value, ensure_ascii=ensure_ascii)
    encoded = document.encode() if as_bytes else document
    assert _same(load_json(encoded), json.loads(document))


@pytest.mark.parametrize(
    "document",
    [
        '{"n": 1180591620717411303424}',  # 2**70: orjson alone reads 1.1805916207174113e+21
        '{"n": -9223372036854775809}',  # one past int64
        '{"n": 18446744073709551615}',
        '["\\ud800"]',  # a lone surrogate escape: orjson refuses it
        '{"a": 1, "a": 2}',
        "-0",
        "1e-400",
    ],
)
def test_the_cases_orjson_alone_would_get_wrong_or_refuse(document):
    for encoded in (document, document.encode()):
        assert _same(load_json(encoded), json.loads(document))
