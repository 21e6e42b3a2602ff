"""A corpus of broken rule files: each must give its expected `file:line:col: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from keepwarm.services.rulesio import check_paths

CORPUS = Path(__file__).resolve().parents[1] / "rules_corpus"
FILES = sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_big_enough() -> None:
    """The issue asks for at least 25 broken files."""
    assert len(FILES) >= 25


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_broken_file_reports_expected_position(path: Path) -> None:
    """The first line says `# expect: [file:]LINE:COL: text`; a problem starts that way."""
    expect = path.read_text().splitlines()[0].removeprefix("# expect: ")
    where, _, text = expect.partition(": ")
    where = f"{path}:{where}" if where.count(":") == 1 else str(CORPUS / where)
    result = check_paths([path])
    assert result.skipped == [str(path)] and not result.rules
    rendered = [str(p) for p in result.problems]
    assert any(r.startswith(f"{where}: ") and text in r for r in rendered), rendered
    assert all(p.hint or "YAML" in p.message or "mapping" in p.message for p in result.problems)
