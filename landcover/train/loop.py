"""The training loop: data-parallel over MPI ranks, a checkpoint per epoch, resume after a kill.

Choices (recorded here because the seed's RMSProp schedule needed 250 epochs on 148 GPUs):

- AdamW (weight decay 1e-4) with a linear warm-up over the first 5 % of steps and a cosine decay to 1 %
  of the peak learning rate (2e-3 from scratch, 2e-4 when fine-tuning with ``--init-from``). The schedule
  is a pure function of the step, so a resumed run continues exactly where it stopped.
- Cross-entropy on the centre 128 x 128 of each 256 x 256 crop, class 0 carrying no loss; the other
  classes weighted by the inverse square root of their pixel frequency in the training labels (``balanced``,
  the default: it lifts the rare barren / impervious class without flooding it) or equally (``seed``).
- BatchNorm running statistics are averaged over ranks at the end of every epoch, so every rank holds
  identical weights and buffers when the checkpoint is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from landcover.constants import MARGIN, UNKNOWN
from landcover.data.sampler import CropSampler
from landcover.data.shard import Shard, assign_pairs, check_pairs, load_shard
from landcover.io.atomic import write_text_atomic
from landcover.io.console import emit
from landcover.io.errors import LandcoverError
from landcover.io.progress import ProgressReporter
from landcover.model.checkpoint import make_checkpoint, model_from_checkpoint, read_checkpoint, save_checkpoint
from landcover.model.unet import ModelConfig, SeedUNet, predicted_classes
from landcover.runtime import use_bf16
from landcover.tracking import track_training
from landcover.train.distributed import World, all_reduce_sum, barrier

CHECKPOINT_PATTERN = "epoch-*.pt"
FINAL_NAME = "trained.pt"
METRICS_NAME = "metrics.jsonl"
WARMUP_FRACTION = 0.05
FINAL_LR_FRACTION = 0.01


@dataclass(frozen=True)
class TrainOptions:
    """What ``landcover train`` was asked to do."""

    input_dir: str
    model_dir: str
    epochs: int
    epoch_size: int
    batch_size: int
    lr: float
    weight_decay: float
    class_weights: str
    init_from: str | None
    seed: int
    precision: str
    memory_budget_gb: float


def default_memory_budget_gb(ranks_on_node: int) -> float:
    """Half of the node's available memory, shared by its ranks."""
    try:
        with open("/proc/meminfo") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo)
        available = int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        available = 8 * 2**30
    return available / 2 / max(1, ranks_on_node) / 2**30


def learning_rate(step: int, total: int, peak: float) -> float:
    """Linear warm-up, then cosine decay to 1 % of the peak."""
    warmup = max(1, int(WARMUP_FRACTION * total))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * progress)))


def checkpoint_path(model_dir: Path, epoch: int) -> Path:
    """Where the checkpoint after ``epoch`` (1-based) goes."""
    return model_dir / f"epoch-{epoch:04d}.pt"


def find_resume_point(model_dir: Path, say: Any) -> dict[str, Any] | None:
    """The newest complete checkpoint in ``model_dir``; truncated ones are reported and skipped."""
    for path in sorted(model_dir.glob(CHECKPOINT_PATTERN), reverse=True):
        try:
            checkpoint = read_checkpoint(path)
        except LandcoverError:
            say(f"{path} is incomplete or damaged; using the checkpoint before it")
            continue
        if "training" in checkpoint:
            checkpoint["path"] = str(path)
            return checkpoint
    return None


def agree_on_errors(error: LandcoverError | None, world: World) -> None:
    """Share bad-input errors between ranks so that every rank stops with the same message."""
    if world.size > 1:
        gathered: list[Any] = [None] * world.size
        dist.all_gather_object(gathered, None if error is None else (error.message, error.hint))
        first = next((item for item in gathered if item is not None), None)
        if first is not None:
            raise LandcoverError(*first)
    elif error is not None:
        raise error


def dataset_statistics(shard: Shard, device: torch.device) -> tuple[list[float], list[float]]:
    """Per-channel mean and standard deviation of all ranks' imagery (values in [0, 1])."""
    sums = torch.zeros(3, 4, dtype=torch.float64)
    for image in shard.images:
        pixels = torch.from_numpy(image).reshape(4, -1).double() / 255.0
        sums[0] += pixels.sum(dim=1)
        sums[1] += (pixels**2).sum(dim=1)
        sums[2] += pixels.shape[1]
    sums = all_reduce_sum(sums.to(device)).cpu()
    mean = sums[0] / sums[2]
    std = (sums[1] / sums[2] - mean**2).clamp_min(1e-8).sqrt()
    return mean.tolist(), std.tolist()


def class_weights(shard: Shard, mode: str, device: torch.device, num_classes: int) -> torch.Tensor:
    """Loss weight per class: 0 for unknown; 1 for the others (``seed``) or 1/sqrt(frequency) (``balanced``)."""
    counts = torch.zeros(num_classes, dtype=torch.float64)
    for labels in shard.labels:
        counts += torch.bincount(torch.from_numpy(labels).reshape(-1).long(), minlength=num_classes).double()
    counts = all_reduce_sum(counts.to(device)).cpu()
    weights = torch.ones(num_classes, dtype=torch.float64)
    if mode == "balanced":
        present = counts > 0
        frequency = counts / counts[1:].sum()
        weights = torch.where(present, frequency.clamp_min(1e-4).rsqrt(), torch.zeros_like(weights))
        known = counts.clone()
        known[UNKNOWN] = 0
        weights = weights / ((weights * known).sum() / known.sum())  # average weight per known pixel is 1
    weights[UNKNOWN] = 0.0
    return weights.float().to(device)


def weights_digest(model: torch.nn.Module) -> str:
    """A short hash of every weight and buffer: equal on every rank after each epoch."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def average_batchnorm_buffers(model: torch.nn.Module, world: World) -> None:
    """Average BatchNorm running statistics over ranks."""
    if world.size == 1:
        return
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            for buffer in (module.running_mean, module.running_var):
                if buffer is not None:
                    all_reduce_sum(buffer.data)
                    buffer.data /= world.size


def write_metrics(model_dir: Path, metrics: list[dict[str, Any]]) -> None:
    """Rewrite ``metrics.jsonl`` (one line per epoch) atomically."""
    write_text_atomic(model_dir / METRICS_NAME, "".join(json.dumps(line) + "\n" for line in metrics))


class Trainer:
    """One rank's part of a training run."""

    def __init__(self, options: TrainOptions, world: World) -> None:
        self.options, self.world = options, world
        self.model_dir = Path(options.model_dir)
        self.worker = f"worker {world.rank + 1}/{world.size}"

    def say(self, message: str) -> None:
        """A line from rank 0."""
        if self.world.is_main:
            emit(message)

    def build_model(self, shard: Shard, resume: dict[str, Any] | None) -> SeedUNet:
        """The network to train: resumed, fine-tuned from --init-from, or new with dataset statistics."""
        if resume is not None:
            return model_from_checkpoint(resume)
        if self.options.init_from:
            model = model_from_checkpoint(read_checkpoint(self.options.init_from))
            self.say(f"fine-tuning {self.options.init_from} ({model.config.normalisation} normalisation)")
            return model
        mean, std = dataset_statistics(shard, self.world.device)
        torch.manual_seed(self.options.seed)
        self.say(f"dataset normalisation: mean {np.round(mean, 3).tolist()} std {np.round(std, 3).tolist()}")
        return SeedUNet(ModelConfig(normalisation="dataset", mean=tuple(mean), std=tuple(std)))

    def run(self) -> Path:
        """Train (or resume) to ``options.epochs`` epochs; return the final checkpoint's path."""
        opts, world = self.options, self.world
        error: LandcoverError | None = None
        shard = Shard([], [], [])
        try:
            pairs = check_pairs(opts.input_dir)
            if opts.init_from:
                read_checkpoint(opts.init_from)
            mine = assign_pairs(pairs, world.rank, world.size, opts.seed)
            budget = int(opts.memory_budget_gb * 2**30)
            shard = load_shard(mine, worker=self.worker, budget_bytes=budget)
        except LandcoverError as exc:
            error = exc
        agree_on_errors(error, world)

        resume = find_resume_point(self.model_dir, self.say)
        start_epoch = int(resume["training"]["epoch"]) if resume else 0
        metrics: list[dict[str, Any]] = list(resume["training"]["metrics"]) if resume else []
        if resume:
            self.say(f"resuming from {resume['path']} (epoch {start_epoch} of {opts.epochs} done)")
        tracker = track_training(asdict(opts), world.size, metrics, enabled=world.is_main)  # MLflow, rank 0 alone
        model = self.build_model(shard, resume).to(world.device)
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        weights = class_weights(shard, opts.class_weights, world.device, model.config.num_classes)
        optimizer = torch.optim.AdamW(model.parameters(), lr=opts.lr, weight_decay=opts.weight_decay)
        if resume:
            optimizer.load_state_dict(resume["training"]["optimizer"])
        network: torch.nn.Module = DistributedDataParallel(model) if world.size > 1 else model
        bf16 = use_bf16(world.device, opts.precision)
        per_step = opts.batch_size * world.size
        steps_per_epoch = max(1, math.ceil(opts.epoch_size / per_step))
        total_steps = steps_per_epoch * opts.epochs
        self.say(
            f"training {opts.epochs} epochs x {steps_per_epoch} steps of {opts.batch_size} x {world.size} rank(s) "
            f"on {world.device} ({'bf16' if bf16 else 'fp32'}, {torch.get_num_threads()} threads per rank)"
        )
        self.model_dir.mkdir(parents=True, exist_ok=True)
        for epoch in range(start_epoch + 1, opts.epochs + 1):
            sampler = CropSampler(shard.images, shard.labels, np.random.default_rng([opts.seed, world.rank, epoch]))
            stats = self.train_epoch(network, optimizer, sampler, weights, epoch, steps_per_epoch, total_steps, bf16)
            average_batchnorm_buffers(model, world)
            metrics.append(stats)
            tracker.log_metrics(stats, step=epoch)
            if world.is_main:
                training = {
                    "epoch": epoch,
                    "optimizer": optimizer.state_dict(),
                    "metrics": metrics,
                    "options": asdict(opts),
                    "world_size": world.size,
                }
                save_checkpoint(
                    make_checkpoint(model, provenance=self.provenance(), training=training),
                    checkpoint_path(self.model_dir, epoch),
                )
                write_metrics(self.model_dir, metrics)
            self.say(
                f"epoch {epoch}/{opts.epochs}: loss {stats['loss']:.4f} pixel error {stats['pixel_error']:.4f} "
                f"{stats['samples_per_s']:.2f} samples/s {stats['seconds']:.0f} s"
            )
            barrier()
        emit(f"{self.worker}: weights {weights_digest(model)}")
        final = self.model_dir / FINAL_NAME
        if world.is_main:
            save_checkpoint(make_checkpoint(model, provenance={**self.provenance(), "metrics": metrics}), final)
            self.say(f"model: {final}\nmetrics: {self.model_dir / METRICS_NAME}")
        tracker.log_files([final, self.model_dir / METRICS_NAME])
        tracker.finish()
        barrier()
        return final

    def provenance(self) -> dict[str, Any]:
        """Where the weights come from, for the checkpoint."""
        return {
            "kind": "trained",
            "input_dir": self.options.input_dir,
            "init_from": self.options.init_from,
            "world_size": self.world.size,
        }

    def train_epoch(
        self,
        network: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        sampler: CropSampler,
        weights: torch.Tensor,
        epoch: int,
        steps: int,
        total_steps: int,
        bf16: bool,
    ) -> dict[str, Any]:
        """Run one epoch of steps; return its metrics, summed over ranks."""
        opts, world = self.options, self.world
        network.train()
        sums = torch.zeros(4, dtype=torch.float64)  # weighted loss, loss weight, errors, known pixels
        start = time.perf_counter()
        description = f"epoch {epoch}/{opts.epochs}"
        with ProgressReporter(
            description, steps * opts.batch_size * world.size, "samples", enabled=world.is_main
        ) as bar:
            for step in range(steps):
                global_step = (epoch - 1) * steps + step
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate(global_step, total_steps, opts.lr)
                images, labels = sampler.batch(opts.batch_size)
                x = torch.from_numpy(images).to(world.device, non_blocking=True).permute(0, 3, 1, 2).float() / 255.0
                y = torch.from_numpy(labels).to(world.device, non_blocking=True).long()
                with torch.autocast(world.device.type, dtype=torch.bfloat16, enabled=bf16):
                    scores = network(x)
                centre = scores[:, :, MARGIN:-MARGIN, MARGIN:-MARGIN].float()
                loss_sum = F.cross_entropy(centre, y, weight=weights, reduction="sum")
                weight_sum = weights[y].sum()
                loss = loss_sum / weight_sum.clamp_min(1e-6)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    known = y != UNKNOWN
                    wrong = (predicted_classes(centre) != y) & known
                    sums += torch.stack(
                        [
                            loss_sum.detach().double().cpu(),
                            weight_sum.detach().double().cpu(),
                            wrong.sum().double().cpu(),
                            known.sum().double().cpu(),
                        ]
                    )
                bar.advance(opts.batch_size * world.size, f"loss {loss.item():.3f}")
        seconds = time.perf_counter() - start
        sums = all_reduce_sum(sums.to(world.device)).cpu()
        return {
            "epoch": epoch,
            "loss": float(sums[0] / sums[1]),
            "pixel_error": float(sums[2] / sums[3]),
            "samples_per_s": steps * opts.batch_size * world.size / seconds,
            "seconds": seconds,
            "lr": optimizer.param_groups[0]["lr"],
        }
