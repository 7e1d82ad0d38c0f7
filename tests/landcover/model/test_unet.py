import pytest
import torch

from landcover.model.unet import ModelConfig, TutorialUNet, bilinear_kernel, parameter_count


def test_parameter_count_matches_the_seed():
    assert parameter_count(TutorialUNet()) == 315_798


@pytest.mark.parametrize("size", [64, 96, 256])
def test_fully_convolutional_shapes(size):
    model = TutorialUNet().eval()
    with torch.no_grad():
        scores = model(torch.rand(2, 4, size, size))
    assert scores.shape == (2, 5, size, size)
    assert (scores >= 0).all(), "the tutorial applies ReLU to the class scores"


def test_initialisation_follows_the_seed():
    torch.manual_seed(0)
    model = TutorialUNet()
    assert torch.equal(model.up4.weight, bilinear_kernel(32))
    assert model.stem.conv.weight.abs().max() <= 1e-3
    w = model.stage1[0].first.conv.weight
    he_std = (2.0 / (64 * 9)) ** 0.5
    assert abs(w.std().item() - he_std) / he_std < 0.1
    assert torch.count_nonzero(model.classifier.bias) == 0


def test_bilinear_kernel_upsamples_a_constant_to_a_constant():
    up = torch.nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1, output_padding=1, bias=False)
    with torch.no_grad():
        up.weight.copy_(bilinear_kernel(1))
        out = up(torch.ones(1, 1, 8, 8))
    assert torch.allclose(out[..., 1:-1, 1:-1], torch.ones(1, 1, 14, 14))


def test_window_normalisation_ignores_rgb_offsets():
    model = TutorialUNet(ModelConfig(normalisation="window")).eval()
    x = torch.rand(1, 4, 64, 64) * 0.5
    shifted = x.clone()
    shifted[:, :3] += 0.2
    with torch.no_grad():
        assert torch.allclose(model(x), model(shifted), atol=1e-5)


def test_dataset_normalisation_uses_stored_statistics():
    config = ModelConfig(mean=(0.1, 0.2, 0.3, 0.4), std=(0.5, 0.5, 0.5, 0.5))
    model = TutorialUNet(config)
    x = torch.full((1, 4, 8, 8), 0.6)
    assert torch.allclose(model.normalise(x)[0, :, 0, 0], torch.tensor([1.0, 0.8, 0.6, 0.4]))


def test_bad_config_is_refused():
    with pytest.raises(ValueError, match="normalisation"):
        ModelConfig(normalisation="batch")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        ModelConfig(std=(0.0, 1.0, 1.0, 1.0))
