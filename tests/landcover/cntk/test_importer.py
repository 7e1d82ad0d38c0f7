import subprocess
import sys

import pytest
import torch

import landcover
from landcover.cntk.importer import import_cntk, import_cntk_model
from landcover.cntk.proto import Dictionary
from landcover.infer.score import score_pairs
from landcover.io.errors import LandcoverError
from tests.data.cntk_fixtures import single_relu_model


def _landcover(*args):
    return subprocess.run([sys.executable, "-m", "landcover", *args], capture_output=True, text=True)


@pytest.fixture(scope="module")
def real_pairs(tmp_path_factory):
    from landcover.data.chesapeake import convert_patches
    from tests.conftest import shared_path

    out = tmp_path_factory.mktemp("chesapeake")
    convert_patches(shared_path("data", "real", "chesapeake-wv-2014"), out)
    return out


@pytest.mark.shared
def test_250_epoch_model_reproduces_the_tutorial_accuracy(tutorial_model_250, real_pairs, tmp_path):
    checkpoint = import_cntk(tutorial_model_250, tmp_path / "tutorial250.pt")
    metrics = score_pairs(landcover.load_model(checkpoint), real_pairs)
    assert metrics["images"] == 8
    assert metrics["pixel_accuracy"] == pytest.approx(0.904, abs=0.002)
    assert metrics["mean_iou"] == pytest.approx(0.670, abs=0.003)
    iou = {name: s["iou"] for name, s in metrics["per_class"].items()}
    assert iou["trees"] == pytest.approx(0.888, abs=0.003)
    assert iou["herbaceous"] == pytest.approx(0.621, abs=0.003)
    assert iou["barren/impervious"] == pytest.approx(0.501, abs=0.003)


@pytest.mark.shared
def test_1_epoch_model_reproduces_the_tutorial_accuracy(tutorial_model_1, real_pairs):
    metrics = score_pairs(import_cntk_model(tutorial_model_1), real_pairs)
    assert metrics["pixel_accuracy"] == pytest.approx(0.409, abs=0.002)


@pytest.mark.shared
def test_imported_checkpoint_records_window_normalisation(tutorial_model_1, tmp_path):
    path = import_cntk(tutorial_model_1, tmp_path / "tutorial1.pt")
    raw = torch.load(path, weights_only=True)
    assert raw["config"]["normalisation"] == "window"
    assert raw["provenance"]["kind"] == "cntk-import"
    assert raw["state_dict"]["stem.bn.num_batches_tracked"].item() == 8000


@pytest.mark.shared
def test_truncated_cntk_file_is_refused(tutorial_model_1, tmp_path):
    truncated = tmp_path / "truncated.model"
    truncated.write_bytes(tutorial_model_1.read_bytes()[:700_000])
    with pytest.raises(LandcoverError, match=r"truncated\.model: cannot import|truncated\.model: not"):
        import_cntk(truncated, tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()


def _mutated(source, mutate):
    message = Dictionary()
    message.ParseFromString(source.read_bytes())
    mutate(message)
    return message.SerializeToString()


@pytest.mark.shared
def test_graph_with_another_block_is_refused(tutorial_model_1, tmp_path):
    def rename_first_convolution(message):
        for entry in message.data["primitive_functions"].vector_value.value:
            fields = entry.dictionary_value.data
            if "block_function_op_name" in fields and fields["block_function_op_name"].string_value == "Convolution":
                fields["block_function_op_name"].string_value = "Pooling"
                return

    path = tmp_path / "other.model"
    path.write_bytes(_mutated(tutorial_model_1, rename_first_convolution))
    with pytest.raises(LandcoverError, match=r"other\.model: cannot import"):
        import_cntk_model(path)


@pytest.mark.shared
def test_graph_with_extra_tensors_is_refused(tutorial_model_1, tmp_path):
    def add_parameter(message):
        inputs = message.data["inputs"].vector_value.value
        inputs.append(inputs[0])
        inputs[-1].dictionary_value.data["uid"].string_value = "Parameter999999"

    path = tmp_path / "extra.model"
    path.write_bytes(_mutated(tutorial_model_1, add_parameter))
    with pytest.raises(LandcoverError, match=r"do not belong"):
        import_cntk_model(path)


def test_other_architecture_is_refused(tmp_path):
    path = tmp_path / "relu.model"
    path.write_bytes(single_relu_model())
    with pytest.raises(LandcoverError, match=r"relu\.model: cannot import"):
        import_cntk(path, tmp_path / "out.pt")
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a CNTK v2 model file"),
        (b"", "not a CNTK v2 model file"),
    ],
)
def test_non_cntk_file_is_refused(tmp_path, content, message):
    path = tmp_path / "picture.model"
    path.write_bytes(content)
    with pytest.raises(LandcoverError, match=message):
        import_cntk_model(path)


def test_cli_bad_input_gives_one_line_and_exit_2(tmp_path):
    missing = _landcover("import-cntk", str(tmp_path / "nope.model"), str(tmp_path / "out.pt"))
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0
    assert "nope.model: no such file" in missing.stderr
    assert "Traceback" not in missing.stderr

    junk = tmp_path / "junk.model"
    junk.write_bytes(b"hello, not a model")
    result = _landcover("import-cntk", str(junk), str(tmp_path / "out.pt"))
    assert result.returncode == 2 and "junk.model" in result.stderr
    assert not (tmp_path / "out.pt").exists()


def test_cli_refuses_existing_output_without_force(tmp_path):
    junk = tmp_path / "in.model"
    junk.write_bytes(single_relu_model())
    existing = tmp_path / "out.pt"
    existing.write_bytes(b"keep me")
    result = _landcover("import-cntk", str(junk), str(existing))
    assert result.returncode == 2
    assert "out.pt: already exists" in result.stderr and "--force" in result.stderr
    assert existing.read_bytes() == b"keep me"


@pytest.mark.shared
def test_cli_imports_and_scores(tutorial_model_250, real_pairs, tmp_path):
    out = tmp_path / "tutorial.pt"
    assert _landcover("import-cntk", str(tutorial_model_250), str(out)).returncode == 0
    result = _landcover("score", str(out), str(real_pairs), "--json")
    assert result.returncode == 0, result.stderr
    assert '"pixel_accuracy": 0.90' in result.stdout
    again = _landcover("import-cntk", str(tutorial_model_250), str(out), "--force")
    assert again.returncode == 0
