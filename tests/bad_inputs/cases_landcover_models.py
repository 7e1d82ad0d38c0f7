"""Bad ``--model`` / ``--encoder`` / ``--weights`` / ``--init-from`` choices of ``landcover train``.

Each is refused in one line naming the option and what fits (the closest name, the layer that does not fit,
the cache folder and ``--weights PATH``), exit 2, before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from tests.bad_inputs.case import BadInput, Setup
from tests.bad_inputs.landcover_setups import checkpoint, pairs

TRAIN = ("train", "--input-dir", "{ws}/pairs", "--model-dir", "{ws}/models", "--epochs", "1", "--epoch-size", "4")


def encoder_file(name: str = "w.pth", encoder: str = "resnet18", bands: int = 3) -> Setup:
    """A seeded encoder state dict, as a ``--weights PATH`` file (another encoder or band count than asked)."""

    def make(ws: Path) -> None:
        import segmentation_models_pytorch as smp
        import torch

        torch.manual_seed(0)
        state = smp.encoders.get_encoder(encoder, in_channels=3).state_dict()
        state["conv1.weight"] = torch.randn(state["conv1.weight"].shape[0], bands, 7, 7)
        torch.save(state, ws / name)

    return make


def old_run(ws: Path) -> None:
    """A run's first epoch, written before the zoo (the tutorial's U-Net), in ``models``."""
    from tests.data.release_0_2 import write_epoch_checkpoint_0_2

    write_epoch_checkpoint_0_2(ws / "models" / "epoch-0001.pt", ws / "pairs", ws / "models", epoch_size=4)


def newer_run(ws: Path) -> None:
    """A run's first epoch whose training state a newer landcover wrote (``state_version`` beyond this one's)."""
    import torch

    from tests.data.release_0_2 import write_epoch_checkpoint_0_2

    path = write_epoch_checkpoint_0_2(ws / "models" / "epoch-0001.pt", ws / "pairs", ws / "models", epoch_size=4)
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["training"]["state_version"] = 99
    torch.save(checkpoint, path)


CASES: list[BadInput] = [
    BadInput(
        id="landcover-train-model-misspelt",
        cli="landcover",
        argv=(*TRAIN, "--model", "unett"),
        message=("--model 'unett' is not known; closest: unet", "tutorial-unet, unet, unetplusplus"),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-encoder-misspelt",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--encoder", "resnet81"),
        message=("--encoder resnet81 is not known; closest: resnet18", "smp encoders"),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-encoder-timm-misspelt",
        cli="landcover",
        argv=(*TRAIN, "--model", "fpn", "--encoder", "tu-convnext_tinny"),
        message="timm has no model convnext_tinny; closest: tu-convnext_tiny",
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-encoder-not-for-the-architecture",
        cli="landcover",
        argv=(*TRAIN, "--model", "unetplusplus", "--encoder", "mit_b0"),
        message="--encoder mit_b0 does not work with --model unetplusplus",
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-encoder-not-dilatable",
        cli="landcover",
        argv=(*TRAIN, "--model", "deeplabv3plus", "--encoder", "vgg11"),
        message="--encoder vgg11 does not work with --model deeplabv3plus",
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-encoder-for-the-tutorial-unet",
        cli="landcover",
        argv=(*TRAIN, "--encoder", "resnet18"),
        message="--model tutorial-unet has its own fixed encoder",
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-weights-for-the-tutorial-unet",
        cli="landcover",
        argv=(*TRAIN, "--weights", "imagenet"),
        message="--weights is for the zoo's pretrained encoders",
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-weights-imagenet-not-offered",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--encoder", "dpn68b", "--weights", "imagenet"),
        message="encoder dpn68b has no ImageNet weights",
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-weights-imagenet-offline",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--weights", "imagenet"),
        message=("not cached and could not be downloaded", "/ws/hf, TORCH_HOME=", "--weights PATH"),
        setup=(pairs(),),
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": "{ws}/hf"},
        untouched=("models", "hf"),
        subprocess=True,
    ),
    BadInput(
        id="landcover-train-weights-missing-file",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--weights", "{ws}/nope.pth"),
        message=("--weights ", "nope.pth: no such file"),
        setup=(pairs(),),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-weights-five-bands",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--weights", "{ws}/w.pth"),
        message="layer conv1.weight is (64, 5, 7, 7), the 4-band encoder's is (64, 4, 7, 7)",
        setup=(pairs(), encoder_file(bands=5)),
        untouched=("models", "w.pth"),
    ),
    BadInput(
        id="landcover-train-weights-of-another-encoder",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--encoder", "resnet18", "--weights", "{ws}/w.pth"),
        message=("layer layer1.2.conv1.weight is not in the encoder", "weights of another encoder"),
        setup=(pairs(), encoder_file(encoder="resnet34")),
        untouched=("models", "w.pth"),
    ),
    BadInput(
        id="landcover-train-weights-and-init-from",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--weights", "imagenet", "--init-from", "{ws}/m.pt"),
        message="--weights imagenet and --init-from both given",
        setup=(pairs(), checkpoint()),
        untouched=("models",),
    ),
    BadInput(
        id="landcover-train-init-from-another-architecture",
        cli="landcover",
        argv=(*TRAIN, "--model", "unet", "--init-from", "{ws}/m.pt"),
        message="holds a tutorial-unet, not the unet/resnet18 asked for with --model",
        setup=(pairs(), checkpoint()),
        untouched=("models", "m.pt"),
    ),
    BadInput(
        id="landcover-train-resume-with-another-model",
        cli="landcover",
        argv=(*TRAIN, "--batch-size", "2", "--class-weights", "tutorial", "--model", "segformer"),
        message=("--model segformer differs from tutorial-unet", "--restart"),
        setup=(pairs(), old_run),
        untouched=("models/epoch-0001.pt",),
    ),
    BadInput(
        id="landcover-train-resume-a-newer-training-state",
        cli="landcover",
        argv=(*TRAIN, "--batch-size", "2", "--class-weights", "tutorial"),
        message=("models/epoch-0001.pt: training state version 99 is newer", "upgrade landcover-runner"),
        setup=(pairs(), newer_run),
        untouched=("models/epoch-0001.pt",),
    ),
]
