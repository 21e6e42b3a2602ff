"""Rendering draft templates in a sandbox: no attribute tricks, no undefined variables.

The `SandboxedEnvironment` refuses access to underscored attributes and internals
(`__class__`, `__globals__`, …), and the environment has no loader, so `{% import %}` and
`{% include %}` cannot reach files. Templates are compiled once and cached by text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def render_body(
    template: str,
    context: Mapping[str, Any],
    *,
    where: str,
    signature: str,
    owner_names: Sequence[str] = (),
) -> str:
    """Plain text, ending with the owner's signature.

    A signature that starts with the owner's name replaces the name the template signs with
    ("Best wishes,\nAda" + "Ada Lovelace\nAnalytical" reads "Best wishes,\nAda Lovelace\n…",
    never the name twice); any other signature follows the standard `-- ` separator.
    """
    body = render(template, context, where=where).strip()
    sig = signature.strip()
    if not sig:
        return body + "\n"
    head, _, last = body.rpartition("\n")
    names = {n.strip().casefold() for n in owner_names if n.strip()}
    first_line = sig.splitlines()[0].casefold()
    if (
        head
        and last.strip().rstrip(".,!").casefold() in names
        and any(n in first_line for n in names)
    ):
        return head.rstrip() + "\n" + sig + "\n"
    return body + "\n\n-- \n" + sig + "\n"
