"""Reading the rules folder: every file checked, every problem reported, broken files skipped.

A broken file never stops the others: its rules are left out and its problems are returned
so the caller can say so loudly (`keepwarm draft`, `keepwarm rules check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from keepwarm.errors import RuleError
from keepwarm.rules.check import TemplateReader, check_text
from keepwarm.rules.evaluate import LoadedRule
from keepwarm.rules.parse import Problem, name_position
from keepwarm.rules.schema import Policies, When

TEMPLATES = "templates"


@dataclass
class RuleSet:
    rules: list[LoadedRule] = field(default_factory=list)
    policies: Policies = field(default_factory=Policies)
    problems: list[Problem] = field(default_factory=list)
    #: Files left out because they have problems.
    skipped: list[str] = field(default_factory=list)
    files: int = 0


def rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def check_paths(paths: Sequence[Path]) -> RuleSet:
    """Check files and folders (a folder means its *.yaml files); all problems, all rules."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(rule_files(path))
        elif path.is_file():
            files.append(path)
        else:
            raise RuleError(f"{path}: no such file or folder")
    result = RuleSet(files=len(files))
    seen: dict[str, str] = {}
    policies_from: str | None = None
    positions: dict[str, tuple[int, int]] = {}
    for path in files:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            result.problems.append(Problem(source, 1, 1, f"cannot be read: {exc}"))
            result.skipped.append(source)
            continue
        checked = check_text(text, source, _template_reader(path.parent / TEMPLATES))
        problems = list(checked.problems)
        for index, loaded in enumerate(checked.rules):
            name = loaded.rule.name
            if name in seen:
                line, col = name_position(checked.parsed, index)
                problems.append(
                    Problem(
                        source,
                        line,
                        col,
                        f"duplicate rule name {name!r}, already used in {seen[name]}",
                        "rename one of them: draft keys and `--rule` use the name",
                    )
                )
        if checked.parsed.policies is not None and not problems:
            if policies_from is not None:
                problems.append(
                    Problem(
                        source,
                        1,
                        1,
                        f"a second 'policies:' block (the first is in {policies_from})",
                        "keep policies in one file so they hold in one place",
                    )
                )
            else:
                policies_from, result.policies = source, checked.parsed.policies
        if problems:
            result.problems.extend(problems)
            result.skipped.append(source)
            continue
        for index, loaded in enumerate(checked.rules):
            seen[loaded.rule.name] = source
            positions[loaded.rule.name] = name_position(checked.parsed, index)
        result.rules.extend(checked.rules)
    known = set(result.policies.tags)
    for loaded in result.rules:
        unknown = sorted(_tags(loaded.rule.when) - known)
        if unknown:
            line, col = positions[loaded.rule.name]
            result.problems.append(
                Problem(
                    loaded.source,
                    line,
                    col,
                    f"rule {loaded.rule.name!r} uses tag(s) {', '.join(unknown)} that no "
                    "'policies.tags' defines, so it can never match",
                    f"define them in policies.tags or fix the spelling (known: {sorted(known)})",
                )
            )
    return result


def _tags(when: When | None) -> set[str]:
    if when is None:
        return set()
    return set(when.tags or ()) | _tags(when.negate)


def load_rules(folder: Path) -> RuleSet:
    """The rules folder as evaluation needs it; a missing folder is a clear error."""
    if not folder.is_dir():
        raise RuleError(f"{folder}: rules folder not found; set rules_dir in keepwarm.toml")
    return check_paths([folder])


def _template_reader(folder: Path) -> TemplateReader:
    def read(name: str) -> tuple[str, str] | None:
        path = folder / name
        if not path.is_file() or path.resolve().parent != folder.resolve():
            return None
        return str(path), path.read_text(encoding="utf-8")

    return read
