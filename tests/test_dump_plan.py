"""The compiled dump plan (schemas/dump_plan.py) gives exactly marshmallow's own output."""

import datetime as dt
import importlib
import inspect
import pkgutil
import sys
import threading
from collections import namedtuple
from types import SimpleNamespace

import marshmallow as ma
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import fields

import schemas
from schemas import dump_plan
from schemas.base import BaseSchema
from schemas.dump_plan import compile_plan
from schemas.resources import ResourceSchema
from service.models.types import UTCDateTime

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
UTC_DATETIMES = st.datetimes(timezones=st.just(dt.UTC))


def _value_strategy(field: fields.Field):
    if isinstance(field, fields.String):
        return st.text()
    if isinstance(field, fields.Integer):
        return st.integers(min_value=-(2**63), max_value=2**63 - 1)
    if isinstance(field, fields.DateTime):
        return UTC_DATETIMES
    if isinstance(field, fields.Dict):
        return st.dictionaries(st.text(), JSON_VALUES, max_size=4)
    raise AssertionError(f"no strategy for {field!r}: teach the test the new field")


def _nest(path: str, value):
    """{"owner.username": v} as the object marshmallow reads: owner=ns(username=v)."""
    head, _, rest = path.partition(".")
    return head, _nest_object(rest, value) if rest else value


def _nest_object(path: str, value):
    return SimpleNamespace(**dict([_nest(path, value)]))


def objects_for(schema: ma.Schema):
    """Objects with an attribute for every field the schema dumps (None now and then)."""
    attributes = {
        field.attribute or name: st.none() | _value_strategy(field)
        for name, field in schema.dump_fields.items()
    }
    return st.fixed_dictionaries(attributes).map(
        lambda values: SimpleNamespace(**dict(_nest(path, v) for path, v in values.items()))
    )


def _every_base_schema():
    for module_info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"schemas.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseSchema)
                and cls is not BaseSchema
                and cls.__module__ == module.__name__
            ):
                yield cls


PLANNED = sorted(
    (cls for cls in set(_every_base_schema()) if compile_plan(cls()) is not None),
    key=lambda cls: cls.__name__,
)


def test_the_response_schemas_have_a_plan():
    names = {cls.__name__ for cls in PLANNED}
    assert {"ResourceSchema", "UserSchema", "GrantSchema"} <= names, names


@pytest.mark.parametrize("schema_class", PLANNED, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_planned_dump_equals_marshmallow_dump(schema_class, data):
    schema = schema_class()
    items = data.draw(st.lists(objects_for(schema), max_size=4))
    for item in items:
        assert schema.dump(item) == ma.Schema.dump(schema, item)
    many = schema_class(many=True)
    assert many.dump(items) == ma.Schema.dump(many, items)


def _as_named_row(values: dict):
    """The values as a named tuple, read by attribute like SQLAlchemy's Row."""
    return namedtuple("Row", values)(**values)


# Schemas whose every field is one attribute (a dotted one cannot be a row's column).
FLAT = [
    cls
    for cls in PLANNED
    if all("." not in (field.attribute or "") for field in cls().dump_fields.values())
]
# What a database row is read as: by attribute (Row, named tuples) or by key (RowMapping).
ROW_SHAPES = {"named_row": _as_named_row, "mapping": dict}


@pytest.mark.parametrize("shape", ROW_SHAPES)
@pytest.mark.parametrize("schema_class", FLAT, ids=lambda cls: cls.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_planned_dump_of_rows_equals_marshmallow_dump(schema_class, shape, data):
    schema = schema_class()
    values = [vars(item) for item in data.draw(st.lists(objects_for(schema), max_size=3))]
    # Now and then a field is missing: marshmallow leaves it out.
    if values and values[0] and data.draw(st.booleans()):
        values[0].pop(data.draw(st.sampled_from(sorted(values[0]))))
    items = [ROW_SHAPES[shape](item) for item in values]
    for item in items:
        assert schema.dump(item) == ma.Schema.dump(schema, item)
    many = schema_class(many=True)
    assert many.dump(items) == ma.Schema.dump(many, items)


def test_a_sqlalchemy_row_dumps_as_marshmallow_dumps_it():
    columns = {
        "id": 7,
        "name": "N",
        "description": "",
        "visibility": "public",
        "owner_name": "sam",
        "version": 2,
    }
    query = sa.select(*(sa.literal(value).label(key) for key, value in columns.items()))
    with sa.create_engine("sqlite://").connect() as connection:
        row = connection.execute(query).one()
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    # A Row is immutable: the other fields come from a row-like object made from it.
    full = namedtuple("Row", [*row._fields, "data", "created_at", "updated_at"])(
        *row, {"k": [1]}, moment, moment
    )
    schema = ResourceSchema()
    assert schema.dump(row) == ma.Schema.dump(schema, row)
    assert schema.dump(full) == ma.Schema.dump(schema, full)
    assert schema.dump(full)["owner"] == "sam"
    mapping = full._asdict()
    assert schema.dump(row._mapping) == ma.Schema.dump(schema, row._mapping)
    assert schema.dump(mapping) == ma.Schema.dump(schema, mapping) == schema.dump(full)


def test_objects_marshmallow_reads_differently_fall_back_to_it():
    schema = ResourceSchema()
    as_mapping = {"id": 1, "name": "N", "owner": {"username": "sam"}}
    without_owner = SimpleNamespace(id=1, name="N", description="", data={}, visibility="public")
    for obj in (as_mapping, without_owner):
        assert schema.dump(obj) == ma.Schema.dump(schema, obj)


def test_schemas_with_dump_hooks_or_other_fields_are_left_to_marshmallow():
    class WithHook(BaseSchema):
        name = fields.String()

        @ma.post_dump
        def shout(self, data, **kwargs):
            return {key: value.upper() for key, value in data.items()}

    class WithFloat(BaseSchema):
        price = fields.Float()

    assert compile_plan(WithHook()) is None
    assert compile_plan(WithFloat()) is None
    assert WithHook().dump(SimpleNamespace(name="a")) == {"name": "A"}


def _resource_rows(*rows: dict) -> list[sa.RowMapping]:
    """Real SQLAlchemy rows (as the data layer reads them) with ResourceSchema's columns."""
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    selects = [
        sa.select(
            sa.literal(row["id"]).label("id"),
            sa.literal(row.get("name", "N")).label("name"),
            sa.literal("").label("description"),
            sa.literal(row.get("data", {}), sa.JSON).label("data"),
            sa.literal("public").label("visibility"),
            sa.literal("sam").label("owner_name"),
            sa.literal(row.get("created_at", moment), UTCDateTime).label("created_at"),
            sa.literal(moment, UTCDateTime).label("updated_at"),
            sa.literal(row.get("version", 1)).label("version"),
        )
        for row in rows
    ]
    with sa.create_engine("sqlite://").connect() as connection:
        return [connection.execute(select).mappings().one() for select in selects]


def test_a_stored_version_of_a_row_dumps_once():
    schema = ResourceSchema(many=True)
    first, again = _resource_rows({"id": 1}, {"id": 1})
    assert schema.dump([first]) == ma.Schema.dump(schema, [first])
    # The same id, version and creation time: the earlier dump, not a new one.
    assert schema.dump([again])[0] is schema.dump([first])[0]


def test_a_changed_row_is_dumped_afresh():
    schema = ResourceSchema()
    later = dt.datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=dt.UTC)
    old, changed, reused_id = _resource_rows(
        {"id": 2, "name": "Old"},
        {"id": 2, "name": "New", "version": 2},
        # SQLite may give a deleted resource's id to a new one: another creation time.
        {"id": 2, "name": "Other", "created_at": later},
    )
    for row in (old, changed, reused_id):
        schema.dump(row)
        assert schema.dump(row) == ma.Schema.dump(schema, row)


def test_only_database_rows_are_cached():
    # A dict or an object may have been changed since it was read: never served from cache.
    schema = ResourceSchema()
    (row,) = _resource_rows({"id": 3, "name": "Stored"})
    schema.dump(row)
    edited = {**row, "name": "Edited"}
    assert schema.dump(edited)["name"] == "Edited"
    assert schema.dump(SimpleNamespace(**edited))["name"] == "Edited"


def test_the_cache_keeps_a_bounded_number_of_rows(monkeypatch):
    monkeypatch.setattr(dump_plan, "CACHED_ROWS", 2)
    schema = ResourceSchema()
    rows = _resource_rows({"id": 10}, {"id": 11}, {"id": 12})
    for row in rows:
        schema.dump(row)
    # The oldest went; the two newest stay.
    assert list(schema._dump_plan.cache) == [
        (11, 1, rows[1]["created_at"]),
        (12, 1, rows[2]["created_at"]),
    ]


def test_threads_sharing_the_cache_past_its_bound(monkeypatch):
    # Threaded servers (granian, gunicorn gthread) dump in several threads at once.
    monkeypatch.setattr(dump_plan, "CACHED_ROWS", 8)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    schema = ResourceSchema()
    rows = _resource_rows(*({"id": i} for i in range(100)))
    errors = []

    def dump_all():
        try:
            for _ in range(50):
                for row in rows:
                    schema.dump(row)
        except Exception as error:  # any error fails the test below
            errors.append(error)

    threads = [threading.Thread(target=dump_all) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(schema._dump_plan.cache) <= 8 + len(threads)
