"""The stored learning-rate schedule: pure functions of (schedule, epoch, step)."""

from __future__ import annotations

import itertools

import pytest

from landcover.train.schedule import FINAL_LR_FRACTION, Schedule

PEAK = 1e-3


def _rates(schedule: Schedule, epochs: range, steps: int) -> list[float]:
    return [schedule.rate(epoch, step) for epoch in epochs for step in range(steps)]


def test_extension_keeps_the_past_and_continues_from_the_current_rate():
    stored = Schedule.fresh(0, 2, 10, PEAK)
    extended = stored.extended(1, 4)
    assert _rates(extended, range(1, 2), 10) == _rates(stored, range(1, 2), 10)  # epoch 1 as trained
    assert extended.rate(2, 0) == pytest.approx(stored.rate(2, 0))  # no jump at the resume point
    tail = _rates(extended, range(2, 5), 10)
    assert all(a >= b for a, b in itertools.pairwise(tail))
    assert extended.rate_after(4) == pytest.approx(FINAL_LR_FRACTION * PEAK)
    assert extended.last_epoch == 4


def test_extending_a_finished_run_continues_at_its_final_rate():
    stored = Schedule.fresh(0, 2, 10, PEAK)
    extended = stored.extended(2, 3)
    assert _rates(extended, range(1, 3), 10) == _rates(stored, range(1, 3), 10)
    assert _rates(extended, range(3, 4), 10) == pytest.approx([FINAL_LR_FRACTION * PEAK] * 10)


def test_schedule_round_trips_through_the_checkpoint_form():
    schedule = Schedule.fresh(0, 2, 10, PEAK).extended(1, 3).extended(3, 5)
    assert Schedule.from_dict(schedule.to_dict()) == schedule
    assert [s.first_epoch for s in schedule.segments] == [0, 1, 3]
