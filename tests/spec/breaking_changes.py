"""Breaking changes between two OpenAPI 3.1 documents, allowed only with a major version bump;
new operations, only with at least a minor one (semantic versioning)."""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# A breaking finding the team decided to ship in a minor version (a correction of what the
# server did against the standard it cites), each with its reason; emptied at each release.
ACCEPTED_CHANGES = Path(__file__).resolve().parents[2] / "openapi" / "accepted-changes.json"
HOW_TO_PROCEED = (
    "Restore compatibility, or bump the major number of API_SETTINGS['API_VERSION'] in "
    "service/config.py (the minor number for new operations) and regenerate "
    "openapi/openapi.json. After each release, copy openapi/openapi.json to "
    "openapi/released/openapi.json."
)


def resolve(spec: dict, node):
    """Follow local `$ref`s until a real node is reached."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot resolve $ref {ref!r}")
        seen.add(ref)
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def operations(spec: dict) -> dict[tuple[str, str], dict]:
    """Every operation by (METHOD, path), with the path item's parameters folded in."""
    found = {}
    for path, item in spec.get("paths", {}).items():
        item = resolve(spec, item)
        for method in METHODS:
            if method in item:
                params = [*item.get("parameters", []), *item[method].get("parameters", [])]
                resolved = [resolve(spec, param) for param in params]
                # An operation's parameter overrides the path item's one of the same name and in.
                by_key = {(param["in"], param["name"]): param for param in resolved}
                found[(method.upper(), path)] = {**item[method], "parameters": by_key}
    return found


@dataclass
class Comparison:
    """Both documents, so schemas from either side resolve against their own components."""

    old: dict
    new: dict
    # The schema pairs being compared further up, so a recursive schema ends.
    stack: set = field(default_factory=set)

    def schema(self, old, new, where: str, is_request: bool, prop: str = "") -> list[str]:
        """What breaks a client in one schema: requests may only widen, responses only narrow."""
        old, new = resolve(self.old, old), resolve(self.new, new)
        key = (id(old), id(new), where, is_request)
        if key in self.stack:
            return []
        self.stack.add(key)
        findings = self._schema(old, new, where, is_request, prop)
        self.stack.discard(key)
        return findings

    def _schema(self, old: dict, new: dict, where: str, is_request: bool, prop: str) -> list[str]:
        label = f"{where} field '{prop}'" if prop else where
        findings = _type_change(old, new, label, is_request)
        if is_request:
            findings += _request_object_changes(old, new, where, prop)
            findings += _narrower_values(old, new, label)
            gone = set(old.get("enum", [])) - set(new.get("enum", old.get("enum", [])))
            findings += [f"{label} no longer accepts {value!r}" for value in sorted(gone, key=str)]
        else:
            findings += _response_object_changes(old, new, where, prop)
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name in sorted(old_props.keys() & new_props.keys()):
            inner = _join(prop, name)
            findings += self.schema(old_props[name], new_props[name], where, is_request, inner)
        if "items" in old and "items" in new:
            findings += self.schema(old["items"], new["items"], where, is_request, f"{prop}[]")
        return findings

    def content(self, old: dict, new: dict, where: str, is_request: bool) -> list[str]:
        """Compare the schema of every media type the old document had."""
        findings = []
        for media, old_media in resolve(self.old, old).get("content", {}).items():
            new_media = resolve(self.new, new).get("content", {}).get(media)
            if new_media is None:
                findings.append(f"{where} no longer has media type {media}")
                continue
            old_schema, new_schema = old_media.get("schema", {}), new_media.get("schema", {})
            findings += self.schema(old_schema, new_schema, where, is_request)
        return findings

    def parameters(self, old_op: dict, new_op: dict, where: str) -> list[str]:
        findings = []
        old_params, new_params = old_op["parameters"], new_op["parameters"]
        for key, param in new_params.items():
            was_required = key in old_params and old_params[key].get("required", False)
            if param.get("required", False) and not was_required:
                state = "is now required" if key in old_params else "is new and required"
                findings.append(f"{where}: {key[0]} parameter '{key[1]}' {state}")
        for key, old_param in old_params.items():
            label = f"{where}: {key[0]} parameter '{key[1]}'"
            if key not in new_params:
                # The server ignores what it no longer declares: a filter sent is silently dropped.
                findings.append(f"{label} removed")
                continue
            old_schema, new_schema = _param_schema(old_param), _param_schema(new_params[key])
            findings += self.schema(old_schema, new_schema, label, is_request=True)
        return findings

    def request_body(self, old_op: dict, new_op: dict, where: str) -> list[str]:
        old_body = resolve(self.old, old_op.get("requestBody", {}))
        new_body = resolve(self.new, new_op.get("requestBody", {}))
        findings = []
        if new_body.get("required", False) and not old_body.get("required", False):
            findings.append(f"{where}: request body is now required")
        return findings + self.content(old_body, new_body, f"{where}: request body", True)

    def responses(self, old_op: dict, new_op: dict, where: str) -> list[str]:
        findings = []
        for status, old_response in old_op.get("responses", {}).items():
            new_response = new_op.get("responses", {}).get(status)
            if new_response is None:
                findings.append(f"{where}: response {status} removed")
                continue
            label = f"{where}: response {status}"
            findings += self.content(old_response, new_response, label, is_request=False)
            findings += self.headers(old_response, new_response, label)
        return findings

    def headers(self, old_response: dict, new_response: dict, where: str) -> list[str]:
        old_headers = resolve(self.old, old_response).get("headers", {})
        new_headers = resolve(self.new, new_response).get("headers", {})
        findings = []
        for name, old_header in old_headers.items():
            old_header = resolve(self.old, old_header)
            if old_header.get("required", False) and name not in new_headers:
                findings.append(f"{where} header '{name}' removed")
        return findings


def _param_schema(param: dict) -> dict:
    if "schema" in param:
        return param["schema"]
    return next(iter(param.get("content", {}).values()), {}).get("schema", {})


def _join(prop: str, name: str) -> str:
    return f"{prop}.{name}" if prop else name


def _types(schema: dict) -> set[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    return {kind} if isinstance(kind, str) else set(kind)


def _type_change(old: dict, new: dict, label: str, is_request: bool) -> list[str]:
    old_types, new_types = _types(old), _types(new)
    if old_types is None or new_types is None:
        return []
    # A request may accept more types than before, a response may send fewer; nothing else.
    narrower, wider = (old_types, new_types) if is_request else (new_types, old_types)
    if narrower <= wider:
        return []
    return [
        f"{label} changed type {' | '.join(sorted(old_types))} -> {' | '.join(sorted(new_types))}"
    ]


def _narrower_values(old: dict, new: dict, label: str) -> list[str]:
    """A request value the old document allowed that the new one refuses: a new pattern, or
    a bound that is new or tighter."""
    findings = []
    if "pattern" in new and new["pattern"] != old.get("pattern"):
        findings.append(f"{label} must now match `{new['pattern']}`")
    for bound, tighter in (
        ("maxLength", min),
        ("maximum", min),
        ("minLength", max),
        ("minimum", max),
    ):
        if bound in new and (bound not in old or tighter(old[bound], new[bound]) != old[bound]):
            findings.append(f"{label} now has {bound} {new[bound]}")
    return findings


def _request_object_changes(old: dict, new: dict, where: str, prop: str) -> list[str]:
    findings = []
    old_props = old.get("properties", {})
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        state = "is now required" if name in old_props else "is new and required"
        findings.append(f"{where} field '{_join(prop, name)}' {state}")
    # additionalProperties false: the server now refuses a field that clients may still send.
    if new.get("additionalProperties") is False:
        gone = sorted(old_props.keys() - new.get("properties", {}).keys())
        findings += [f"{where} field '{_join(prop, name)}' is no longer accepted" for name in gone]
    return findings


def _response_object_changes(old: dict, new: dict, where: str, prop: str) -> list[str]:
    findings = []
    new_props = new.get("properties", {})
    for name in sorted(old.get("properties", {}).keys() - new_props.keys()):
        findings.append(f"{where} field '{_join(prop, name)}' removed")
    for name in sorted(set(old.get("required", [])) - set(new.get("required", []))):
        if name in new_props:
            findings.append(f"{where} field '{_join(prop, name)}' is no longer always present")
    return findings


def breaking_changes(old: dict, new: dict) -> list[str]:
    """Every change in `new` that can break a client written against `old`, in a sentence each."""
    compare = Comparison(old, new)
    new_operations = operations(new)
    findings = []
    for (method, path), old_op in operations(old).items():
        where = f"{method} {path}"
        new_op = new_operations.get((method, path))
        if new_op is None:
            findings.append(f"removed operation {where} ({old_op.get('operationId', '-')})")
            continue
        findings += compare.parameters(old_op, new_op, where)
        findings += compare.request_body(old_op, new_op, where)
        findings += compare.responses(old_op, new_op, where)
    # One schema may serve several media types (JSON and form): say each finding once.
    return list(dict.fromkeys(findings))


def added_operations(old: dict, new: dict) -> list[str]:
    old_operations = operations(old)
    return [
        f"added operation {method} {path} ({operation.get('operationId', '-')})"
        for (method, path), operation in operations(new).items()
        if (method, path) not in old_operations
    ]


def major_version(spec: dict) -> int:
    return int(spec["info"]["version"].split(".")[0])


def minor_version(spec: dict) -> tuple[int, int]:
    major, minor, *_ = spec["info"]["version"].split(".")
    return int(major), int(minor)


def accepted_changes(path: Path, version: str) -> set[str]:
    """The breaking findings the team accepted for this version (see ACCEPTED_CHANGES)."""
    if not path.exists():
        return set()
    document = json.loads(path.read_text(encoding="utf-8"))
    if document["version"] != version:
        return set()
    return {entry["change"] for entry in document["accepted"]}


def gate(old: dict, new: dict, accepted: set[str] = frozenset()) -> tuple[bool, list[str]]:
    """(passes, findings): breaking findings pass only when the major version went up (or
    the team accepted them for a minor one), new operations only when the major or minor
    version did."""
    findings = breaking_changes(old, new)
    unaccepted = [finding for finding in findings if finding not in accepted]
    if unaccepted:
        return major_version(new) > major_version(old), unaccepted
    added = added_operations(old, new)
    if (added or findings) and minor_version(new) <= minor_version(old):
        needs = [*findings, *added]
        return False, [f"{change} without a minor version bump" for change in needs]
    return True, []


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m tests.spec.breaking_changes RELEASED.json CURRENT.json")
        return 2
    old, new = (json.loads(Path(path).read_text(encoding="utf-8")) for path in argv)
    passes, findings = gate(old, new, accepted_changes(ACCEPTED_CHANGES, new["info"]["version"]))
    for finding in findings:
        print(f"breaking: {finding}")
    versions = f"{old['info']['version']} -> {new['info']['version']}"
    if not findings:
        print(f"no breaking change ({versions})")
    elif passes:
        print(f"{len(findings)} breaking change(s) allowed by the major version bump ({versions})")
    else:
        print(f"{len(findings)} change(s) without the version bump they need ({versions}).")
        print(HOW_TO_PROCEED)
    return 0 if passes else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
