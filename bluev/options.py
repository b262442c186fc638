"""Options dataclasses that are also the CLI's options: each option is written once.

A verb's options are a dataclass (validated in ``__post_init__``, as ExecuTorch's
``LlmConfig`` is); each field that the command line sets carries its flag's help in
``cli(...)``. ``bluev.cli`` turns those fields into click options and passes what click
parsed straight to the dataclass, so a flag's name, default, help and check live in one
place. This module imports nothing heavy: the CLI reads the dataclasses at start-up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CliSpec:
    """How one dataclass field appears on the command line."""

    help: str
    flag: str | None = None  # default: --field-name
    choices: tuple[str, ...] | None = None
    parse: Callable[[str], Any] | None = None  # text -> field value (e.g. "llm,vision" -> tuple)
    multiple: bool = False  # repeatable flag, collected into a tuple
    argument: bool = False  # a positional argument instead of a flag
    metavar: str | None = None
    secondary: str | None = None  # "--x/--no-x" style boolean: the off flag
    minimum: int | float | None = None
    maximum: int | float | None = None
    show_default: bool = True


def cli(default: Any = dataclasses.MISSING, *, help: str, **spec: Any) -> Any:
    """A dataclass field the command line sets (``default`` as in ``dataclasses.field``)."""
    metadata = {"cli": CliSpec(help=help, **spec)}
    if isinstance(default, list | dict | set):
        raise TypeError("mutable default: use a tuple")
    return dataclasses.field(default=default, metadata=metadata)


def cli_list(help: str) -> Any:
    """A comma-separated list flag (``--components llm,vision``); empty means "all"."""
    return cli((), parse=split_list, metavar="LIST", show_default=False, help=help)


def cli_fields(cls: type) -> list[tuple[dataclasses.Field, CliSpec]]:
    """The fields of ``cls`` that carry a ``cli(...)`` spec, in declaration order."""
    return [(f, f.metadata["cli"]) for f in dataclasses.fields(cls) if "cli" in f.metadata]


def split_list(text: str | None) -> tuple[str, ...]:
    """``"llm, vision"`` -> ``("llm", "vision")``; empty or None -> ``()``."""
    return tuple(part.strip() for part in text.split(",") if part.strip()) if text else ()
