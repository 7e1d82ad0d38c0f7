"""MLflow tracking against a real local store (SQLite in a temp dir): training, resume, MPI, evaluation."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from landcover.tracking import numeric_metrics
from tests.data.fixtures import write_pair, write_pairs
from tests.data.models import fresh_checkpoint
from tests.helpers import assert_one_line_error, mpi_landcover

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy")

TINY = ["--epoch-size", "4", "--batch-size", "2", "--threads", "1"]
EPOCH_METRICS = {"loss", "pixel_error", "samples_per_s", "seconds", "lr"}


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> Path:
    return write_pairs(tmp_path_factory.mktemp("pairs"), 2)


def _env(store: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    if store is not None:
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{store / 'mlflow.db'}"
        env["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    return env


def _run(command: list[str], store: Path | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command with the store as tracking URI; artifacts land under ``cwd/mlruns`` (MLflow's default)."""
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=_env(store), cwd=cwd)


def _landcover(store: Path | None, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "landcover", *args], store, cwd)


def _runs(store: Path) -> list:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, order_by=["attributes.start_time ASC"])


def _history(store: Path, run_id: str, key: str) -> list[tuple[int, float]]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    return sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))


def _artifacts(store: Path, run_id: str) -> set[str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    return {f.path for f in client.list_artifacts(run_id)}


def test_numeric_metrics_flattens_and_keeps_only_finite_numbers():
    values = {
        "loss": 0.5,
        "epoch": 3,
        "ok": True,
        "none": None,
        "nan": float("nan"),
        "names": ["a"],
        "per_class": {"barren/impervious": {"iou": 0.25, "pixels": 7}},
    }
    assert numeric_metrics(values) == {
        "loss": 0.5,
        "epoch": 3.0,
        "per_class.barren/impervious.iou": 0.25,
        "per_class.barren/impervious.pixels": 7.0,
    }


@pytest.mark.slow
def test_without_tracking_uri_nothing_changes_and_mlflow_is_never_imported(pairs, tmp_path):
    scene, _ = write_pair(tmp_path / "scene", "S1", size=(160, 160), seed=5)
    model = fresh_checkpoint(tmp_path / "model.pt")
    script = textwrap.dedent(
        f"""
        import sys
        from landcover.cli import app
        app(["train", "--input-dir", {str(pairs)!r}, "--model-dir", {str(tmp_path / "m")!r},
             "--epoch-size", "2", "--batch-size", "2", "--threads", "1"], standalone_mode=False)
        app(["evaluate", "--input-filename", {str(scene)!r}, "--model-filename", {str(model)!r},
             "--output-dir", {str(tmp_path / "out")!r}], standalone_mode=False)
        assert "mlflow" not in sys.modules, "mlflow was imported"
        print("no mlflow")
        """
    )
    result = _run([sys.executable, "-c", script], None, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no mlflow" in result.stdout
    assert (tmp_path / "m" / "trained.pt").is_file() and (tmp_path / "out" / "metrics.json").is_file()
    assert not (tmp_path / "mlruns").exists()


@pytest.mark.slow
def test_training_logs_params_every_epoch_and_the_model_and_resumes_into_a_full_run(pairs, tmp_path):
    model_dir = tmp_path / "model"
    args = ["train", "--input-dir", str(pairs), "--model-dir", str(model_dir), *TINY]
    first = _landcover(tmp_path, tmp_path, *args, "--epochs", "1")
    assert first.returncode == 0, first.stderr
    second = _landcover(tmp_path, tmp_path, *args, "--epochs", "2")  # resumes after epoch 1
    assert second.returncode == 0, second.stderr
    assert "resuming from" in second.stdout

    runs = _runs(tmp_path)
    assert len(runs) == 2
    assert all(run.info.status == "FINISHED" for run in runs)
    newest = runs[-1]
    params = newest.data.params
    assert params["epochs"] == "2" and params["epoch_size"] == "4" and params["world_size"] == "1"
    assert params["input_dir"] == str(pairs) and params["class_weights"] == "balanced"
    assert newest.data.tags["landcover.command"] == "train"
    assert set(newest.data.metrics) >= EPOCH_METRICS
    # Every epoch is in the resumed run: epoch 1 replayed from the checkpoint, epoch 2 as it finished.
    assert [step for step, _ in _history(tmp_path, newest.info.run_id, "loss")] == [1, 2]
    assert [step for step, _ in _history(tmp_path, runs[0].info.run_id, "loss")] == [1]
    assert _artifacts(tmp_path, newest.info.run_id) == {"trained.pt", "metrics.jsonl"}


@pytest.mark.slow
def test_two_mpi_ranks_create_exactly_one_run(pairs, tmp_path):
    command = mpi_landcover(
        2, "train", "--input-dir", str(pairs), "--model-dir", str(tmp_path / "model"), "--epochs", "2", *TINY
    )
    result = _run(command, tmp_path, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = _runs(tmp_path)
    assert len(runs) == 1
    assert runs[0].data.params["world_size"] == "2"
    assert [step for step, _ in _history(tmp_path, runs[0].info.run_id, "pixel_error")] == [1, 2]
    assert "trained.pt" in _artifacts(tmp_path, runs[0].info.run_id)


@pytest.mark.slow
def test_evaluate_logs_its_metrics_and_preview(tmp_path):
    scene, _ = write_pair(tmp_path / "scene", "S1", size=(160, 160), seed=5)
    model = fresh_checkpoint(tmp_path / "model.pt")
    result = _landcover(
        tmp_path,
        tmp_path,
        "evaluate",
        "--input-filename",
        str(scene),
        "--model-filename",
        str(model),
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert result.returncode == 0, result.stderr
    [run] = _runs(tmp_path)
    assert run.info.status == "FINISHED" and run.data.tags["landcover.command"] == "evaluate"
    assert run.data.params["model_filename"] == str(model)
    assert {"pixel_accuracy", "mean_iou", "per_class.water.iou", "seconds"} <= set(run.data.metrics)
    assert _artifacts(tmp_path, run.info.run_id) == {"metrics.json", "preview.png"}


def test_unreachable_tracking_server_is_a_one_line_error(pairs, tmp_path):
    env = {**_env(None), "MLFLOW_TRACKING_URI": "http://127.0.0.1:9", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "landcover", "train", "--input-dir", str(pairs), "--model-dir", str(tmp_path / "m")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert_one_line_error(result, "MLFLOW_TRACKING_URI=http://127.0.0.1:9", "does not answer")
    assert not (tmp_path / "m").exists()  # refused before any work: no model folder made


def test_an_unreachable_http_server_fails_before_the_work_and_mlflow_waits_briefly(monkeypatch):
    import os

    import pytest

    from landcover.io.errors import LandcoverError
    from landcover.tracking import check_tracking_reachable

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")  # the user's own setting is kept
    with pytest.raises(LandcoverError, match="does not answer"):
        check_tracking_reachable()
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "10"
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "3"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///nowhere/mlflow.db")  # not probed
    check_tracking_reachable()


@pytest.mark.slow
def test_a_zoo_run_records_its_model(pairs, tmp_path):
    model_dir = tmp_path / "model"
    args = ["train", "--input-dir", str(pairs), "--model-dir", str(model_dir), *TINY, "--epochs", "1"]
    done = _landcover(tmp_path, tmp_path, *args, "--model", "fpn", "--encoder", "mobilenet_v2")
    assert done.returncode == 0, done.stderr
    (run,) = _runs(tmp_path)
    params = run.data.params
    assert (params["model"], params["encoder"], params["weights"]) == ("fpn", "mobilenet_v2", "none")
    assert params["freeze_encoder_epochs"] == "0" and params["settings_version"] == "3"
