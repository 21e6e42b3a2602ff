"""Checking rule files beyond their shape: templates resolve, parse, and render on edge cases;
rules that can never do what they say are flagged.

Errors leave the file out; warnings are reported and the rules still load (`rules check`
exits 0 on warnings alone unless `--strict`). Template problems are positioned at their line
in the rule file, or in the template file under rules/templates/.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from keepwarm.models import Kind
from keepwarm.rules.context import Sample, sample_contexts
from keepwarm.rules.evaluate import LoadedRule
from keepwarm.rules.parse import ParsedFile, Problem, parse_file, value_mark
from keepwarm.rules.registry import REGISTRY
from keepwarm.rules.schema import Rule
from keepwarm.rules.templatecheck import TemplateProblem, check_template
from keepwarm.rules.triggers import QuietTrigger, YearlyTrigger
from keepwarm.rules.values import show
from keepwarm.rules.yamlerrors import Issue
from keepwarm.rules.yamlload import ValueMark

TEMPLATES = "rules/templates/"


@dataclass(frozen=True, slots=True)
class TemplateFile:
    path: str
    #: The text, or None when the file cannot be read (then `problem` says why).
    text: str | None
    problem: Issue | None = None


class Templates(Protocol):
    """The body templates a rule file can name (`body_template:`)."""

    def find(self, name: str) -> TemplateFile | None: ...

    def names(self) -> list[str]: ...


@dataclass
class CheckedFile:
    parsed: ParsedFile
    rules: list[LoadedRule]

    @property
    def problems(self) -> list[Problem]:
        return self.parsed.problems


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a template's text is: a value in the rule file (`mark`) or a file of its own."""

    source: str
    lines: list[str]
    mark: ValueMark | None
    path: str


def check_text(text: str, source: str, templates: Templates) -> CheckedFile:
    """Parse, resolve `body_template`s, check every template and what each rule can do."""
    parsed = parse_file(text, source)
    loaded: list[LoadedRule] = []
    if parsed.errors:
        return CheckedFile(parsed, loaded)
    base = sample_contexts()
    lines = text.splitlines()
    for index, rule in enumerate(parsed.rules):
        samples = _samples_for(rule, base)
        body = _body(parsed, index, rule, templates, lines)
        if body is None:
            continue
        text_of_body, body_where = body
        subject_where = _Where(
            source, lines, value_mark(parsed, index, "draft", "subject"), f"rules.{index}.draft"
        )
        ok = _template(parsed, rule.draft.subject, subject_where, "subject", samples)
        ok = _template(parsed, text_of_body, body_where, "body", samples) and ok
        parsed.problems.extend(_warnings(parsed, index, rule))
        if ok:
            draft = rule.draft.model_copy(update={"body": text_of_body, "body_template": None})
            loaded.append(LoadedRule(rule.model_copy(update={"draft": draft}), source))
    return CheckedFile(parsed, loaded)


def _guaranteed_fields(rule: Rule) -> dict[str, str]:
    """Fields every person this rule drafts for has: the date a yearly rule counts from, and
    fields its `when` requires (unless "" — not set — is accepted)."""
    found = {
        name: "sample"
        for name, values in (rule.when.fields or {}).items()
        if all(v.strip() for v in values)
    }
    if isinstance(rule.trigger, YearlyTrigger) and rule.trigger.date.startswith("fields."):
        found[rule.trigger.date.removeprefix("fields.")] = "2019-11-10"
    return found


def _samples_for(rule: Rule, samples: list[Sample]) -> list[Sample]:
    """The sample contexts this rule can meet: what its `when` requires is there (its fields,
    its tags, an organisation), so only the edge cases it can really hit are checked."""
    fields, tags = _guaranteed_fields(rule), rule.when.tags or []
    if not fields and not tags and rule.when.organisation is None:
        return samples
    out = []
    for sample in samples:
        person = {**sample.context["person"]}
        if rule.when.organisation is not None and not person["organisation"]:
            continue
        if tags and not person["tags"]:
            continue
        person["fields"] = {**person["fields"], **fields}
        person["tags"] = sorted({*person["tags"], *(t.lower() for t in tags)})
        out.append(replace(sample, context={**sample.context, "person": person}))
    return out


def _body(
    parsed: ParsedFile, index: int, rule: Rule, templates: Templates, lines: list[str]
) -> tuple[str, _Where] | None:
    """The body text and where it lives, or None (with a problem) when it cannot be read."""
    path = f"rules.{index}.draft"
    if rule.draft.body_template is None:
        mark = value_mark(parsed, index, "draft", "body")
        return rule.draft.body or "", _Where(parsed.source, lines, mark, path)
    name = rule.draft.body_template
    mark = value_mark(parsed, index, "draft", "body_template")
    found = templates.find(name)
    if found is None:
        close = difflib.get_close_matches(name, templates.names(), n=1, cutoff=0.6)
        parsed.problems.append(
            Problem(
                parsed.source,
                mark.line,
                mark.col,
                f"{path}.body_template: no template named {name!r} in {TEMPLATES}",
                f"did you mean {close[0]!r}?"
                if close
                else f"put the file in {TEMPLATES}, or write the body inline with 'body: |'",
            )
        )
        return None
    if found.text is None:
        issue = found.problem or Issue(1, 1, "cannot be read", "check the file's permissions")
        parsed.problems.append(
            Problem(found.path, issue.line, issue.col, issue.message, issue.hint)
        )
        return None
    return found.text, _Where(found.path, found.text.splitlines(), None, path)


def _template(
    parsed: ParsedFile, template: str, where: _Where, what: str, samples: Sequence[Sample]
) -> bool:
    problem = check_template(template, samples, subject=what == "subject")
    if problem is None:
        return True
    line, col = _place(where, problem)
    parsed.problems.append(
        Problem(where.source, line, col, f"{where.path}.{what}: {problem.message}", problem.hint)
    )
    return False


def _place(where: _Where, problem: TemplateProblem) -> tuple[int, int]:
    """A template line → line:col in the file that holds it."""
    mark, lines = where.mark, where.lines
    start = 0
    if mark is None:
        line = problem.lineno
    elif mark.style == "|":
        line = mark.line + problem.lineno
    elif mark.style == ">":
        line = mark.line + _folded(lines, mark.line, problem.lineno)
    else:
        line, start = mark.line, mark.col - 1
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if problem.needle:
        found = re.compile(problem.needle).search(text, start)
        if found:
            return line, found.start() + 1
    if mark is not None and mark.style not in ("|", ">"):
        return line, mark.col
    return line, len(text) - len(text.lstrip()) + 1


def _folded(lines: list[str], indicator: int, lineno: int) -> int:
    """Offset from the `>` line to the file line where template line `lineno` starts.

    A folded block joins neighbouring lines with a space; each empty line is a line break,
    and so is a break next to a more-indented line.
    """
    breaks, last, indent = 0, "", None
    for offset, text in enumerate(lines[indicator:], start=1):
        if not text.strip():
            breaks += 1
            continue
        depth = len(text) - len(text.lstrip())
        indent = depth if indent is None else indent
        if depth < indent:
            break
        kind = "more" if depth > indent else "text"
        if last and "more" in (kind, last):
            breaks += 1
        last = kind
        if 1 + breaks >= lineno:
            return offset
    return 1


def _warnings(parsed: ParsedFile, index: int, rule: Rule) -> list[Problem]:
    """Rules that load but will rarely or never do what they say."""
    found: list[Problem] = []

    def warn(keys: tuple[str, ...], message: str, hint: str) -> None:
        mark = value_mark(parsed, index, *keys)
        found.append(Problem(parsed.source, mark.line, mark.col, message, hint, "warning"))

    trigger = rule.trigger
    if isinstance(trigger, QuietTrigger) and trigger.until is not None:
        gap = trigger.until - trigger.quiet_for
        if gap < timedelta(days=1):
            warn(
                ("trigger", "until"),
                f"rules.{index}.trigger.until: the rule can fire only during the "
                f"{show(gap)} between for ({show(trigger.quiet_for)}) and until "
                f"({show(trigger.until)}); a day without a keepwarm run misses it",
                "leave at least a day between for and until",
            )
    kinds = REGISTRY[trigger.type].kinds
    when = rule.when
    needs_meeting = (
        when.meeting is not None
        or when.meeting_size is not None
        or (when.source is not None and "email" not in when.source)
    )
    if needs_meeting and Kind.MEETING not in kinds:
        key = (
            "meeting"
            if when.meeting is not None
            else ("meeting_size" if when.meeting_size is not None else "source")
        )
        warn(
            ("when", key),
            f"rules.{index}.when.{key}: a {trigger.type} trigger fires on an email, never on a "
            "meeting, so this rule can never match",
            "remove the meeting condition, or use a trigger that fires on meetings "
            "(new_peer, meeting_ended, quiet)",
        )
    if when.source is not None and "meeting" not in when.source and Kind.EMAIL not in kinds:
        warn(
            ("when", "source"),
            f"rules.{index}.when.source: a {trigger.type} trigger fires on a meeting, never on "
            "an email, so this rule can never match",
            "remove the source condition, or use a trigger that fires on emails",
        )
    return found
