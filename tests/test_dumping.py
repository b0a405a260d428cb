"""The compiled dump plan (service/contract/dumping.py) gives exactly marshmallow's output."""

import datetime as dt
import importlib
import inspect
import pkgutil
from collections import namedtuple
from types import SimpleNamespace

import marshmallow as ma
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import fields

import schemas
from schemas.base import BaseSchema
from schemas.resources import ResourceSchema
from service.contract.dumping import compile_plan, dumper

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
        assert dumper(schema)(item) == schema.dump(item)
    many = schema_class(many=True)
    assert dumper(many)(items) == many.dump(items)


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
        assert dumper(schema)(item) == schema.dump(item)
    many = schema_class(many=True)
    assert dumper(many)(items) == many.dump(items)


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
    dump = dumper(schema)
    assert dump(row) == schema.dump(row)
    assert dump(full) == schema.dump(full)
    assert dump(full)["owner"] == "sam"
    mapping = full._asdict()
    assert dump(row._mapping) == schema.dump(row._mapping)
    assert dump(mapping) == schema.dump(mapping) == dump(full)


def test_objects_marshmallow_reads_differently_fall_back_to_it():
    schema = ResourceSchema()
    as_mapping = {"id": 1, "name": "N", "owner": {"username": "sam"}}
    without_owner = SimpleNamespace(id=1, name="N", description="", data={}, visibility="public")
    for obj in (as_mapping, without_owner):
        assert dumper(schema)(obj) == schema.dump(obj)


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
    assert dumper(WithHook())(SimpleNamespace(name="a")) == {"name": "A"}


def test_every_dump_is_a_new_object():
    # Answers are never shared: changing one (a hook, a later decorator) changes no other.
    schema = ResourceSchema()
    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    row = SimpleNamespace(
        id=1,
        name="N",
        description="",
        data={"k": 1},
        visibility="public",
        owner_name="sam",
        created_at=moment,
        updated_at=moment,
        version=1,
    )
    dump = dumper(schema)
    first, second = dump(row), dump(row)
    assert first == second and first is not second and first["data"] is not second["data"]
    first["name"] = "Changed"
    first["data"]["k"] = 2
    assert dump(row) == second
    assert second["name"] == "N" and second["data"] == {"k": 1}
