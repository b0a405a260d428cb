"""Dumping without marshmallow's per-field machinery: a plan compiled once per schema.

marshmallow spends ~17 µs per object on its general dump path (field lookup, accessor,
missing-value handling), which makes a 100-item page cost milliseconds. For schemas built
only from the plain fields below, the same output comes from one getter and one converter
per field: by attribute for objects and named rows, by key for mappings (a database row
read as a mapping is the cheapest to read). tests/test_dump_plan.py proves the two equal,
object by object.

A schema may also name the fields that identify one stored version of a row
(`representation_key`, e.g. id, version and creation time): database rows with the same
values then dump once and are served from a small cache (a list page re-read costs one dict
lookup per row instead of one dump). Only SQLAlchemy rows are cached: they are snapshots of
what was stored, so equal keys mean equal rows as long as every change bumps the version.
Objects and dicts, which may have changed since they were read, always dump afresh.
"""

import contextlib
import datetime as dt
import functools
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import marshmallow as ma
from marshmallow import fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import ensure_text_type
from sqlalchemy.engine import Row, RowMapping

Converter = Callable[[Any], Any]
Steps = list[tuple[str, Callable[[Any], Any], Converter]]
# Rows kept per schema instance: a row is ~1 KB dumped (at most ~16 KB with a full `data`).
CACHED_ROWS = 1024


class Plan(NamedTuple):
    by_attribute: Steps
    by_key: Steps | None  # None when a field reads a dotted (nested) attribute
    # The schema's representation_key read from a Row (by attribute) and a RowMapping (by
    # key), and the dumps by that key; all None when the schema names no key.
    key_of_row: Callable[[Row], Hashable] | None = None
    key_of_mapping: Callable[[RowMapping], Hashable] | None = None
    cache: OrderedDict[Hashable, dict] | None = None


def _string(value: Any) -> Any:
    return value if value is None or type(value) is str else ensure_text_type(value)


def _integer(value: Any) -> Any:
    return None if value is None else int(value)


def _iso_datetime(value: Any) -> Any:
    return None if value is None else dt.datetime.isoformat(value)


def _mapping_copy(value: Any) -> Any:
    return None if value is None else dict(value)


def _string_keyed_mapping(value: Any) -> Any:
    return None if value is None else {str(key): item for key, item in value.items()}


def _converter(field: fields.Field) -> Converter | None:
    """The plain function equal to this field's serialization, or None if there is none."""
    kind = type(field)
    if issubclass(kind, fields.String) and kind._serialize is fields.String._serialize:
        return _string
    if issubclass(kind, fields.Integer) and kind._serialize is fields.Number._serialize:
        return None if field.as_string else _integer
    if issubclass(kind, fields.DateTime) and kind._serialize is fields.DateTime._serialize:
        iso = (field.format or field.DEFAULT_FORMAT) == "iso"
        return _iso_datetime if iso and kind is not fields.NaiveDateTime else None
    if kind is fields.Dict and field.value_field is None:
        if field.key_field is None:
            return _mapping_copy
        if type(field.key_field) is fields.String:
            return _string_keyed_mapping
    return None


def compile_plan(schema: ma.Schema) -> Plan | None:
    """(key, getter, converter) for each dumped field, or None if marshmallow must dump."""
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return None
    by_attribute, by_key, nested = [], [], False
    for name, field in schema.dump_fields.items():
        convert = _converter(field)
        if convert is None or field.dump_default is not ma.missing:
            return None
        key = field.data_key if field.data_key is not None else name
        attribute = field.attribute or name
        by_attribute.append((key, attrgetter(attribute), convert))
        by_key.append((key, itemgetter(attribute), convert))
        nested = nested or "." in attribute
    if nested or not schema.representation_key:
        return Plan(by_attribute, None if nested else by_key)
    names = schema.representation_key
    return Plan(by_attribute, by_key, attrgetter(*names), itemgetter(*names), OrderedDict())


@functools.cache
def _read_by_attribute(kind: type) -> bool:
    """Whether marshmallow reads objects of this class by attribute: those without item
    access, and named rows (SQLAlchemy's Row, named tuples), whose row[name] raises so that
    marshmallow falls back to getattr."""
    return not hasattr(kind, "__getitem__") or hasattr(kind, "_fields")


class PlannedDumpSchema(ma.Schema):
    """A schema whose dump follows its compiled plan when it has one (same output)."""

    _dump_plan: Plan | None
    # Names of the attributes that identify one stored version of a row (see the top).
    representation_key: tuple[str, ...] = ()

    def dump(self, obj: Any, *, many: bool | None = None):
        plan = self.__dict__.get("_dump_plan", ...)
        if plan is ...:
            plan = self._dump_plan = compile_plan(self)
        many = self.many if many is None else bool(many)
        if plan is None:
            return super().dump(obj, many=many)
        if many:
            return [self._dump_one(plan, item) for item in obj]
        return self._dump_one(plan, obj)

    def _dump_one(self, plan: Plan, obj: Any) -> dict:
        # marshmallow skips absent attributes and keys, and reads other indexable objects
        # its own way: leave those to it.
        try:
            if plan.cache is not None and isinstance(obj, (Row, RowMapping)):
                return self._dump_row_cached(plan, obj)
            if isinstance(obj, Mapping) and plan.by_key is not None:
                return {key: convert(get(obj)) for key, get, convert in plan.by_key}
            if _read_by_attribute(type(obj)):
                return {key: convert(get(obj)) for key, get, convert in plan.by_attribute}
        except (AttributeError, KeyError):
            pass
        return super().dump(obj, many=False)

    def _dump_row_cached(self, plan: Plan, row: Row | RowMapping) -> dict:
        by_key = isinstance(row, RowMapping)
        key = plan.key_of_mapping(row) if by_key else plan.key_of_row(row)
        dumped = plan.cache.get(key)
        if dumped is None:
            steps = plan.by_key if by_key else plan.by_attribute
            dumped = {name: convert(get(row)) for name, get, convert in steps}
            if len(plan.cache) >= CACHED_ROWS:
                # The oldest goes, in one step: another thread may be changing the cache.
                with contextlib.suppress(KeyError):
                    plan.cache.popitem(last=False)
            plan.cache[key] = dumped
        return dumped
