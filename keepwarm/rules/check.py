"""Checking rule files beyond their shape: templates parse and render, bodies resolve.

Templates are rendered against `sample_contexts()`, so a misspelt variable is caught here,
positioned at its line in the rule file (or in the template file under rules/templates/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import TemplateError as JinjaError
from jinja2 import TemplateSyntaxError

from keepwarm.rules.context import sample_contexts
from keepwarm.rules.evaluate import LoadedRule
from keepwarm.rules.parse import ParsedFile, Problem, ValueMark, draft_value_mark, parse_file
from keepwarm.rules.render import compile_template

#: Reads a body template by name: returns (its path for messages, its text), or None if missing.
TemplateReader = Callable[[str], tuple[str, str] | None]


@dataclass
class CheckedFile:
    parsed: ParsedFile
    rules: list[LoadedRule]

    @property
    def problems(self) -> list[Problem]:
        return self.parsed.problems


def check_text(text: str, source: str, read_template: TemplateReader) -> CheckedFile:
    """Parse, resolve `body_template`s and render every template against a sample context."""
    parsed = parse_file(text, source)
    loaded: list[LoadedRule] = []
    if parsed.problems:
        return CheckedFile(parsed, loaded)
    contexts = sample_contexts()
    for index, rule in enumerate(parsed.rules):
        body = rule.draft.body
        body_where: tuple[str, ValueMark] = (source, draft_value_mark(parsed, index, "body"))
        if rule.draft.body_template is not None:
            found = read_template(rule.draft.body_template)
            mark = draft_value_mark(parsed, index, "body_template")
            if found is None:
                parsed.problems.append(
                    Problem(
                        source,
                        mark.line,
                        mark.col,
                        f"rules.{index}.draft.body_template: no template named "
                        f"{rule.draft.body_template!r}",
                        "put the file in rules/templates/ or write the body inline with 'body:'",
                    )
                )
                continue
            path, body = found
            body_where = (path, ValueMark(0, 1, "|"))
        subject_where = (source, draft_value_mark(parsed, index, "subject"))
        ok = _template_ok(
            parsed,
            rule.draft.subject,
            subject_where,
            f"rules.{index}.draft.subject",
            contexts,
            text,
        )
        ok = (
            _template_ok(
                parsed, body or "", body_where, f"rules.{index}.draft.body", contexts, text
            )
            and ok
        )
        if ok:
            draft = rule.draft.model_copy(update={"body": body, "body_template": None})
            loaded.append(LoadedRule(rule.model_copy(update={"draft": draft}), source))
    return CheckedFile(parsed, loaded)


def _template_ok(
    parsed: ParsedFile,
    template: str,
    where: tuple[str, ValueMark],
    path: str,
    contexts: list[dict[str, Any]],
    text: str,
) -> bool:
    source, mark = where
    try:
        for context in contexts:
            compile_template(template).render(**context)
    except TemplateSyntaxError as exc:
        line, col = _template_line(mark, exc.lineno, text if source == parsed.source else None)
        parsed.problems.append(
            Problem(
                source,
                line,
                col,
                f"{path}: template syntax error: {exc.message}",
                "check that every {{ }} and {% %} is closed and every {% if %} has {% endif %}",
            )
        )
        return False
    except JinjaError as exc:
        lineno = _error_line(exc)
        line, col = _template_line(mark, lineno, text if source == parsed.source else None)
        message = str(exc)
        hint = (
            "available: owner.*, person.*, organisation, interaction.*, last_from_them, "
            "last_exchange, exchanges.*, previous, rule.* (rules/README.md)"
        )
        if "undefined" in message or "has no attribute" in message:
            message = f"template variable does not exist: {message}"
        elif "unsafe" in message or "access to attribute" in message:
            hint = "templates run in a sandbox: internals and underscored attributes are refused"
        parsed.problems.append(Problem(source, line, col, f"{path}: {message}", hint))
        return False
    return True


def _error_line(exc: BaseException) -> int:
    """The template line a render error happened on (from jinja's generated traceback)."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _template_line(mark: ValueMark, lineno: int, text: str | None) -> tuple[int, int]:
    """Map a line inside a template to file:line:col, for inline and block YAML scalars."""
    if mark.style in ("|", ">"):
        line = mark.line + lineno
        col = 1
        if text is not None:
            lines = text.splitlines()
            if 0 < line <= len(lines):
                col = len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1
        return line, col
    return mark.line, mark.col


def with_source(problem: Problem, source: str) -> Problem:
    return replace(problem, source=source)
