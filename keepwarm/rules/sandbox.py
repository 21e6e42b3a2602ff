"""A Jinja sandbox whose every render finishes: bounded work, bounded sizes, one error type.

Templates are user data, and a rule file that passed `rules check` may still hold
`{{ 'a' * 10**10 }}` under a rare condition. So, by construction rather than by a clock:

- every render has a work budget (`MAX_WORK`): each loop iteration costs one unit, each call,
  filter and arithmetic operator costs one plus the size of what it touches and returns; a render
  that runs out stops with "too much work" however its loops nest;
- no value grows past `MAX_SIZE` characters or items (`'a' * 10**10`, `lipsum(10**8)`,
  `'x'.center(10**9)`, `'{:>999999999}'.format(1)` are refused *before* they allocate), no integer
  past `MAX_INT_BITS` bits (`n ** 99999999`), and the output past `MAX_OUTPUT` characters;
- any exception while rendering (ZeroDivisionError, RecursionError, MemoryError, …) becomes a
  jinja `TemplateRuntimeError` naming it, with the template's traceback kept for the line number.

Loops are charged by the code generator wrapping each `{% for %}` iterable; concatenation (`~`)
is size-checked the same way. Pure: no clock, no threads, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import wraps
from typing import Any

from jinja2 import TemplateError as JinjaError
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import Template
from jinja2.exceptions import TemplateRuntimeError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

#: Work units one render may spend (loop iterations, calls, sizes touched).
MAX_WORK = 1_000_000
#: Characters or items any one value may hold.
MAX_SIZE = 100_000
#: Characters a rendered template may produce.
MAX_OUTPUT = 100_000
#: Bits an integer may have (a 30,000-digit number).
MAX_INT_BITS = 100_000
#: str methods whose integer arguments are output sizes.
_SIZING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
#: Filters whose integer arguments are output sizes or counts of pieces.
_SIZING_FILTERS = frozenset({"center", "indent", "wordwrap", "slice", "batch", "truncate"})
#: A format width or precision of six digits or more, or one taken from the arguments (`*`).
_WIDE_FORMAT = re.compile(r"%[-#0 +]*(?:\*|\d{6,})|%[-#0 +]*\d*\.(?:\*|\d{6,})|[:>.<^=]\s*\d{6,}")

_NESTED_FIELD = re.compile(r"\{[^{}]*\{")


class TemplateLimit(TemplateRuntimeError):
    """A render went past one of the bounds above."""


class TemplateFailure(TemplateRuntimeError):
    """A render raised a Python exception (ZeroDivisionError, …), named in the message."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_WORK

    def spend(self, units: int) -> None:
        self.left -= units
        if self.left < 0:
            raise TemplateLimit(
                f"too much work: the template ran more than {MAX_WORK:,} loop steps and "
                "operations; look for nested loops over long lists"
            )


_BUDGET: ContextVar[_Budget | None] = ContextVar("keepwarm_template_budget", default=None)


def _spend(units: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(units)


def _weight(value: Any) -> int:
    """Characters or items in `value`, one level deep (a list of long strings weighs their sum)."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, list | tuple | dict | set | frozenset):
        total = len(value)
        if isinstance(value, list | tuple) and total <= MAX_SIZE:
            total += sum(len(item) for item in value if isinstance(item, str | bytes))
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 64
    return 1


def _checked(value: Any) -> Any:
    """`value`, once it is known to be within the size bounds."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_INT_BITS:
            raise TemplateLimit(f"number too large (more than {MAX_INT_BITS:,} bits)")
    elif _weight(value) > MAX_SIZE:
        raise TemplateLimit(f"value too large (more than {MAX_SIZE:,} characters or items)")
    _spend(1 + _weight(value))
    return value


def _no_huge_ints(values: Iterable[Any], what: str) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
            raise TemplateLimit(f"{what}: size {value:,} is too large (at most {MAX_SIZE:,})")


def _no_wide_format(text: Any, what: str) -> None:
    if isinstance(text, str) and _WIDE_FORMAT.search(text):
        raise TemplateLimit(f"{what}: format width too large (at most {MAX_SIZE:,})")


def _before_binop(operator: str, left: Any, right: Any) -> None:
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (left, right))
    if operator == "**" and ints and right > 0:
        if max(1, abs(left).bit_length() - 1) * right > MAX_INT_BITS and abs(left) > 1:
            raise TemplateLimit(f"number too large: {left} ** {right}")
    elif operator == "*" and ints:
        if abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS:
            raise TemplateLimit("number too large (multiplication)")
    elif operator == "*":
        count, seq = (right, left) if isinstance(right, int) else (left, right)
        if isinstance(count, int) and count > 0 and _weight(seq) * count > MAX_SIZE:
            raise TemplateLimit(
                f"value too large: repeating {_weight(seq):,} characters {count:,} times"
            )
    elif operator == "+" and not ints:
        if _weight(left) + _weight(right) > MAX_SIZE:
            raise TemplateLimit(f"value too large (more than {MAX_SIZE:,} characters or items)")
    elif operator == "%":
        _no_wide_format(left, "%")
        _no_huge_ints(right if isinstance(right, tuple) else (right,), "%")


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """`lipsum` with its sizes bounded (a few paragraphs of a few words are all a draft needs)."""
    _no_huge_ints((n * max,), "lipsum")
    return str(generate_lorem_ipsum(n=n, html=html, min=min, max=max))


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if name in _SIZING_FILTERS:
            _no_huge_ints([*args[1:], *kwargs.values()], f"filter {name}")
        if name == "format":
            _no_wide_format(next((a for a in args if isinstance(a, str)), None), "format")
        _spend(1 + sum(_weight(a) for a in args))
        return _checked(func(*args, **kwargs))

    return bounded


class _BoundedCodeGenerator(CodeGenerator):
    """Charges every loop iteration and size-checks every `~` concatenation."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if not getattr(node, "kw_charged", False):
            node.iter = nodes.Call(
                nodes.EnvironmentAttribute("kw_iterate"), [node.iter], [], None, None,
                lineno=node.lineno,
            )  # fmt: skip
            node.kw_charged = True  # type: ignore[attr-defined]
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.kw_checked(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedTemplate(Template):
    """`render` runs under a fresh work budget and turns every exception into a jinja error."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        token = _BUDGET.set(_Budget())
        try:
            out: list[str] = []
            size = 0
            for piece in self.generate(*args, **kwargs):
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise TemplateLimit(f"output too long (more than {MAX_OUTPUT:,} characters)")
                out.append(piece)
            return "".join(out)
        except JinjaError:
            raise
        except (Exception, RecursionError, MemoryError) as exc:
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise TemplateFailure(message).with_traceback(exc.__traceback__) from None
        finally:
            _BUDGET.reset(token)


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox keepwarm renders drafts in (see the module docstring for the bounds)."""

    code_generator_class = _BoundedCodeGenerator
    template_class = BoundedTemplate
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.globals["lipsum"] = _lipsum

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _before_binop(operator, left, right)
        return _checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            name = getattr(method, "__name__", "")
            if name in _SIZING_METHODS:
                _no_huge_ints([*args, *kwargs.values()], f"str.{name}")
            elif name in ("format", "format_map"):
                _no_wide_format(owner, f"str.{name}")
                if _NESTED_FIELD.search(owner):  # a width taken from the arguments
                    _no_huge_ints([*args, *kwargs.values()], f"str.{name}")
        _spend(1 + sum(_weight(a) for a in args))
        return _checked(super().call(__context, __obj, *args, **kwargs))

    @staticmethod
    def kw_iterate(items: Any) -> Iterator[Any]:
        for item in items:
            _spend(1)
            yield item

    @staticmethod
    def kw_checked(value: Any) -> Any:
        return _checked(value)
