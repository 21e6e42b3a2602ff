"""Reading the rules folder: every file parsed, every problem reported at once."""

from __future__ import annotations

from pathlib import Path

from keepwarm.errors import RuleError
from keepwarm.rules.evaluate import LoadedRule
from keepwarm.rules.parse import parse_rules


def rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def load_rules(folder: Path) -> list[LoadedRule]:
    if not folder.is_dir():
        raise RuleError(f"{folder}: rules folder not found; set rules_dir in keepwarm.toml")
    loaded: list[LoadedRule] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in rule_files(folder):
        try:
            rules = parse_rules(path.read_text(encoding="utf-8"), str(path))
        except RuleError as exc:
            problems.append(str(exc))
            continue
        for rule in rules:
            if rule.name in seen:
                problems.append(
                    f"{path}: rule name {rule.name!r} is already used in {seen[rule.name]}"
                )
            seen[rule.name] = str(path)
            loaded.append(LoadedRule(rule=rule, source=str(path)))
    if problems:
        raise RuleError("\n".join(problems))
    return loaded
