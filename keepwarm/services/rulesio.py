"""Reading the rules folder: every file checked, every problem reported, broken files skipped.

A broken file never stops the others: its rules are left out and its problems are returned
so the caller can say so loudly (`keepwarm draft`, `keepwarm rules check`). Warnings are
returned too, but the file's rules still load.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from keepwarm.errors import RuleError
from keepwarm.rules.check import TemplateFile, check_text
from keepwarm.rules.evaluate import LoadedRule
from keepwarm.rules.parse import Problem, from_issue, name_position
from keepwarm.rules.schema import Policies, When
from keepwarm.rules.yamlerrors import Issue
from keepwarm.rules.yamlload import YamlError, decode
from keepwarm.settings import Settings
from keepwarm.store.notes import tags_if_stored

TEMPLATES = "templates"


@dataclass
class RuleSet:
    rules: list[LoadedRule] = field(default_factory=list)
    policies: Policies = field(default_factory=Policies)
    problems: list[Problem] = field(default_factory=list)
    #: Files left out because they have errors.
    skipped: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def check_paths(paths: Sequence[Path], *, known_tags: Collection[str] = ()) -> RuleSet:
    """Check files and folders (a folder means its *.yaml files); all problems, all rules.

    `known_tags`: tags people already have (`keepwarm peers tag`), so using one is no warning.
    """
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
            text = decode(path.read_bytes())
        except OSError as exc:
            reason = f"cannot be read: {exc.strerror or exc}"
            hint = "check the file's permissions (keepwarm needs to read it)"
            result.problems.append(Problem(source, 1, 1, reason, hint))
            result.skipped.append(source)
            continue
        except YamlError as exc:
            result.problems.append(from_issue(source, exc.issue))
            result.skipped.append(source)
            continue
        checked = check_text(text, source, TemplateFolder(path.parent / TEMPLATES))
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
        failed = any(p.severity == "error" for p in problems)
        if checked.parsed.policies is not None and not failed:
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
        result.problems.extend(problems)
        if any(p.severity == "error" for p in problems):
            result.skipped.append(source)
            continue
        for index, loaded in enumerate(checked.rules):
            seen[loaded.rule.name] = source
            positions[loaded.rule.name] = name_position(checked.parsed, index)
        result.rules.extend(checked.rules)
    known = set(result.policies.tags) | set(known_tags)
    for loaded in result.rules:
        unknown = sorted(_tags(loaded.rule.when) - known)
        if unknown:
            line, col = positions[loaded.rule.name]
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            guess = f"did you mean {close[0]!r}? " if close else ""
            result.problems.append(
                Problem(
                    loaded.source,
                    line,
                    col,
                    f"rule {loaded.rule.name!r} uses tag(s) {', '.join(unknown)} that nobody has "
                    "yet (no 'policies.tags' entry defines them), so it matches only people you "
                    "tag later",
                    f"{guess}tag people with `keepwarm peers tag ADDRESS {unknown[0]}`, or define "
                    "the tag in policies.tags",
                    "warning",
                )
            )
    return result


def _tags(when: When | None) -> set[str]:
    if when is None:
        return set()
    return {t.strip().lower() for t in when.tags or ()} | _tags(when.negate)


def load_rules(folder: Path, *, known_tags: Collection[str] = ()) -> RuleSet:
    """The rules folder as evaluation needs it; a missing folder is a clear error."""
    if not folder.is_dir():
        raise RuleError(f"{folder}: rules folder not found; set rules_dir in keepwarm.toml")
    return check_paths([folder], known_tags=known_tags)


class TemplateFolder:
    """rules/templates/: body templates by file name (nothing outside the folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find(self, name: str) -> TemplateFile | None:
        path = self.folder / name
        if not path.is_file() or path.resolve().parent != self.folder.resolve():
            return None
        try:
            return TemplateFile(str(path), decode(path.read_bytes()))
        except YamlError as exc:
            return TemplateFile(str(path), None, exc.issue)
        except OSError as exc:
            issue = Issue(1, 1, f"cannot be read: {exc.strerror or exc}", "check its permissions")
            return TemplateFile(str(path), None, issue)

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.is_file())


def stored_tags(settings: Settings) -> frozenset[str]:
    """Tags given with `keepwarm peers tag`, read without creating or migrating anything: for
    `rules check`, which must work (and change nothing) before the first sync."""
    return tags_if_stored(settings.db_url)
