"""Rendering draft templates in a sandbox: no attribute tricks, no undefined variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

from keepwarm.errors import TemplateError

_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


def render(template: str, context: Mapping[str, Any], *, where: str) -> str:
    try:
        return _ENV.from_string(template).render(**context)
    except JinjaError as exc:
        line = getattr(exc, "lineno", None)
        at = f"{where}:{line}" if line else where
        raise TemplateError(f"{at}: template error: {exc}") from None


def render_subject(template: str, context: Mapping[str, Any], *, where: str) -> str:
    """A subject is one line: CR/LF collapse to spaces so no header can be injected."""
    return " ".join(render(template, context, where=where).split())


def render_body(template: str, context: Mapping[str, Any], *, where: str, signature: str) -> str:
    body = render(template, context, where=where).strip() + "\n"
    if signature.strip():
        body += "\n-- \n" + signature.strip() + "\n"
    return body
