"""Broken rule files, each with the problems `rules check` must report, exactly.

A file starts with its expectations (or has them in `NAME.expect` when it cannot hold
comments: an empty or UTF-16 file), one pair per problem, in the order reported:

    # expect: LINE:COL: [warning: ]a fragment of the message
    # hint: a fragment of the hint

`LINE:COL` is in the file itself; `templates/NAME:LINE:COL` points into its templates folder.
Every problem must be expected (nothing extra), at that exact line and column, with that
severity; a file is skipped if and only if one of its problems is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from keepwarm.services.rulesio import check_paths

HERE = Path(__file__).resolve().parent
CORPORA = (HERE / "corpus", HERE.parent / "rules_corpus")
FILES = sorted(p for folder in CORPORA for p in folder.glob("*.yaml"))
_EXPECT = re.compile(
    r"^(?:(?P<file>[\w./-]+):)?(?P<line>\d+):(?P<col>\d+): (?P<warning>warning: )?"
)


@dataclass(frozen=True)
class Expected:
    source: str
    line: int
    col: int
    severity: str
    message: str
    hint: str | None


def expectations(path: Path) -> list[Expected]:
    sidecar = path.with_name(path.name + ".expect")
    lines = (sidecar if sidecar.exists() else path).read_text(errors="replace").splitlines()
    found: list[Expected] = []
    for n, text in enumerate(lines):
        if not text.startswith("# expect: "):
            continue
        spec = text.removeprefix("# expect: ")
        where = _EXPECT.match(spec)
        assert where, f"{path.name}: bad expectation {spec!r}"
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        source = str(path.parent / where["file"]) if where["file"] else str(path)
        found.append(
            Expected(
                source,
                int(where["line"]),
                int(where["col"]),
                "warning" if where["warning"] else "error",
                spec[where.end() :],
                nxt.removeprefix("# hint: ") if nxt.startswith("# hint: ") else None,
            )
        )
    return found


def test_the_corpus_is_demanding() -> None:
    """More broken files than the 30 of the outside corpus, each with a hint to check."""
    mine = [p for p in FILES if p.parent == CORPORA[0]]
    assert len(mine) >= 60
    assert all(e.hint for p in mine for e in expectations(p)), "every new case checks its hint"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_broken_file_reports_exactly_its_problems(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    result = check_paths([path])
    got = [(p.source, p.line, p.col, p.severity) for p in result.problems]
    assert got == [(e.source, e.line, e.col, e.severity) for e in expected], [
        str(p) for p in result.problems
    ]
    for problem, want in zip(result.problems, expected, strict=True):
        assert want.message in problem.message, str(problem)
        assert problem.hint, f"every problem has a hint: {problem}"
        if want.hint is not None:
            assert want.hint in problem.hint, str(problem)
    errors = any(e.severity == "error" for e in expected)
    assert result.skipped == ([str(path)] if errors else [])
    if errors:
        assert not result.rules


VALID = sorted((HERE / "valid").glob("*.yaml"))


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_tricky_but_valid_files_check_clean(path: Path) -> None:
    """What is easy to get wrong in the other direction: valid files raise nothing."""
    result = check_paths([path])
    assert [str(p) for p in result.problems] == []
    assert result.rules
