"""Frozen dataclasses to and from JSON, checked field by field, and their JSON Schema.

Small on purpose: the types the manifest uses (int, float, str, bool, None, lists, string-keyed
dicts, tuples, unions and nested dataclasses) and nothing else. Every field is written and every
field must be present when read, so the schema, the Python reader and the Java and C++ readers
agree on one shape. Errors name the field's path, e.g. ``llm.chunk_size: expected an integer``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache

from bluev.errors import BadInput

JSON_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
SCHEMA_TYPES = {int: "integer", float: "number", str: "string", bool: "boolean"}


@cache
def field_types(cls: type) -> dict[str, object]:
    """A dataclass's fields and their resolved annotations, in declaration order."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def to_json(value: object) -> object:
    """Dataclasses become objects (every field), tuples become lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_json(getattr(value, name)) for name in field_types(type(value))}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(tp: object, data: object, path: str = "") -> typing.Any:
    """``data`` (parsed JSON) as type ``tp``; ValueError naming the field on any mismatch."""
    where = path or "manifest"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return from_union(args, data, path)
    if tp is type(None):
        if data is not None:
            raise ValueError(f"{where}: expected null, got {brief(data)}")
        return None
    if tp in JSON_NAMES:
        return from_scalar(tp, data, where)
    if origin is list:
        return [from_json(args[0], v, f"{path}[{i}]") for i, v in enumerate(expect(list, data, where))]
    if origin is tuple:
        items = expect(list, data, where)
        kinds = [args[0]] * len(items) if len(args) == 2 and args[1] is Ellipsis else list(args)
        if len(kinds) != len(items):
            raise ValueError(f"{where}: expected {len(kinds)} items, got {len(items)}")
        return tuple(
            from_json(k, v, f"{path}[{i}]") for i, (k, v) in enumerate(zip(kinds, items, strict=True))
        )
    if origin is dict:
        obj = expect(dict, data, where)
        return {k: from_json(args[1], v, f"{path}.{k}" if path else k) for k, v in obj.items()}
    if dataclasses.is_dataclass(tp):
        return from_object(tp, data, path)
    raise TypeError(f"{where}: no JSON mapping for type {tp!r}")


def from_union(options: tuple, data: object, path: str) -> object:
    if data is None and type(None) in options:
        return None
    errors = []
    for option in (o for o in options if o is not type(None)):
        try:
            return from_json(option, data, path)
        except ValueError as exc:
            errors.append(str(exc))
    if len(errors) == 1:
        raise ValueError(errors[0])
    names = " or ".join(type_name(o) for o in options)
    raise ValueError(f"{path or 'manifest'}: expected {names}, got {brief(data)}")


def from_scalar(tp: type, data: object, where: str) -> object:
    if tp is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if not isinstance(data, tp) or (tp is int and isinstance(data, bool)):
        raise ValueError(f"{where}: expected {JSON_NAMES[tp]}, got {brief(data)}")
    return data


def from_object(cls: type, data: object, path: str) -> object:
    where = path or "manifest"
    obj = expect(dict, data, where)
    fields = field_types(cls)
    unknown = [k for k in obj if k not in fields]
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")
    missing = [k for k in fields if k not in obj]
    if missing:
        raise ValueError(f"{where}: missing field {missing[0]!r}")
    values = {k: from_json(tp, obj[k], f"{path}.{k}" if path else k) for k, tp in fields.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError, BadInput) as exc:  # a section's own __post_init__ check
        raise ValueError(f"{where}: {exc}") from None


def expect(kind: type, data: object, where: str) -> typing.Any:
    if not isinstance(data, kind):
        raise ValueError(f"{where}: expected {'a list' if kind is list else 'an object'}, got {brief(data)}")
    return data


def brief(data: object) -> str:
    text = repr(data)
    return text if len(text) <= 40 else text[:37] + "..."


def type_name(tp: object) -> str:
    if tp in JSON_NAMES:
        return JSON_NAMES[tp]
    if dataclasses.is_dataclass(tp):
        return f"an object ({tp.__name__})"
    origin = typing.get_origin(tp)
    return "a list" if origin in (list, tuple) else "an object" if origin is dict else str(tp)


# --- JSON Schema (draft 2020-12) --------------------------------------------------------------


def json_schema(root: type, title: str) -> dict:
    """The schema of dataclass ``root``: every dataclass under it becomes one entry of $defs."""
    defs: dict[str, dict] = {}
    schema_of(root, defs)
    top = defs.pop(root.__name__)  # the root's own entry becomes the document itself
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **top,
        "$defs": dict(sorted(defs.items())),
    }


def schema_of(tp: object, defs: dict[str, dict]) -> dict:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [schema_of(a, defs) for a in args]}
    if tp is type(None):
        return {"type": "null"}
    if tp in SCHEMA_TYPES:
        return {"type": SCHEMA_TYPES[tp]}
    if origin in (list, tuple):
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            items = [schema_of(a, defs) for a in args]
            return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
        return {"type": "array", "items": schema_of(args[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": schema_of(args[1], defs)}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: a recursive type refers to itself
            fields = field_types(tp)
            doc = (tp.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
            defs[name] = {
                **({"description": " ".join(doc.split())} if doc and not doc.startswith(name + "(") else {}),
                "type": "object",
                "properties": {k: schema_of(v, defs) for k, v in fields.items()},
                "required": list(fields),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for type {tp!r}")
