"""A rule template that raises, or tries to run forever, skips one draft; drafting goes on.

`rules check` renders templates against sample people, so a failure hidden under a condition
only shows when drafting. Every render is bounded by construction (`keepwarm.rules.sandbox`): a
work budget and size limits, not a clock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.errors import TemplateError
from keepwarm.rules.evaluate import evaluate
from keepwarm.rules.parse import parse_file
from keepwarm.rules.render import render
from keepwarm.rules.sandbox import MAX_OUTPUT
from tests.conftest import EXPECTED_DRAFTS, use_database
from tests.unit.rules_helpers import NOW, OWNER, person, rule, touch

runner = CliRunner()

#: Expression -> the exception it raises in Python (the error the user is shown names it).
RAISING = {
    "1 / 0": "ZeroDivisionError",
    "none + 1": "TypeError",
    "'{:d}'.format('x')": "ValueError",
    "10.0 ** 400": "OverflowError",
    "[].pop()": "IndexError",
    "range(10**9) | list": "OverflowError",
}
#: Templates that would run for hours or allocate gigabytes without bounds.
UNBOUNDED = {
    "repeat": "{{ 'a' * 10**10 }}",
    "lipsum": "{{ lipsum(10**8) }}",
    "power": "{{ n ** 99999999 }}",
    "nested-loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "doubling": "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "recursion": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}",
    "center": "{{ 'x'.center(10**10) }}",
    "format-width": "{{ '{:>9999999999}'.format(1) }}",
    "join": "{{ (['a' * 99999] * 99999) | join }}",
    "output": "{% for i in range(99999) %}{{ 'a' * 99 }}{% endfor %}",
}


@pytest.mark.parametrize("expression", RAISING, ids=list(RAISING.values()))
def test_a_raising_expression_is_a_template_error(expression: str) -> None:
    with pytest.raises(TemplateError, match=RAISING[expression]):
        render("{{ " + expression + " }}", {"n": 7}, where="r.yaml (rule r)")


@pytest.mark.parametrize("template", UNBOUNDED.values(), ids=list(UNBOUNDED))
def test_an_unbounded_template_stops_within_its_budget(template: str) -> None:
    with pytest.raises(TemplateError, match=r"too|RecursionError|MAX_RANGE"):
        render(template, {"n": 7}, where="r.yaml (rule r)")


def test_output_just_under_the_limit_still_renders() -> None:
    assert len(render("{{ 'a' * n }}", {"n": MAX_OUTPUT}, where="r")) == MAX_OUTPUT


def test_one_failing_rule_skips_only_its_drafts() -> None:
    """Three people, a rule that divides by zero for one of them: the other two are drafted."""
    bad = rule(
        "trigger: {type: quiet, for: 30d}\npriority: 90\n"
        "draft:\n  subject: 'Hi'\n"
        "  body: \"{% if person.address.startswith('grace') %}{{ 1 / 0 }}{% endif %}ok\"",
        name="divides",
    )
    people = [person(), person(key="alan@bletchley.example", addresses=("alan@bletchley.example",))]
    people.append(person(key="kj@orbital.example", addresses=("kj@orbital.example",)))
    history = {p.key: [touch("meeting", 60)] for p in people}
    result = evaluate([bad], people, history, OWNER, now=NOW)
    assert sorted(d.person_key for d in result.drafts) == [
        "alan@bletchley.example",
        "kj@orbital.example",
    ]
    [problem] = result.problems
    assert (
        "divides" in problem and "grace@navy.example" in problem and "ZeroDivisionError" in problem
    )


def test_deeply_nested_yaml_is_a_file_line_error() -> None:
    text = "rules:\n  - name: deep\n    description: " + "[" * 5000 + "]" * 5000 + "\n"
    parsed = parse_file(text, "deep.yaml")
    [problem] = parsed.problems
    assert str(problem).startswith("deep.yaml:3:") and "levels deep" in str(problem)


def test_draft_goes_on_past_a_failing_rule(demo_config: Path, database_url: str) -> None:
    """`keepwarm draft` on the demo: a rule failing for one peer; the others are still queued."""
    use_database(demo_config, database_url)
    rules = demo_config.parent.parent / "rules"
    (rules / "zz-hostile.yaml").write_text(
        "rules:\n  - name: hostile\n    trigger: {type: new_peer, within: 30d}\n"
        "    priority: 99\n    when: {domain: [navylabs.example]}\n    draft:\n"
        "      subject: 'Hello'\n"
        "      body: \"Hello.{% if person.address.startswith('grace') %}{{ 1 / 0 }}{% endif %}\"\n",
        encoding="utf-8",
    )
    config = ["--config", str(demo_config)]
    assert runner.invoke(app, [*config, "sync"]).exit_code == 0
    result = runner.invoke(app, [*config, "draft"])
    assert result.exit_code == 0, result.output
    assert "ZeroDivisionError" in result.output and "grace.hopper@navylabs.example" in result.output
    queued = json.loads(runner.invoke(app, [*config, "queue", "--json"]).stdout)
    assert {d["to"][0] for d in queued} == EXPECTED_DRAFTS - {"grace.hopper@navylabs.example"}


@pytest.mark.parametrize("template", UNBOUNDED.values(), ids=list(UNBOUNDED))
def test_rules_check_finishes_and_points_at_the_file(tmp_path: Path, template: str) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text(
        "rules:\n  - name: slow\n    trigger: {type: new_peer}\n    draft:\n      subject: Hi\n"
        f"      body: {json.dumps(template)}\n",
        encoding="utf-8",
    )
    (tmp_path / "keepwarm.toml").write_text(
        '[owner]\nname = "Ada"\naddresses = ["ada@analytical.example"]\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["--config", str(tmp_path / "keepwarm.toml"), "rules", "check", str(path)]
    )
    assert result.exit_code == 1
    assert f"{path}:6:" in result.output
