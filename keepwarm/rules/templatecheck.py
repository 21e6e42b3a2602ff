"""Checking one draft template before any real person meets it.

In order: it compiles (an unclosed `{% if %}` or `{{` is reported where it opens); every
variable and filter it names exists ("did you mean person.first_name?"); it renders against
every sample context — a typical meeting and email, then the edge cases (no earlier
interaction, no name, no organisation, …) — without failing, without rendering empty, and a
subject without a line break. Line numbers are the template's own; check.py maps them to the
rule file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, TemplateAssertionError, TemplateSyntaxError, nodes
from jinja2 import TemplateError as JinjaError
from jinja2.exceptions import SecurityError, UndefinedError

from keepwarm.rules.context import Sample
from keepwarm.rules.render import compile_template
from keepwarm.rules.sandbox import TemplateFailure, TemplateLimit

#: Every way text can break a line (str.splitlines' separators).
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_BLOCKS = ("if", "for", "macro", "call", "filter", "with", "block", "autoescape", "raw", "trans")
_TAGS = (*_BLOCKS, "set", "elif", "else", "include", "import", "from", "do", "extends")
_AVAILABLE = (
    "available: owner.*, person.*, organisation, interaction.*, last_from_them.*, "
    "last_exchange.*, exchanges.*, previous, rule.*"
)


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    #: Line inside the template (1-based).
    lineno: int
    message: str
    hint: str
    #: A regular expression for what to point at on that line ("" → the line's first text).
    needle: str = ""


def check_template(
    template: str, samples: Sequence[Sample], *, subject: bool
) -> TemplateProblem | None:
    """The first problem of one template, or None when it is fine."""
    try:
        compiled = compile_template(template)
    except TemplateAssertionError as exc:
        return _unknown_name(exc.lineno, str(exc.message or exc), compile_template("").environment)
    except TemplateSyntaxError as exc:
        return _syntax(template, exc)
    env = compiled.environment
    ast = env.parse(template)
    fields_used = {
        chain[2]
        for _, chain in _chains(ast)
        if chain[:2] == ["person", "fields"] and len(chain) > 2
    }
    static = _static(ast, samples[0].context, env)
    if static is not None:
        return static
    for sample in samples:
        try:
            text = compiled.render(**sample.context)
        except Exception as exc:  # a template may raise anything (1/0, a bad int()): report it
            return _render_failure(exc, sample, samples, fields_used, env)
        typical = not sample.hint
        when = "" if typical else f" {sample.case}"
        if subject and any(c in LINE_BREAKS for c in text):
            lineno = 1 + text[: next(i for i, c in enumerate(text) if c in LINE_BREAKS)].count("\n")
            return TemplateProblem(
                min(lineno, template.count("\n") + 1),
                f"the subject can contain a line break{when}: a subject is one line",
                "write the subject on one line (with a block scalar use '>-', not '>' or '|')"
                if "\n" in template
                else "a value used in it holds several lines (e.g. owner.signature): use a "
                "one-line value",
            )
        if not text.strip():
            what = "subject" if subject else "body"
            return TemplateProblem(
                1,
                f"the {what} renders empty{when}",
                sample.hint or "put text outside {% if %} blocks, or add an {% else %}",
            )
    return None


def _render_failure(
    exc: BaseException,
    sample: Sample,
    samples: Sequence[Sample],
    fields_used: set[str],
    env: Environment,
) -> TemplateProblem:
    lineno = _error_line(exc)
    text = str(exc)
    when = f" {sample.case}" if sample.hint else ""
    if isinstance(exc, SecurityError) or "unsafe" in text or "access to attribute" in text:
        return TemplateProblem(
            lineno,
            f"refused by the sandbox: {text}",
            "templates run in a sandbox: internals and underscored attributes are refused",
        )
    missing = re.search(r"has no attribute '([^']+)'", text)
    if isinstance(exc, UndefinedError) and missing and missing.group(1) in fields_used:
        name = missing.group(1)
        return TemplateProblem(
            lineno,
            f"person.fields.{name} is only set for people you gave it "
            f"(`keepwarm peers set ADDRESS {name}=…`), so the template fails for everyone else",
            f"guard it: {{% if person.fields.{name} is defined %}}…{{% endif %}}, or write "
            f"{{{{ person.fields.get('{name}', '…') }}}}",
            needle=re.escape(name),
        )
    if isinstance(exc, UndefinedError) and sample.hint:
        index = re.search(r"has no element (-?\d+)", text)
        needle = rf"\[\s*{index.group(1)}\s*\]" if index else ""
        if missing:
            needle = re.escape(missing.group(1))
        return TemplateProblem(lineno, f"the template fails{when}: {text}", sample.hint, needle)
    if isinstance(exc, UndefinedError):
        name = missing.group(1) if missing else (re.findall(r"'([^']+)'", text) or [""])[0]
        if "has no element" in text:
            return TemplateProblem(
                lineno,
                f"the template fails: {text} (previous holds up to 5 earlier interactions, "
                "often fewer)",
                "loop over it ({% for p in previous %}) or test its length first",
            )
        close = difflib.get_close_matches(name, sorted(_leaves(samples[0].context)), n=1)
        return TemplateProblem(
            lineno,
            f"template variable does not exist: {text}",
            (f"did you mean {close[0]!r}?" if close else "") or _AVAILABLE,
            needle=re.escape(name),
        )
    filters = re.search(r"No (filter|test) named '([^']+)'", text)
    if filters:
        return _unknown_name(lineno, text, env)
    if isinstance(exc, TemplateFailure | TemplateLimit):  # raised while running: name the case
        return TemplateProblem(
            lineno,
            f"the template fails{when}: {text}",
            sample.hint or "simplify the expression on this line",
        )
    if isinstance(exc, JinjaError):
        return TemplateProblem(lineno, text, "templates are self-contained text with variables")
    return TemplateProblem(
        lineno,
        f"the template fails{when}: {type(exc).__name__}: {text}",
        sample.hint or "simplify the expression on this line",
    )


def _unknown_name(lineno: int | None, text: str, env: Environment) -> TemplateProblem:
    found = re.search(r"No (filter|test) named '([^']+)'", text)
    if not found:
        return TemplateProblem(lineno or 1, f"template error: {text}", _AVAILABLE)
    kind, name = found.groups()
    known = sorted(env.filters if kind == "filter" else env.tests)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return TemplateProblem(
        lineno or 1,
        f"there is no {kind} named {name!r}",
        f"did you mean {close[0]!r}?" if close else f"{kind}s include: {', '.join(known[:12])}, …",
        needle=re.escape(name),
    )


def _chains(ast: nodes.Template) -> Iterator[tuple[int, list[str]]]:
    """(line, [name, attr, attr, …]) for every variable read, outermost chains only."""
    parents: dict[int, nodes.Node] = {}
    todo: list[nodes.Node] = [ast]
    while todo:
        node = todo.pop()
        for child in node.iter_child_nodes():
            parents[id(child)] = node
            todo.append(child)
    for name in ast.find_all(nodes.Name):
        if name.ctx != "load":
            continue
        chain, node = [name.name], name
        while True:
            parent = parents.get(id(node))
            if isinstance(parent, nodes.Getattr) and parent.node is node:
                chain.append(parent.attr)
            elif (
                isinstance(parent, nodes.Getitem)
                and parent.node is node
                and isinstance(parent.arg, nodes.Const)
                and isinstance(parent.arg.value, str)
            ):
                chain.append(parent.arg.value)
            else:
                break
            node = parent
        yield name.lineno, chain


def _static(ast: nodes.Template, shape: dict[str, Any], env: Environment) -> TemplateProblem | None:
    """A variable that exists in no context, found without rendering (so any branch counts)."""
    assigned = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for lineno, chain in sorted(_chains(ast), key=lambda item: item[0]):
        root = chain[0]
        if root in assigned or root == "loop" or root in env.globals:
            continue
        if root not in shape:
            return TemplateProblem(
                lineno,
                f"template variable {root!r} does not exist",
                _guess(root, shape) or _AVAILABLE,
                needle=rf"\b{re.escape(root)}\b",
            )
        hidden = next((a for a in chain[1:] if a.startswith("_")), None)
        if hidden is not None:
            return TemplateProblem(
                lineno,
                f"refused by the sandbox: {hidden!r} is an internal attribute",
                "templates run in a sandbox: internals and underscored attributes are refused",
                needle=re.escape(hidden),
            )
        value: Any = shape[root]
        for depth, attr in enumerate(chain[1:], start=1):
            if chain[:depth] == ["person", "fields"] or not isinstance(value, dict):
                break  # user fields, and methods of text or lists, are checked by rendering
            if attr not in value:
                dotted = ".".join(chain[: depth + 1])
                close = difflib.get_close_matches(attr, list(value), n=1, cutoff=0.6)
                parent = ".".join(chain[:depth])
                hint = (
                    f"did you mean {parent}.{close[0]}?"
                    if close
                    else f"{parent} has: {', '.join(sorted(value))}"
                )
                return TemplateProblem(
                    lineno,
                    f"template variable {dotted} does not exist",
                    hint,
                    needle=re.escape(attr),
                )
            value = value[attr]
    return None


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            dotted = f"{prefix}.{key}" if prefix else key
            yield dotted
            yield from _paths(inner, dotted)


def _leaves(shape: dict[str, Any]) -> set[str]:
    return {path.rpartition(".")[2] for path in _paths(shape)}


def _guess(name: str, shape: dict[str, Any]) -> str:
    """ "did you mean …?" for a name written at the wrong level or misspelt."""
    paths = list(_paths(shape))
    exact = sorted((p for p in paths if p.rpartition(".")[2] == name), key=_person_first)
    if exact:
        return f"did you mean {exact[0]}?"
    leaves = {p.rpartition(".")[2]: p for p in sorted(paths, key=_person_first, reverse=True)}
    close = difflib.get_close_matches(name, list(leaves), n=1, cutoff=0.6)
    return f"did you mean {leaves[close[0]]}?" if close else ""


def _person_first(path: str) -> tuple[int, int, str]:
    return (not path.startswith("person."), path.count("."), path)


def _error_line(exc: BaseException) -> int:
    """The template line a render error happened on (from jinja's rewritten traceback)."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return getattr(exc, "lineno", None) or line


def _syntax(template: str, exc: TemplateSyntaxError) -> TemplateProblem:
    message = exc.message or str(exc)
    lineno = exc.lineno or 1
    env = compile_template("").environment
    innermost = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    if innermost:
        block = innermost.group(1)
        stray = re.search(r"unknown tag '(\w+)'", message)
        opened = _open_line(env, template, block, lineno if stray else None)
        tag = rf"\{{%-?\s*{block}\b"
        if stray:
            return TemplateProblem(
                opened,
                f"{{% {block} %}} opened here is not closed before the {{% {stray.group(1)} %}} "
                "that follows",
                f"close the innermost block first: add {{% end{block} %}} before "
                f"{{% {stray.group(1)} %}}",
                needle=tag,
            )
        return TemplateProblem(
            opened,
            f"{{% {block} %}} opened here is never closed",
            f"add {{% end{block} %}} where the {block} block should end",
            needle=tag,
        )
    unknown = re.search(r"unknown tag '(\w+)'", message)
    if unknown:
        tag = unknown.group(1)
        if tag.startswith("end") and tag[3:] in _BLOCKS:
            return TemplateProblem(
                lineno,
                f"{{% {tag} %}} has no {{% {tag[3:]} %}} open above it",
                f"remove it, or add the {{% {tag[3:]} … %}} it should close",
                needle=rf"\{{%-?\s*{tag}\b",
            )
        close = difflib.get_close_matches(tag, _TAGS, n=1)
        return TemplateProblem(
            lineno,
            f"there is no {{% {tag} %}} tag",
            f"did you mean {{% {close[0]} %}}?" if close else f"tags: {', '.join(_TAGS)}",
            needle=rf"\{{%-?\s*{tag}\b",
        )
    expression = _open_expression(env, template, lineno)
    if expression is not None:
        line, opener = expression
        closer = "}}" if opener == "{{" else "%}"
        if line < lineno or "end of" in message:
            return TemplateProblem(
                line,
                f"{opener} opened here is never closed",
                f"end it with {closer} on the same line",
                needle=re.escape(opener),
            )
    if "end of comment" in message:
        line = next((n for n, text in enumerate(template.splitlines(), 1) if "{#" in text), lineno)
        return TemplateProblem(line, "{# opened here is never closed", "end it with #}", r"\{#")
    return TemplateProblem(
        lineno,
        f"template syntax error: {message}",
        "check that every {{ is closed by }}, every {% by %}, and every {% if %} has its "
        "{% endif %}",
    )


def _tokens(env: Environment, template: str) -> Iterator[tuple[int, str, str]]:
    try:
        yield from env.lex(template)
    except TemplateSyntaxError:
        return


def _open_line(env: Environment, template: str, block: str, upto: int | None) -> int:
    """The line of the innermost still-open `{% block %}` (at `upto`, or at the end)."""
    stack: list[tuple[str, int]] = []
    expect = False
    for lineno, kind, value in _tokens(env, template):
        if upto is not None and lineno >= upto and kind == "block_begin":
            break
        if kind == "block_begin":
            expect = True
        elif kind == "name" and expect:
            expect = False
            if value in _BLOCKS:
                stack.append((value, lineno))
            elif value.startswith("end") and stack and stack[-1][0] == value[3:]:
                stack.pop()
        elif kind != "whitespace":
            expect = False
    return next((line for name, line in reversed(stack) if name == block), upto or 1)


def _open_expression(env: Environment, template: str, upto: int) -> tuple[int, str] | None:
    """The line and opener of a `{{`/`{%` still open when the error line is reached."""
    opened: tuple[int, str] | None = None
    for lineno, kind, value in _tokens(env, template):
        if lineno >= upto and kind in ("variable_begin", "block_begin", "data"):
            break
        if kind in ("variable_begin", "block_begin"):
            opened = (lineno, value.rstrip("-+").strip() or value)
        elif kind in ("variable_end", "block_end"):
            opened = None
    return opened
