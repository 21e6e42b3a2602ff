"""Rendering draft templates in a sandbox: no attribute tricks, no undefined variables.

The `SandboxedEnvironment` refuses access to underscored attributes and internals
(`__class__`, `__globals__`, …), and the environment has no loader, so `{% import %}` and
`{% include %}` cannot reach files. Templates are compiled once and cached by text.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, Template, TemplateSyntaxError
from jinja2 import TemplateError as JinjaError

from keepwarm.errors import TemplateError
from keepwarm.mailsafety import one_line
from keepwarm.rules.sandbox import BoundedEnvironment


class _NoLoader(BaseLoader):
    """Refuses every `import`/`include`/`extends`: templates are self-contained."""

    def get_source(self, environment: Any, template: str) -> Any:
        raise JinjaError(f"templates cannot import or include other files ({template!r})")


_ENV = BoundedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, loader=_NoLoader()
)


@lru_cache(maxsize=512)
def compile_template(template: str) -> Template:
    """Compile once; raises jinja2's TemplateSyntaxError (with `lineno`) on bad syntax.

    Rendering is bounded (`keepwarm.rules.sandbox`); so is compiling: a template nested too
    deeply for the parser is a syntax error, not a RecursionError.
    """
    try:
        return _ENV.from_string(template)
    except JinjaError:
        raise
    except (Exception, RecursionError, MemoryError) as exc:
        raise TemplateSyntaxError(f"template cannot be compiled ({type(exc).__name__})", 1) from None


def render(template: str, context: Mapping[str, Any], *, where: str) -> str:
    try:
        return compile_template(template).render(**context)
    except JinjaError as exc:
        line = getattr(exc, "lineno", None)
        at = f"{where}:{line}" if line else where
        raise TemplateError(f"{at}: template error: {exc}") from None


def render_subject(template: str, context: Mapping[str, Any], *, where: str) -> str:
    """A subject is one line: line breaks, separators and controls collapse to spaces."""
    return one_line(render(template, context, where=where))


def render_body(template: str, context: Mapping[str, Any], *, where: str, signature: str) -> str:
    """Plain text, ending with the owner's signature after the standard `-- ` separator."""
    body = render(template, context, where=where).strip() + "\n"
    if signature.strip():
        body += "\n-- \n" + signature.strip() + "\n"
    return body
