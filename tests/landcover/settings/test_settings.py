"""Settings: one declaration per option drives the CLI, validation, resume checks and the stored form."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import typer
from typer.testing import CliRunner

from landcover.cli_params import settings_command
from landcover.io.errors import LandcoverError
from landcover.settings import ClassWeights, Precision, TrainSettings, option, resume_fields
from tests.helpers import assert_one_line_error, landcover

REQUIRED = {"input_dir": Path("pairs"), "model_dir": Path("models")}


def test_resume_checks_read_the_fields():
    assert dict(resume_fields(TrainSettings)) == {
        "epoch_size": "--epoch-size",
        "batch_size": "--batch-size",
        "lr": "--lr",
        "weight_decay": "--weight-decay",
        "class_weights": "--class-weights",
        "init_from": "--init-from",
        "model": "--model",
        "encoder": "--encoder",
        "weights": "--weights",
        "freeze_encoder_epochs": "--freeze-encoder-epochs",
        "seed": "--seed",
        "val_dir": "--val-dir",
        "val_fraction": "--val-fraction",
        "monitor": "--monitor",
    }


def test_choices_are_enums_and_the_old_tutorial_value_still_parses():
    assert TrainSettings(**REQUIRED).class_weights is ClassWeights.balanced
    assert TrainSettings(**REQUIRED, class_weights="seed").class_weights is ClassWeights.tutorial
    with pytest.raises(LandcoverError, match="--class-weights 'nope' is not known") as caught:
        TrainSettings.build(**REQUIRED, class_weights="nope")
    assert caught.value.hint == "use balanced or tutorial"


def test_cross_field_rules_name_the_options():
    with pytest.raises(LandcoverError, match="--val-dir and --val-fraction both given"):
        TrainSettings.build(**REQUIRED, val_dir=Path("v"), val_fraction=0.2)
    with pytest.raises(LandcoverError, match="--early-stop needs validation pairs"):
        TrainSettings.build(**REQUIRED, early_stop=2)


def test_resolve_fills_the_machine_defaults_on_a_cpu():
    resolved = TrainSettings(**REQUIRED).resolve(torch.device("cpu"), ranks_on_node=1)
    assert (resolved.epoch_size, resolved.batch_size, resolved.lr) == (800, 10, 2e-3)
    assert resolved.threads is not None and resolved.threads >= 1
    assert resolved.memory_budget_gb is not None and resolved.memory_budget_gb > 0
    assert resolved.precision in (Precision.bf16, Precision.fp32)
    fine_tuning = TrainSettings(**REQUIRED, init_from=Path("x.pt"), batch_size=4).resolve(torch.device("cpu"), 2)
    assert (fine_tuning.lr, fine_tuning.batch_size) == (2e-4, 4)


def test_stored_form_round_trips_with_its_version():
    settings = TrainSettings(**REQUIRED, class_weights=ClassWeights.tutorial, val_fraction=0.25)
    document = settings.stored_document()
    assert document["format_version"] == TrainSettings.FORMAT_VERSION and document["command"] == "train"
    assert document["settings"]["input_dir"] == "pairs" and document["settings"]["class_weights"] == "tutorial"
    assert TrainSettings.from_stored(document["settings"], document["format_version"]) == settings


class WithNewOption(TrainSettings):
    """A training option added the one way there is: one field."""

    warmup_fraction: float = option(
        "--warmup-fraction", default=0.05, ge=0.0, le=0.5, resume=True, help="Warm-up share of the steps."
    )


def test_a_new_option_is_one_field():
    seen: list[WithNewOption] = []
    app = typer.Typer()

    @app.command()
    @settings_command(WithNewOption)
    def train(settings: WithNewOption) -> None:
        seen.append(settings)

    @app.command()
    def other() -> None: ...

    result = CliRunner().invoke(app, ["train", "--input-dir", "d", "--model-dir", "m", "--warmup-fraction", "0.1"])
    assert result.exit_code == 0, result.output
    assert seen[0].warmup_fraction == 0.1 and seen[0].input_dir == Path("d")
    assert ("warmup_fraction", "--warmup-fraction") in list(resume_fields(WithNewOption))
    assert "--warmup-fraction" in CliRunner().invoke(app, ["train", "--help"], terminal_width=120).output


def test_a_wrong_choice_is_a_one_line_error():
    result = landcover("train", "--input-dir", "d", "--model-dir", "m", "--monitor", "f1")
    assert_one_line_error(result, "--monitor 'f1' is not known", "mean_iou, pixel_accuracy or loss")
