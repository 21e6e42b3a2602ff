"""The trigger registry is the one list of trigger types: everything else derives from it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from keepwarm.rules import registry
from keepwarm.rules.evaluate import WAIT_FIRST
from keepwarm.rules.parse import parse_file
from keepwarm.rules.registry import REGISTRY, TRIGGER_TYPES, TriggerSpec, TriggerType
from keepwarm.rules.schema import Rule, json_schema
from keepwarm.rules.triggers import NoReplyTrigger, QuietTrigger
from keepwarm.services.rulesio import check_paths

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_type_has_one_spec_whose_model_carries_that_name() -> None:
    assert get_args(TriggerType) == TRIGGER_TYPES
    for name, spec in REGISTRY.items():
        assert spec.name == name
        assert get_args(spec.model.model_fields["type"].annotation) == (name,)


def test_a_model_registered_under_the_wrong_name_is_refused() -> None:
    with pytest.raises(TypeError, match="registered as 'no_reply'"):
        registry._checked(
            TriggerSpec(
                "no_reply", QuietTrigger, lambda t, s: None, False, frozenset(), lambda t, s: None
            )
        )


def test_the_schema_the_parser_and_evaluation_use_the_registry() -> None:
    """JSON Schema trigger variants, the models pydantic accepts, the 'unknown trigger' hint
    and WAIT_FIRST are all the registry's."""
    schema = json.dumps(json_schema())
    found = set(re.findall(r'"const": "([a-z_]+)"', schema))
    assert set(TRIGGER_TYPES) <= found
    union = Rule.model_fields["trigger"].annotation
    assert set(get_args(union)) == {s.model for s in REGISTRY.values()}
    [problem] = parse_file(
        "rules:\n  - name: a\n    trigger: {type: nope}\n    draft: {subject: s, body: b}\n", "f"
    ).problems
    assert f"(trigger types: {', '.join(TRIGGER_TYPES)})" in problem.hint
    assert (
        WAIT_FIRST
        == {n for n, s in REGISTRY.items() if s.waits_first}
        == {"no_reply", "reply_owed"}
    )
    assert REGISTRY["no_reply"].model is NoReplyTrigger


def test_the_docs_list_exactly_the_registered_triggers() -> None:
    """rules/README.md's trigger table has one row per registered trigger, in order."""
    readme = (ROOT / "rules" / "README.md").read_text()
    table = readme.split("## Triggers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)
    assert tuple(rows) == TRIGGER_TYPES
    for name in TRIGGER_TYPES:
        assert f"type: {name}" in readme, f"rules/README.md has no example of {name}"


def test_the_rules_in_the_docs_check_without_errors(tmp_path: Path) -> None:
    """Every rule example in rules/README.md (the blocks of `- name:` entries) is valid."""
    readme = (ROOT / "rules" / "README.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL) if "- name:" in b]
    assert len(blocks) >= 3
    (tmp_path / "templates").mkdir()
    for template in (ROOT / "rules" / "templates").iterdir():
        (tmp_path / "templates" / template.name).write_text(template.read_text())
    for n, block in enumerate(blocks):
        body = block if re.search(r"^rules:", block, re.MULTILINE) else "rules:\n" + block
        (tmp_path / f"example{n}.yaml").write_text(body)
    result = check_paths([tmp_path])
    assert [str(p) for p in result.errors] == []
    assert {r.rule.name for r in result.rules} >= {
        "first-met-anniversary",
        "birthday",
        "intro-call-follow-up",
        "investor-update",
    }
