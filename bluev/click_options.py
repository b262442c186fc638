"""click parameters made from options dataclasses (bluev/options.py), and the dataclass made back.

``@options_of(ExportOptions)`` adds one click option (or argument) per ``cli(...)`` field,
nested option dataclasses (a ``SamplerConfig`` inside ``RunOptions``) flattened into the
same command; ``options_from(ExportOptions, params)`` builds the dataclass from what click
parsed, which runs its ``__post_init__`` checks.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bluev.options import CliSpec, cli_fields

Command = TypeVar("Command", bound=Callable[..., Any])
T = TypeVar("T")


def options_of(cls: type) -> Callable[[Command], Command]:
    """Decorator: the click parameters of every cli() field of ``cls``, in declaration order."""
    params = list(click_params(cls))

    def decorate(fn: Command) -> Command:
        for param in reversed(params):
            fn = param(fn)
        return fn

    return decorate


def options_from(cls: type[T], params: dict[str, Any]) -> T:
    """``cls`` built from click's parsed values (consumed from ``params``)."""
    values = {}
    for f, tp in init_fields(cls):
        if nested(tp):
            values[f.name] = options_from(tp, params)
        elif "cli" in f.metadata:
            values[f.name] = params.pop(f.name)
    return cls(**values)


def init_fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, hints[f.name]) for f in dataclasses.fields(cls) if f.init]


def nested(tp: object) -> bool:
    """An options dataclass inside another one (its flags join the outer command's)."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and bool(cli_fields(tp))


def click_params(cls: type) -> list[Callable]:
    out: list[Callable] = []
    for f, tp in init_fields(cls):
        if nested(tp):
            out += click_params(tp)
        elif "cli" in f.metadata:
            out.append(click_param(f, f.metadata["cli"], tp))
    return out


def click_param(f: dataclasses.Field, spec: CliSpec, tp: object) -> Callable:
    base = strip_optional(tp)
    required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    default = None if required else f.default
    if spec.argument:
        return click.argument(f.name, required=required, type=click_type(base, spec), metavar=spec.metavar)
    flag = spec.flag or "--" + f.name.replace("_", "-")
    kwargs: dict[str, Any] = {"help": spec.help, "required": required, "metavar": spec.metavar}
    if base is bool:
        decl = f"{flag}/{spec.secondary}" if spec.secondary else flag
        # a None default is a third state, "not given" (the preset decides): passed on as None
        flag_default = None if default is None else bool(default)
        return click.option(
            decl, f.name, is_flag=True, default=flag_default, show_default=default is not None, **kwargs
        )
    if spec.parse is not None:  # free text turned into the field's value (e.g. "llm,vision")
        parse = spec.parse
        kwargs["callback"] = lambda _ctx, _param, value: parse(value) if value is not None else default
        return click.option(flag, f.name, type=str, default=None, **kwargs)
    if spec.multiple:
        element = typing.get_args(base)[0]
        kwargs.update(multiple=True, type=click_type(element, spec), default=default)
    else:
        kwargs.update(type=click_type(base, spec), default=default)
    kwargs["show_default"] = spec.show_default and default not in (None, ())
    return click.option(flag, f.name, **kwargs)


def strip_optional(tp: object) -> object:
    """``X | None`` -> ``X``."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def click_type(tp: object, spec: CliSpec) -> click.ParamType | type:
    if spec.choices is not None:
        return click.Choice(list(spec.choices))
    if tp is Path:
        return click.Path(path_type=Path)
    bounded = spec.minimum is not None or spec.maximum is not None
    if tp is int:
        return click.IntRange(spec.minimum, spec.maximum) if bounded else click.INT
    if tp is float:
        return click.FloatRange(spec.minimum, spec.maximum) if bounded else click.FLOAT
    if tp is str:
        return click.STRING
    raise TypeError(f"no click type for {tp!r}")
