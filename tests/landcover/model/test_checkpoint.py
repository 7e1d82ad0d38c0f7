import pytest
import torch

import landcover
from landcover.io.errors import LandcoverError
from landcover.model.checkpoint import make_checkpoint, read_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, TutorialUNet


def _saved(tmp_path, **config):
    torch.manual_seed(1)
    model = TutorialUNet(ModelConfig(**config))
    path = save_checkpoint(make_checkpoint(model, provenance={"kind": "test"}), tmp_path / "m.pt")
    return model, path


def test_round_trip_through_load_model(tmp_path):
    model, path = _saved(tmp_path, mean=(0.3, 0.3, 0.3, 0.4), std=(0.2, 0.2, 0.2, 0.3))
    loaded = landcover.load_model(path)
    assert not loaded.training
    assert loaded.config == model.config
    x = torch.rand(1, 4, 32, 32)
    with torch.no_grad():
        assert torch.equal(loaded(x), model.eval()(x))
    assert loaded(x).shape == (1, 5, 32, 32)


def test_checkpoint_is_plain_data_with_metadata(tmp_path):
    _, path = _saved(tmp_path)
    raw = torch.load(path, weights_only=True)
    assert raw["classes"][0] == "unknown" and len(raw["colours"]) == 5
    assert raw["label_map"] == [0, 1, 2, 3, 4, 4, 4]
    assert raw["provenance"]["kind"] == "test" and "created" in raw["provenance"]
    assert raw["config"]["normalisation"] == "dataset"


def test_write_is_atomic(tmp_path, monkeypatch):
    _, path = _saved(tmp_path)
    before = path.read_bytes()

    def broken_save(obj, f):
        with open(f, "wb") as handle:
            handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError):
        save_checkpoint({"format": "x"}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_truncated_checkpoint_is_refused(tmp_path):
    _, path = _saved(tmp_path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(LandcoverError, match="truncated"):
        read_checkpoint(path)


def test_foreign_file_is_refused(tmp_path):
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(LandcoverError, match="not a landcover checkpoint"):
        read_checkpoint(other)
    with pytest.raises(LandcoverError, match="no such model file"):
        read_checkpoint(tmp_path / "missing.pt")
