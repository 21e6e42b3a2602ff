"""The worker pool: answers in submission order, a failed worker's batch done here, and a
caller that stops reading early leaves no stale answer for the next one."""

from __future__ import annotations

import math
import operator
from itertools import islice

import pytest

from keepwarm import workers

NEG = workers.Job(operator.neg, operator.neg)
SQUARE = workers.Job(math.prod, lambda pair: pair[0] * pair[1])


@pytest.fixture(autouse=True)
def _two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "workers", lambda: 2)  # a one-core machine still uses two


def test_answers_come_back_in_order() -> None:
    assert list(workers.ordered_map(NEG, range(50), parallel=True)) == [-i for i in range(50)]
    assert workers._pool  # the workers answered, not this process


def test_a_caller_that_stops_early_leaves_nothing_for_the_next() -> None:
    """A reader that returns after its last page abandons batches already in flight."""
    first = workers.ordered_map(NEG, range(40), parallel=True)
    assert list(islice(first, 3)) == [0, -1, -2]
    first.close()
    pairs = [(i, i) for i in range(20)]
    assert list(workers.ordered_map(SQUARE, pairs, parallel=True)) == [i * i for i in range(20)]


def test_a_failing_worker_costs_nothing_but_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers._Worker, "answer", lambda self: (False, "stopped"))
    assert list(workers.ordered_map(NEG, range(10), parallel=True)) == [-i for i in range(10)]


def test_a_function_the_worker_cannot_run_is_done_here() -> None:
    def nested(value: int) -> int:  # no module-level name: a worker cannot import it
        return -value

    broken = workers.Job(nested, operator.neg)
    assert list(workers.ordered_map(broken, range(6), parallel=True)) == [-i for i in range(6)]


def test_a_batch_that_does_not_pickle_is_done_here_in_its_place() -> None:
    batches: list[object] = [2, 3, lambda: None, 5]
    here = workers.Job(type, lambda batch: "done here")
    assert list(workers.ordered_map(here, batches, parallel=True)) == [int, int, "done here", int]
