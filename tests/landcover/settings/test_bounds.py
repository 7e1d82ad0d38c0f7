"""Numeric options at and past their bounds: a seed of any size, centres of any float, through the real CLI.

Inside the bounds the value is taken (and every generator takes the seed); outside, one line naming the
option, exit 2; never a traceback.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landcover.settings import SampleDataSettings, TrainSettings
from landcover.settings.fields import MAX_SEED
from tests.landcover.invariant import run

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
seeds = st.one_of(st.integers(), st.integers(-(2**70), 2**70), st.sampled_from((-1, 0, MAX_SEED, MAX_SEED + 1)))


@PROPERTY
@given(seed=seeds)
def test_a_seed_is_taken_by_every_generator_or_refused_in_one_line(seed: int, tmp_path: Path) -> None:
    if 0 <= seed <= MAX_SEED:
        assert SampleDataSettings.build(out_dir=tmp_path, seed=seed).seed == seed
        np.random.default_rng(seed)
        np.random.RandomState(seed)
        random.seed(seed)
        torch.manual_seed(seed)
        return
    for argv in (
        ["sample-data", str(tmp_path / "d"), "--seed", str(seed)],
        ["train", "--input-dir", str(tmp_path), "--model-dir", str(tmp_path / "m"), "--seed", str(seed)],
    ):
        outcome = run(argv, [])
        assert outcome.code == 2 and "--seed" in outcome.stderr, outcome.show()
    assert not (tmp_path / "d").exists() and not (tmp_path / "m").exists()


def test_train_settings_share_the_seed_bounds() -> None:
    field = TrainSettings.model_fields["seed"]
    assert [getattr(m, "ge", None) for m in field.metadata if hasattr(m, "ge")] == [0]
    assert [getattr(m, "le", None) for m in field.metadata if hasattr(m, "le")] == [MAX_SEED]
