"""``landcover models``: the networks on offer with counted GFLOP; --measure times them in one run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from landcover.infer.survey import describe, listed_specs, measure
from landcover.model.registry import ModelSpec
from tests.helpers import assert_one_line_error
from tests.helpers import landcover as run_landcover


def test_the_tutorial_unet_costs_what_the_issue_counted():
    facts = describe(ModelSpec())
    assert facts.parameters == 314_373
    assert facts.gflop_forward == pytest.approx(23.5, abs=0.1) and facts.gflop_training == pytest.approx(69.8, abs=0.2)


def test_every_listed_model_builds_and_the_list_names_each_architecture():
    specs = listed_specs()
    assert {s.architecture.value for s in specs} == {
        "tutorial-unet",
        "unet",
        "unetplusplus",
        "fpn",
        "deeplabv3plus",
        "segformer",
    }
    assert [s.name for s in listed_specs(["segformer"])] == ["segformer/mit_b0", "segformer/mit_b1"]


@pytest.mark.slow
def test_measure_gives_both_speeds_in_one_run():
    facts = measure(describe(ModelSpec(architecture="fpn", encoder="mobilenet_v2")), side=384, seconds=1)
    assert facts.train_samples_per_s and facts.train_samples_per_s > 0
    assert facts.infer_km2_per_s and facts.infer_km2_per_s > 0


def test_the_command_lists_and_refuses_an_unknown_architecture():
    listed = run_landcover("models", "--only", "tutorial-unet,segformer")
    assert listed.returncode == 0, listed.stderr
    assert "tutorial-unet" in listed.stdout and "mit_b0" in listed.stdout and "23.5" in listed.stdout
    refused = run_landcover("models", "--only", "segfromer")
    assert_one_line_error(refused, "--only segfromer is not an architecture; closest: segformer")


@pytest.mark.slow
def test_every_listed_model_is_counted_in_training_too():
    """DeepLabV3+ pools to 1 x 1 before a BatchNorm: counting its training step on one sample would fail."""
    for spec in listed_specs(["deeplabv3plus"]):
        facts = describe(spec)
        assert facts.gflop_training > facts.gflop_forward > 0


def test_names_are_whole_at_80_columns():
    command = [sys.executable, "-m", "landcover", "models", "--only", "unet,deeplabv3plus"]
    listed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "80"}, timeout=600)
    assert listed.returncode == 0, listed.stderr
    assert all(name in listed.stdout for name in ("tu-convnext_tiny", "deeplabv3plus", "efficientnet-b0"))
