"""`keepwarm rules check`: JSON problems with severity, warnings that do not fail, --strict."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from keepwarm.cli.main import app

runner = CliRunner()
CORPUS = Path(__file__).resolve().parent / "corpus"


def check(*args: str, code: int) -> str:
    result = runner.invoke(app, ["rules", "check", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.stdout


def test_json_problems_carry_severity_line_column_message_and_hint(tmp_path: Path) -> None:
    data = json.loads(check(str(CORPUS / "several-mistakes.yaml"), "--json", code=1))
    assert data["ok"] is False and data["errors"] == 3 and data["warnings"] == 0
    first = data["problems"][0]
    assert first == {
        "file": str(CORPUS / "several-mistakes.yaml"),
        "line": 8,
        "column": 11,
        "severity": "error",
        "message": "rules.0.name: 'Thank You' is not a rule name: use lower-case letters, "
        "digits, '-' and '_'",
        "hint": "e.g. name: thank-you",
    }


def test_warnings_are_shown_but_do_not_fail_unless_strict() -> None:
    path = str(CORPUS / "meeting-condition-on-email-trigger.yaml")
    data = json.loads(check(path, "--json", code=0))
    assert data["ok"] is True and data["rules"] == ["nudge-after-intro"]
    assert [p["severity"] for p in data["problems"]] == ["warning"]
    text = check(path, code=0)
    assert text.startswith(f"{path}:8:16: warning: rules.0.when.meeting: a no_reply trigger")
    assert "\n    hint: remove the meeting condition" in text
    assert json.loads(check(path, "--json", "--strict", code=1))["ok"] is False


def test_files_are_checked_without_any_config_or_database(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """In a folder with no keepwarm.toml, `rules check FILE` still works and creates nothing."""
    monkeypatch.chdir(tmp_path)
    check(str(CORPUS.parent / "valid" / "new-language.yaml"), code=0)
    assert list(tmp_path.iterdir()) == []
