"""The model zoo: every network keeps one contract, its checkpoint rebuilds it, pretrained weights fit four bands."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from landcover.choices import Architecture
from landcover.io.errors import LandcoverError
from landcover.model.build import build_network
from landcover.model.checkpoint import load_model, make_checkpoint, read_checkpoint, save_checkpoint
from landcover.model.pretrained import (
    EncoderWeights,
    adapt_first_conv,
    encoder_weights,
    four_band_statistics,
    load_encoder_weights,
)
from landcover.model.registry import ModelSpec, check_encoder
from tests.data.models import fresh_checkpoint

ZOO = [("unet", "resnet18"), ("segformer", "mit_b0"), ("fpn", "mobilenet_v2")]


@pytest.fixture(scope="module")
def networks() -> dict[tuple[str, str], torch.nn.Module]:
    torch.manual_seed(0)
    return {pair: build_network(ModelSpec(architecture=pair[0], encoder=pair[1])).eval() for pair in ZOO}


@settings(max_examples=12, deadline=None)
@given(pair=st.sampled_from(ZOO), height=st.integers(8, 26), width=st.integers(8, 26))
def test_every_network_returns_five_scores_per_pixel_at_the_inputs_size(networks, pair, height, width):
    """The public contract for any size divisible by 8: (N, 4, H, W) in [0, 1] -> (N, 5, H, W)."""
    x = torch.rand(1, 4, 8 * height, 8 * width)
    with torch.no_grad():
        assert networks[pair](x).shape == (1, 5, 8 * height, 8 * width)


@pytest.mark.parametrize("pair", ZOO)
def test_a_checkpoint_rebuilds_its_network_with_no_flag(networks, pair, tmp_path):
    path = save_checkpoint(make_checkpoint(networks[pair], provenance={"kind": "test"}), tmp_path / "m.pt")
    raw = read_checkpoint(path)
    assert raw["format_version"] == 2 and raw["model"]["architecture"] == pair[0] and raw["model"]["encoder"] == pair[1]
    loaded = load_model(path)
    x = torch.rand(2, 4, 96, 64)
    with torch.no_grad():
        assert torch.equal(loaded(x), networks[pair](x))


def test_tutorial_checkpoints_keep_their_layout(tmp_path):
    """A tutorial-unet checkpoint is still format 1 with its config: earlier releases read it."""
    raw = read_checkpoint(fresh_checkpoint(tmp_path / "t.pt"))
    assert raw["format_version"] == 1 and raw["config"]["widths"] == [64, 32, 32, 32]
    assert raw["model"]["architecture"] == "tutorial-unet" and raw["model"]["encoder"] is None


def test_a_zoo_checkpoint_whose_weights_do_not_fit_names_the_layer(networks, tmp_path):
    checkpoint = make_checkpoint(networks[("unet", "resnet18")], provenance={})
    checkpoint["model"]["encoder"] = "resnet34"
    path = save_checkpoint(checkpoint, tmp_path / "m.pt")
    with pytest.raises(LandcoverError, match="do not fit the unet/resnet34 it declares"):
        read_checkpoint(path)


@settings(max_examples=20, deadline=None)
@given(out=st.integers(1, 8), kernel=st.sampled_from([1, 3, 7]), seed=st.integers(0, 2**16), grey=st.floats(0, 1))
def test_the_four_band_conv_keeps_rgb_and_the_activation_magnitude(out, kernel, seed, grey):
    """RGB filters kept (x 3/4), NIR their mean (x 3/4); on imagery whose bands are equal the output is unchanged."""
    weight = torch.randn(out, 3, kernel, kernel, generator=torch.Generator().manual_seed(seed))
    adapted = adapt_first_conv(weight, 4)
    assert adapted.shape == (out, 4, kernel, kernel)
    torch.testing.assert_close(adapted[:, :3], weight * 0.75)
    torch.testing.assert_close(adapted[:, 3], weight.mean(dim=1) * 0.75)
    image = torch.full((1, 1, kernel + 4, kernel + 4), grey)
    torch.testing.assert_close(
        F.conv2d(image.expand(-1, 4, -1, -1), adapted), F.conv2d(image.expand(-1, 3, -1, -1), weight)
    )


def test_nir_statistics_are_the_mean_of_rgb():
    assert four_band_statistics((0.485, 0.456, 0.406), 4) == pytest.approx((0.485, 0.456, 0.406, 0.449))


def _rgb_resnet18_state() -> dict[str, torch.Tensor]:
    import segmentation_models_pytorch as smp

    torch.manual_seed(1)
    return smp.encoders.get_encoder("resnet18", in_channels=3).state_dict()


@pytest.mark.parametrize("layout", ["bare", "state_dict", "smp-model"])
def test_weights_path_loads_a_three_band_encoder_adapted(layout, tmp_path):
    state = _rgb_resnet18_state()
    saved: object = {
        "bare": state,
        "state_dict": {"state_dict": state, "epoch": 3},
        "smp-model": {**{f"encoder.{k}": v for k, v in state.items()}, "decoder.x.weight": torch.zeros(1)},
    }[layout]
    torch.save(saved, tmp_path / "w.pth")
    spec = ModelSpec(architecture="unet", encoder="resnet18", weights=str(tmp_path / "w.pth"))
    weights = encoder_weights(spec)
    assert weights is not None and weights.mean == (0.485, 0.456, 0.406)
    model = build_network(spec)
    adapted = load_encoder_weights(model.encoder, weights, 4)  # type: ignore[union-attr]
    assert adapted == ["conv1.weight"]
    encoder = model.encoder  # type: ignore[union-attr]
    torch.testing.assert_close(encoder.conv1.weight, adapt_first_conv(state["conv1.weight"], 4))
    assert torch.equal(encoder.layer4[1].conv2.weight, state["layer4.1.conv2.weight"])


def test_weights_path_takes_a_timm_checkpoint_for_a_tu_encoder(tmp_path):
    import timm

    torch.manual_seed(2)
    state = timm.create_model("resnet18", pretrained=False).state_dict()  # with its classifier, fc.*
    torch.save({"model": state}, tmp_path / "timm.pth")
    spec = ModelSpec(architecture="fpn", encoder="tu-resnet18", weights=str(tmp_path / "timm.pth"))
    weights = encoder_weights(spec)
    assert weights is not None
    model = build_network(spec)
    assert load_encoder_weights(model.encoder, weights, 4) == ["model.conv1.weight"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda s: {**s, "conv1.weight": torch.zeros(64, 5, 7, 7)}, "layer conv1.weight is (64, 5, 7, 7)"),
        (lambda s: {k: v for k, v in s.items() if not k.startswith("layer4")}, "no layer4.0.conv1.weight in it"),
        (lambda s: {**s, "layer5.0.conv1.weight": torch.zeros(1)}, "layer layer5.0.conv1.weight is not in the"),
    ],
    ids=["five-bands", "another-encoder-smaller", "another-encoder-larger"],
)
def test_weights_that_do_not_fit_name_the_layer(mutate, fragment):
    model = build_network(ModelSpec(architecture="unet", encoder="resnet18"))
    weights = EncoderWeights(mutate(_rgb_resnet18_state()), "w.pth", (0.5,) * 3, (0.2,) * 3)
    with pytest.raises(LandcoverError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_encoder_weights(model.encoder, weights, 4)  # type: ignore[union-attr]


def test_imagenet_without_network_names_the_cache_and_the_way_out(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    with pytest.raises(LandcoverError) as caught:
        encoder_weights(ModelSpec(architecture="unet", encoder="resnet18", weights="imagenet"))
    assert f"HF_HOME={tmp_path / 'hf'}" in caught.value.message and "--weights PATH" in caught.value.hint
    assert not any(Path(tmp_path).rglob("*.safetensors"))


@settings(max_examples=30, deadline=None)
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=14))
def test_encoder_names_are_known_or_refused_in_one_line(name):
    try:
        assert check_encoder(Architecture.unet, name) == name
    except LandcoverError as exc:
        assert "\n" not in exc.message and name in exc.message


def test_default_encoders():
    assert check_encoder(Architecture.unet, None) == "resnet18"
    assert check_encoder(Architecture.segformer, None) == "mit_b0"
    assert check_encoder(Architecture.tutorial_unet, None) is None
