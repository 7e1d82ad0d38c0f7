"""``landcover train``'s settings: every training option, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import model_validator

from landcover.choices import Architecture, Choice, Precision
from landcover.io.errors import LandcoverError
from landcover.limits import default_threads, memory_available
from landcover.settings.fields import MAX_SEED, Settings, option

if TYPE_CHECKING:
    import torch


class ClassWeights(Choice):
    """Loss weight per class (``--class-weights``)."""

    balanced = "balanced"
    """1 / sqrt(pixel frequency of the class), the average weight per known pixel 1."""
    tutorial = "tutorial"
    """All 1, as the 2018 tutorial trained."""

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """``seed``: this value's name before 0.2 (it meant the 2018 tutorial)."""
        return {"seed": "tutorial"}


class Monitor(Choice):
    """The validation score that picks ``best.pt`` (``--monitor``)."""

    mean_iou = "mean_iou"
    pixel_accuracy = "pixel_accuracy"
    loss = "loss"


def default_memory_budget_gb(ranks_on_node: int) -> float:
    """Half of the memory still available (the container's limit, if lower than the node's), shared by its ranks."""
    return memory_available() / 2 / max(1, ranks_on_node) / 2**30


class TrainSettings(Settings):
    """What ``landcover train`` was asked to do; :meth:`resolve` fills the defaults that depend on the machine.

    Format versions: 1 is the ``TrainOptions`` dataclass of landcover-runner 0.1 (``class_weights`` ``seed``
    for what is now ``tutorial``; no ``threads``); 2 added ``threads``; 3 (the model zoo) added ``model``,
    ``encoder``, ``weights`` and ``freeze_encoder_epochs`` (a version-2 run trained the tutorial's U-Net).
    """

    COMMAND = "train"
    FORMAT_VERSION = 3

    input_dir: Path = option(
        "--input-dir", "--input_dir", help="Folder of *_NAIP.tif / *_LandCover.tif pairs.", metavar="DIR"
    )
    model_dir: Path = option(
        "--model-dir", "--model_dir", help="Where checkpoints, trained.pt and metrics go.", metavar="DIR"
    )
    epochs: int = option(
        "--epochs", "--num_epochs", "--num-epochs", default=1, ge=1, help="Passes of --epoch-size samples.", metavar="N"
    )
    epoch_size: int | None = option(
        "--epoch-size",
        "--epoch_size",
        default=None,
        ge=1,
        resume=True,
        help="Samples per epoch \\[default: GPU 16000, CPU 800].",
        metavar="N",
    )
    batch_size: int | None = option(
        "--batch-size",
        "--batch_size",
        default=None,
        ge=1,
        resume=True,
        help="Crops per step per rank \\[default: GPU 32, CPU 10].",
        metavar="N",
    )
    lr: float | None = option(
        "--lr",
        default=None,
        ge=0.0,
        resume=True,
        help="Peak learning rate \\[default: 2e-3; 2e-4 with --init-from or --weights].",
        metavar="RATE",
    )
    weight_decay: float = option(
        "--weight-decay", default=1e-4, ge=0.0, resume=True, help="AdamW weight decay.", metavar="DECAY"
    )
    class_weights: ClassWeights = option(
        "--class-weights",
        default=ClassWeights.balanced,
        resume=True,
        help="balanced: 1/sqrt(class frequency); tutorial: all 1, as the 2018 tutorial.",
    )
    init_from: Path | None = option(
        "--init-from",
        default=None,
        resume=True,
        help="Fine-tune from a checkpoint (e.g. one made by import-cntk).",
        metavar="CHECKPOINT",
    )
    model: Architecture | None = option(
        "--model",
        default=None,
        resume=True,
        help="Network: tutorial-unet or an smp architecture (landcover models) \\[default: tutorial-unet; "
        "--init-from's].",
    )
    encoder: str | None = option(
        "--encoder",
        default=None,
        resume=True,
        help="Encoder of a zoo --model: any smp encoder, timm's as tu-NAME \\[default: resnet18; segformer mit_b0].",
        metavar="NAME",
    )
    weights: str = option(
        "--weights",
        default="none",
        resume=True,
        help="Encoder's starting weights: none, imagenet (downloaded once) or PATH (a state dict or timm/smp file).",
        metavar="none|imagenet|PATH",
    )
    freeze_encoder_epochs: int = option(
        "--freeze-encoder-epochs",
        default=0,
        ge=0,
        resume=True,
        help="Hold the encoder's weights for the first N epochs (a warm-up of the decoder on pretrained weights).",
        metavar="N",
    )
    seed: int = option(
        default=0, resume=True, help="Random seed for initialisation and sampling.", metavar="N", ge=0, le=MAX_SEED
    )
    precision: Precision = option(default=Precision.auto, help="auto (bf16 where fast), bf16 or fp32.")
    threads: int | None = option(
        default=None, ge=1, help="Threads per rank \\[default: CPUs / ranks on the node].", metavar="N"
    )
    memory_budget_gb: float | None = option(
        "--memory-budget-gb",
        default=None,
        help="Image memory per rank \\[default: half the free RAM / ranks].",
        metavar="GB",
    )
    restart: bool = option(
        "--restart",
        default=False,
        help="Start a fresh schedule (to --epochs) from the newest checkpoint's weights instead of resuming.",
    )
    compile: bool = option(
        "--compile", default=False, help="torch.compile the network (compile time is reported separately)."
    )
    val_dir: Path | None = option(
        "--val-dir", default=None, resume=True, help="Validation pairs, scored every epoch as landcover score does."
    )
    val_fraction: float = option(
        "--val-fraction", default=0.0, ge=0.0, le=0.9, resume=True, help="Hold out this fraction of whole input pairs."
    )
    monitor: Monitor = option(
        default=Monitor.mean_iou,
        resume=True,
        help="Validation score that picks best.pt: mean_iou, pixel_accuracy or loss.",
    )
    early_stop: int | None = option(
        "--early-stop", default=None, ge=1, help="Stop when --monitor has not improved for N epochs."
    )
    keep_checkpoints: int = option(
        "--keep-checkpoints",
        default=3,
        ge=1,
        help="Keep the newest N epoch checkpoints (best.pt and trained.pt are kept too).",
        metavar="N",
    )
    force: bool = option(
        "--force",
        default=False,
        help="Replace a trained.pt / metrics.jsonl that --model-dir holds without the checkpoints to resume from.",
    )

    @model_validator(mode="after")
    def _validation_pairs(self) -> TrainSettings:
        if self.memory_budget_gb is not None and self.memory_budget_gb <= 0:
            raise LandcoverError(
                f"--memory-budget-gb {self.memory_budget_gb:g}: not a positive size", "give GiB above 0, e.g. 4"
            )
        if self.val_dir is not None and self.val_fraction:
            raise LandcoverError("--val-dir and --val-fraction both given", "give one source of validation pairs")
        if self.early_stop is not None and self.val_dir is None and not self.val_fraction:
            raise LandcoverError("--early-stop needs validation pairs", "add --val-dir DIR or --val-fraction F")
        if self.init_from is not None and self.weights != "none":
            raise LandcoverError(
                f"--weights {self.weights} and --init-from both given", "give one source of starting weights"
            )
        zoo = self.model not in (None, Architecture.tutorial_unet) or self.init_from is not None
        if not zoo and (self.weights != "none" or self.freeze_encoder_epochs):
            flag = "--weights" if self.weights != "none" else "--freeze-encoder-epochs"
            raise LandcoverError(
                f"{flag} is for the zoo's pretrained encoders; --model tutorial-unet has none",
                "choose --model unet (or another zoo architecture), or use --init-from CHECKPOINT",
            )
        return self

    @property
    def pretrained(self) -> bool:
        """The run starts from pretrained weights (a checkpoint or an encoder's): fine-tuning defaults apply."""
        return self.init_from is not None or self.weights != "none"

    @property
    def validated(self) -> bool:
        """Whether the run scores validation pairs every epoch."""
        return self.val_dir is not None or bool(self.val_fraction)

    def resolve(self, device: torch.device, ranks_on_node: int) -> TrainSettings:
        """These settings with every machine-dependent default filled in (what the run stores and uses).

        Args:
            device: The device this rank trains on (GPU defaults are larger).
            ranks_on_node: Ranks sharing this node's CPUs and memory.
        """
        from landcover.runtime import use_bf16

        gpu = device.type == "cuda"
        resolved: dict[str, Any] = {
            "epoch_size": self.epoch_size or (16_000 if gpu else 800),
            "batch_size": self.batch_size or (32 if gpu else 10),
            "lr": self.lr if self.lr is not None else (2e-4 if self.pretrained else 2e-3),
            "model": self.model or Architecture.tutorial_unet,
            "encoder": self.encoder or (self.model or Architecture.tutorial_unet).default_encoder,
            "threads": self.threads or default_threads(ranks_on_node),
            "memory_budget_gb": self.memory_budget_gb or default_memory_budget_gb(ranks_on_node),
            "precision": Precision.bf16 if use_bf16(device, self.precision.value) else Precision.fp32,
        }
        return self.model_copy(update=resolved)

    @classmethod
    def upgrade(cls, values: dict[str, Any], version: int) -> dict[str, Any]:
        """Stored values of an older version, upgraded.

        Version 1 (``TrainOptions``, landcover-runner 0.1) to 2: ``class_weights`` ``seed`` is ``tutorial``;
        2 to 3: the run trained the tutorial's U-Net, from no pretrained encoder.
        """
        values = dict(values)
        if version < 2 and values.get("class_weights") == "seed":
            values["class_weights"] = ClassWeights.tutorial.value
        if version < 3:
            values.update(model=Architecture.tutorial_unet.value, encoder=None, weights="none", freeze_encoder_epochs=0)
        return values
