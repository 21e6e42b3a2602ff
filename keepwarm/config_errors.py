"""Turning a pydantic `ValidationError` over keepwarm.toml into lines a person can act on.

Each problem is named by its key as written in the file (`accounts.0.mail[1]`, without the
`kind` tag pydantic adds for account types), and a misspelt key gets the closest real one:
`accounts.0.mial: unknown key; did you mean 'mail'?`.
"""

from __future__ import annotations

import difflib
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from keepwarm.redact import is_secret_name


def describe(path: Path, exc: ValidationError, model: type[BaseModel]) -> str:
    """One header line and one line per problem, most useful wording first."""
    errors = exc.errors()
    lines = [f"{path}: invalid configuration ({len(errors)} problem(s)):"]
    for error in errors:
        key, allowed = _locate(model, tuple(error["loc"]))
        lines.append(f"  {key or '(top level)'}: {_message(error, key, allowed)}")
    return "\n".join(lines)


def _message(error: Any, key: str, allowed: list[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        name = key.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        if close:
            return f"unknown key; did you mean {close[0]!r}?"
        return "unknown key; allowed here: " + ", ".join(allowed)
    if kind == "missing":
        return "required but missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    if shown and is_secret_name(key):
        shown = " (value hidden: it is a credential)"
    return f"{message}{shown}"


def _locate(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, list[str]]:
    """The key as the user wrote it, and the keys allowed where its last part sits."""
    key = ""
    current: Any = model
    allowed: list[str] = _fields(model)
    for part in loc:
        current = _unwrap(current)
        options = _union_members(current)
        if options and isinstance(part, str):
            picked = _by_tag(options, part)
            if picked is not None:  # the discriminator tag pydantic inserts: not a key
                current = picked
                allowed = _fields(picked)
                continue
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            allowed = _fields(current)
            field = current.model_fields.get(part)
            key = f"{key}.{part}" if key else part
            current = field.annotation if field is not None else None
        elif get_origin(current) is list and isinstance(part, int):
            (item,) = get_args(current) or (Any,)
            nested = _unwrap(item)
            is_table = _union_members(nested) or (
                isinstance(nested, type) and issubclass(nested, BaseModel)
            )
            key = f"{key}.{part}" if is_table else f"{key}[{part}]"
            current = item
        else:
            key = f"{key}.{part}" if key else str(part)
            current = None
    return key, allowed


def _fields(model: type[BaseModel]) -> list[str]:
    return [name for name, f in model.model_fields.items() if not f.exclude]


def _unwrap(annotation: Any) -> Any:
    """`Annotated[X, …]` → X; `X | None` → X."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _union_members(annotation: Any) -> list[type[BaseModel]]:
    if get_origin(annotation) not in (Union, types.UnionType):
        return []
    return [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]


def _by_tag(options: list[type[BaseModel]], tag: str) -> type[BaseModel] | None:
    for option in options:
        kind = option.model_fields.get("kind")
        if (
            kind is not None
            and get_origin(kind.annotation) is Literal
            and tag in get_args(kind.annotation)
        ):
            return option
    return None
