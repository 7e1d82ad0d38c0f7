"""The training loop: data-parallel over MPI ranks, a checkpoint per epoch, resume after a kill.

Choices (recorded here because the tutorial's RMSProp schedule needed 250 epochs on 148 GPUs):

- AdamW (weight decay 1e-4) with a linear warm-up over the first 5 % of steps and a cosine decay to 1 %
  of the peak learning rate (2e-3 from scratch, 2e-4 when fine-tuning with ``--init-from``). The schedule
  is fixed when the run starts and stored in every checkpoint (:mod:`landcover.train.schedule`), so a
  resumed run continues exactly where it stopped (:mod:`landcover.train.resume`).
- Cross-entropy on the centre 128 x 128 of each 256 x 256 crop, class 0 carrying no loss; the other
  classes weighted by the inverse square root of their pixel frequency in the training labels (``balanced``,
  the default: it lifts the rare barren / impervious class without flooding it) or equally (``tutorial``).
- BatchNorm running statistics are averaged over ranks at the end of every epoch, so every rank holds
  identical weights and buffers when the checkpoint is written.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from landcover.constants import UNKNOWN
from landcover.data.pairs import ImagePair
from landcover.data.sampler import CropSampler
from landcover.data.shard import Shard, assign_pairs, check_disjoint, check_pairs, load_shard
from landcover.io.atomic import write_text_atomic
from landcover.io.console import console, emit
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named
from landcover.io.progress import ProgressReporter
from landcover.io.text import counted
from landcover.limits import memory_available
from landcover.model.build import Network
from landcover.model.checkpoint import make_checkpoint, model_from_checkpoint, read_checkpoint, save_checkpoint
from landcover.model.pretrained import EncoderWeights
from landcover.model.registry import ModelSpec, spec_of
from landcover.model.unet import ModelConfig, TutorialUNet
from landcover.parallel.collectives import all_reduce_sum, barrier
from landcover.parallel.world import World
from landcover.settings import ClassWeights, TrainSettings
from landcover.tracking import check_tracking_reachable, track_training
from landcover.train.announce import nothing_to_train
from landcover.train.guard import RESULT_NAMES, ModelDirLock, check_batch_memory, check_model_dir
from landcover.train.model_choice import fetch_weights, hold_encoder, new_zoo_model, parameter_groups, resolve_model
from landcover.train.preempt import Interrupted, Preempted, StopRequests
from landcover.train.resume import (
    checkpoint_path,
    choose_resume_point,
    dataset_fingerprint,
    prune_checkpoints,
    remove_superseded_steps,
    resume_mismatch,
)
from landcover.train.schedule import Schedule
from landcover.train.steps import BatchPrefetcher, StepLoop
from landcover.train.validation import Monitor, Validator, describe, hold_out
from landcover.tuning import choose_settings

FINAL_NAME = "trained.pt"
BEST_NAME = "best.pt"
METRICS_NAME = "metrics.jsonl"
SETTINGS_NAME = "settings.json"


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
    """Per-channel mean and standard deviation of all ranks' imagery (values in [0, 1]), nodata left out."""
    sums = torch.zeros(3, 4, dtype=torch.float64)
    masks = shard.valid or [None] * len(shard.images)
    for image, valid in zip(shard.images, masks, strict=True):
        pixels = torch.from_numpy(image).reshape(4, -1).double() / 255.0
        if valid is not None:
            pixels = pixels[:, torch.from_numpy(valid.reshape(-1))]
        sums[0] += pixels.sum(dim=1)
        sums[1] += (pixels**2).sum(dim=1)
        sums[2] += pixels.shape[1]
    sums = all_reduce_sum(sums.to(device)).cpu()
    mean = sums[0] / sums[2]
    std = (sums[1] / sums[2] - mean**2).clamp_min(1e-8).sqrt()
    return mean.tolist(), std.tolist()


def class_weights(shard: Shard, mode: ClassWeights, device: torch.device, num_classes: int) -> torch.Tensor:
    """Loss weight per class: 0 for unknown; 1 for the others (``tutorial``) or 1/sqrt(frequency) (``balanced``)."""
    counts = torch.zeros(num_classes, dtype=torch.float64)
    for labels in shard.labels:
        counts += torch.bincount(torch.from_numpy(labels).reshape(-1).long(), minlength=num_classes).double()
    counts = all_reduce_sum(counts.to(device)).cpu()
    weights = torch.ones(num_classes, dtype=torch.float64)
    if mode == ClassWeights.balanced:
        present = counts > 0
        frequency = counts / counts[1:].sum()
        weights = torch.where(present, frequency.clamp_min(1e-4).rsqrt(), torch.zeros_like(weights))
        known = counts.clone()
        known[UNKNOWN] = 0
        weights = weights / ((weights * known).sum() / known.sum())  # average weight per known pixel is 1
    weights[UNKNOWN] = 0.0
    return weights.float().to(device)


def check_finite_loss(loss: float, epoch: int, lr: float, model_dir: Path, start_epoch: int) -> None:
    """Stop a diverged run before its weights are written: the last good checkpoint stays the newest.

    The loss is summed over ranks first, so every rank stops at the same epoch with the same message.

    Raises:
        LandcoverError: The epoch's loss is NaN or infinite.
    """
    if math.isfinite(loss):
        return
    kept = (
        f"{checkpoint_path(model_dir, epoch - 1).name} is the last good checkpoint"
        if epoch > 1 and epoch - 1 >= start_epoch
        else "no checkpoint of this run was written"
    )
    raise LandcoverError(
        f"training diverged in epoch {epoch}: the loss is {loss} (--lr {lr:g})",
        f"lower --lr; {kept}",
    )


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


def random_state() -> dict[str, Any]:
    """This rank's random generator states (torch CPU and GPU, numpy's and Python's global ones), for the checkpoint.

    The crop sampler's own generator is seeded from (seed, rank, epoch) each epoch; a checkpoint taken part-way
    through an epoch stores its position too (:meth:`~landcover.data.sampler.CropSampler.state`).
    """
    numpy_state = np.random.get_state(legacy=False)
    numpy_state["state"]["key"] = numpy_state["state"]["key"].tolist()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": json.dumps(numpy_state),
        "python": json.dumps(random.getstate()),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def restore_random_state(state: dict[str, Any] | None) -> None:
    """Put back what :func:`random_state` saved (older checkpoints saved torch's state only, or none)."""
    if not state:
        return
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])
    if "numpy" in state:
        numpy_state = json.loads(state["numpy"])
        numpy_state["state"]["key"] = np.array(numpy_state["state"]["key"], dtype=np.uint32)
        np.random.set_state(numpy_state)
    if "python" in state:
        version, internal, gauss = json.loads(state["python"])
        random.setstate((version, tuple(internal), gauss))


def own_entry(training: dict[str, Any], world: World) -> dict[str, Any]:
    """This rank's entry of a checkpoint's per-rank states (older checkpoints: rank 0's random state only)."""
    ranks = training.get("ranks") or []
    if len(ranks) == world.size:
        return dict(ranks[world.rank])
    return {"random": training.get("random")}


def write_metrics(model_dir: Path, metrics: list[dict[str, Any]]) -> None:
    """Rewrite ``metrics.jsonl`` (one line per epoch) atomically."""
    write_text_atomic(model_dir / METRICS_NAME, "".join(json.dumps(line) + "\n" for line in metrics))


def write_settings(model_dir: Path, settings: TrainSettings) -> None:
    """Write ``settings.json`` beside ``metrics.jsonl``: the run's settings with their format version."""
    write_text_atomic(model_dir / SETTINGS_NAME, json.dumps(settings.stored_document(), indent=2) + "\n")


@dataclass
class Plan:
    """Where a run starts: after which epoch, under which schedule, from which state."""

    start_epoch: int
    schedule: Schedule
    resume: dict[str, Any] | None
    fresh_optimizer: bool
    position: dict[str, Any] | None = None
    """Part-way through an epoch: ``epoch``, ``step`` (the next one to run) and ``seconds`` spent before it."""


class Trainer:
    """One rank's part of a training run."""

    def __init__(self, options: TrainSettings, world: World) -> None:
        self.options, self.world = options, world
        self.model_dir = Path(options.model_dir)
        self.worker = f"worker {world.rank + 1}/{world.size}"
        if options.epoch_size is None or options.batch_size is None or options.lr is None:
            raise ValueError("Trainer needs resolved settings (TrainSettings.resolve)")
        self.epoch_size, self.batch_size, self.lr = options.epoch_size, options.batch_size, options.lr
        self.memory_budget_gb = options.memory_budget_gb or 0.0
        self.steps_per_epoch = max(1, math.ceil(self.epoch_size / (self.batch_size * world.size)))
        self.lock: ModelDirLock | None = None

    def say(self, message: str) -> None:
        """A line from rank 0."""
        if self.world.is_main:
            emit(message)

    def build_model(
        self, shard: Shard, plan: Plan, init_from: dict[str, Any] | None, weights: EncoderWeights | None = None
    ) -> Network:
        """The network to train: resumed, fine-tuned from --init-from, or new with dataset statistics."""
        if plan.resume is not None:
            return model_from_checkpoint(plan.resume)
        if init_from is not None:
            model = model_from_checkpoint(init_from)
            self.say(f"fine-tuning {self.options.init_from} ({model.config.normalisation} normalisation)")
            return model
        if self.options.model is not None and self.options.model.default_encoder is not None:
            return new_zoo_model(self.options, weights, lambda: dataset_statistics(shard, self.world.device), self.say)
        mean, std = dataset_statistics(shard, self.world.device)
        torch.manual_seed(self.options.seed)
        self.say(f"dataset normalisation: mean {np.round(mean, 3).tolist()} std {np.round(std, 3).tolist()}")
        return TutorialUNet(ModelConfig(normalisation="dataset", mean=tuple(mean), std=tuple(std)))

    def plan(self, resume: dict[str, Any] | None, dataset: str) -> Plan:
        """Decide how this run continues from the checkpoint rank 0 chose (see :mod:`landcover.train.resume`).

        Raises:
            LandcoverError: The command differs from the stored run (without ``--restart``), or ``--restart``
                asks for no more epochs than are done.
        """
        opts = self.options
        if resume is None:
            return Plan(0, Schedule.fresh(0, opts.epochs, self.steps_per_epoch, self.lr), None, True)
        training = resume["training"]
        done = int(training["epoch"])
        stored = self.stored_schedule(training)
        mismatch = resume_mismatch(training, opts.to_stored(), self.world.size, dataset, resume["path"])
        if opts.restart and (mismatch is not None or opts.epochs != stored.last_epoch):
            if opts.epochs <= done:
                raise LandcoverError(
                    f"--restart --epochs {opts.epochs}: {resume['path']} has {counted(done, 'epoch')} done already",
                    f"give --epochs above {done} (training stops after epoch --epochs)",
                )
            self.say(
                f"restarting from {resume['path']} (epoch {done}): a fresh schedule to epoch {opts.epochs} "
                f"(warm-up, peak {self.lr:g}, cosine), a fresh optimiser"
            )
            return Plan(done, Schedule.fresh(done, opts.epochs, self.steps_per_epoch, self.lr), resume, True)
        if mismatch is not None:
            raise mismatch
        position = training.get("position")
        where = f", {counted(position['step'], 'step')} into epoch {position['epoch']}" if position else ""
        if position and position["epoch"] > opts.epochs:
            raise LandcoverError(
                f"--epochs {opts.epochs}: {resume['path']} is part-way through epoch {position['epoch']}",
                f"give --epochs {position['epoch']} or more to resume it",
            )
        self.say(f"resuming from {resume['path']} (epoch {done} of {opts.epochs} done{where})")
        if opts.epochs > stored.last_epoch:
            schedule = stored.extended(done, opts.epochs)
            self.say(
                f"extending the run from {stored.last_epoch} to {counted(opts.epochs, 'epoch')}: "
                "the rate follows one cosine "
                f"from its current {schedule.rate_after(done):.3g} to {schedule.rate(opts.epochs + 1, 0):.3g} "
                f"at epoch {opts.epochs}"
            )
            return Plan(done, schedule, resume, False, position)
        if opts.epochs < stored.last_epoch:
            self.say(f"stopping after epoch {opts.epochs} of the stored {stored.last_epoch}-epoch schedule")
        return Plan(done, stored, resume, False, position)

    def stored_schedule(self, training: dict[str, Any]) -> Schedule:
        """The schedule a checkpoint was written under (older checkpoints: rebuilt from their options)."""
        if "schedule" in training:
            return Schedule.from_dict(training["schedule"])
        stored = training["options"]
        per_step = stored["batch_size"] * training["world_size"]
        steps = max(1, math.ceil(stored["epoch_size"] / per_step))
        return Schedule.fresh(0, stored["epochs"], steps, stored["lr"])

    def run(self) -> Path:
        """Train (or resume) to ``options.epochs`` epochs; return the final checkpoint's path.

        Rank 0 holds the lock on ``--model-dir`` for the whole run (:class:`~landcover.train.guard.ModelDirLock`).

        Raises:
            Preempted: SIGTERM or SIGUSR1 stopped the run; its checkpoint is written (:mod:`.preempt`).
        """
        try:
            with StopRequests(self.world) as stop:
                return self.train(stop)
        finally:
            if self.lock is not None:
                self.lock.release()

    def train(self, stop: StopRequests) -> Path:
        """:meth:`run`, with the stop requests checked before every step."""
        opts, world = self.options, self.world
        error: LandcoverError | None = None
        shard = Shard([], [], [])
        init_from: dict[str, Any] | None = None
        pretrained: EncoderWeights | None = None
        validator: Validator | None = None
        dataset = ""
        try:
            pairs = check_pairs(opts.input_dir)
            validation: list[ImagePair] = []
            if opts.val_fraction:
                pairs, validation = hold_out(pairs, opts.val_fraction, opts.seed)
            elif opts.val_dir:
                validation = check_pairs(opts.val_dir, option="--val-dir")
                check_disjoint(pairs, validation)
            dataset = dataset_fingerprint(pairs)
            if opts.init_from:
                init_from = read_checkpoint(opts.init_from)
            pretrained = fetch_weights(opts, self.model_dir)
            mine = assign_pairs(pairs, world.rank, world.size, opts.seed)
            budget = int(self.memory_budget_gb * 2**30)
            shard = load_shard(mine, worker=self.worker, budget_bytes=budget)
            if validation:
                validator = Validator(validation, world)
                self.say(
                    f"validation: {counted(len(validation), 'pair')} ({', '.join(validator.names)}), "
                    f"{opts.monitor} monitored"
                )
        except LandcoverError as exc:
            error = exc
        agree_on_errors(error, world)

        plan: Plan | None = None
        try:
            if world.is_main:  # the inputs are good: now the folder is this run's
                self.lock = ModelDirLock(self.model_dir).acquire()
                if opts.force and not any(self.model_dir.glob("epoch-*.pt")):
                    for name in RESULT_NAMES:  # --force: another run's results go, not mixed with this one's
                        (self.model_dir / name).unlink(missing_ok=True)
            plan = self.plan(choose_resume_point(self.model_dir, world, self.say), dataset)
        except LandcoverError as exc:
            error = exc
        agree_on_errors(error, world)
        assert plan is not None
        stored = plan.resume["training"] if plan.resume else {}
        metrics: list[dict[str, Any]] = list(stored.get("metrics", []))
        monitor = Monitor(**stored["monitor"]) if stored.get("monitor") else Monitor(opts.monitor.value)
        tracker = track_training(opts, world.size, metrics, enabled=world.is_main)  # MLflow, rank 0 alone
        try:
            model = self.build_model(shard, plan, init_from, pretrained).to(world.device)
        except LandcoverError as exc:
            error = exc
        agree_on_errors(error, world)
        speed = choose_settings(world.device, opts.precision.value, "training", model=spec_of(model).name)
        model = model.to(memory_format=speed.memory_format)  # type: ignore[call-overload]
        weights = class_weights(shard, opts.class_weights, world.device, model.config.num_classes)
        optimizer = torch.optim.AdamW(parameter_groups(model), lr=self.lr, weight_decay=opts.weight_decay)
        if plan.resume is not None and not plan.fresh_optimizer:
            optimizer.load_state_dict(stored["optimizer"])
            restore_random_state(own_entry(stored, world).get("random"))
        network: torch.nn.Module = DistributedDataParallel(model) if world.size > 1 else model
        if opts.compile:
            network = torch.compile(network)  # type: ignore[assignment]
        if world.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # fixed shapes: pick the fastest convolution kernels once
        loop = StepLoop(
            network,
            optimizer,
            weights,
            world.device,
            bf16=speed.bf16,  # resolved: auto is bf16 or fp32 by now
            compiled=opts.compile,
            channels_last=speed.channels_last,
        )
        idle = nothing_to_train(plan.start_epoch, opts.epochs, plan.resume, plan.fresh_optimizer)
        self.say(
            idle
            or f"training {counted(opts.epochs, 'epoch')} x {counted(self.steps_per_epoch, 'step')} of "
            f"{self.batch_size} x {counted(world.size, 'rank')} on {world.device} ({speed.describe()}, "
            f"{counted(torch.get_num_threads(), 'thread')} per rank; {speed.reason})"
        )
        self.model_dir.mkdir(parents=True, exist_ok=True)
        if validator is not None and plan.resume is None:  # epoch 0: the starting weights are a candidate too
            scores = validator.validate(model, weights)
            metrics.append({"epoch": 0, "validation": scores})
            tracker.log_metrics(metrics[-1], step=0)
            self.keep_best(model, monitor, 0, scores)
            self.say(f"epoch 0 (before training): {describe(scores)}")
        stopped = bool(stored.get("stopped_early")) and not plan.fresh_optimizer
        for epoch in range(plan.start_epoch + 1, opts.epochs + 1):
            if stopped:
                break
            sampler = CropSampler(shard.images, shard.labels, np.random.default_rng([opts.seed, world.rank, epoch]))
            part = None
            if plan.position is not None and plan.position["epoch"] == epoch:
                part = {**plan.position, "rank": own_entry(stored, world)}
            hold_encoder(optimizer, epoch, opts.freeze_encoder_epochs)
            stats = self.train_epoch(loop, sampler, epoch, plan.schedule, stop=stop, part=part)
            if isinstance(stats, Interrupted):
                training = self.training_state(epoch - 1, optimizer, metrics, plan, dataset, monitor, False)
                self.stop_part_way(stats, stop, model, training)
            check_finite_loss(stats["loss"], epoch, self.lr, self.model_dir, plan.start_epoch)
            average_batchnorm_buffers(model, world)
            note = ""
            if validator is not None:
                stats["validation"] = validator.validate(model, weights)
                self.keep_best(model, monitor, epoch, stats["validation"])
                note = f"; validation {describe(stats['validation'])}"
                stopped = opts.early_stop is not None and monitor.since_best >= opts.early_stop
            metrics.append(stats)
            tracker.log_metrics(stats, step=epoch)
            ranks = stop.gather({"random": random_state()})
            if world.is_main:
                training = self.training_state(epoch, optimizer, metrics, plan, dataset, monitor, stopped)
                path = checkpoint_path(self.model_dir, epoch)
                save_checkpoint(
                    make_checkpoint(model, provenance=self.provenance(), training={**training, "ranks": ranks}), path
                )
                remove_superseded_steps(self.model_dir, path)
                prune_checkpoints(self.model_dir, opts.keep_checkpoints)
                write_metrics(self.model_dir, metrics)
                write_settings(self.model_dir, opts)
            self.say(
                f"epoch {epoch}/{opts.epochs}: loss {stats['loss']:.4f} pixel error {stats['pixel_error']:.4f} "
                f"{stats['samples_per_s']:.2f} samples/s {stats['seconds']:.0f} s{note}"
            )
            if stopped:
                self.say(
                    f"early stop: {opts.monitor} has not improved for {counted(opts.early_stop or 0, 'epoch')} "
                    f"(best: epoch {monitor.best_epoch}, {self.model_dir / BEST_NAME})"
                )
            barrier()
        emit(f"{self.worker}: weights {weights_digest(model)}")
        final = self.model_dir / FINAL_NAME
        if world.is_main:
            save_checkpoint(make_checkpoint(model, provenance={**self.provenance(), "metrics": metrics}), final)
            best = f"\nbest: {self.model_dir / BEST_NAME} (epoch {monitor.best_epoch})" if validator else ""
            self.say(f"model: {final} (the last epoch){best}\nmetrics: {self.model_dir / METRICS_NAME}")
        tracker.log_files([final, self.model_dir / BEST_NAME, self.model_dir / METRICS_NAME])
        tracker.finish()
        barrier()
        return final

    def training_state(
        self,
        epoch: int,
        optimizer: torch.optim.Optimizer,
        metrics: list[dict[str, Any]],
        plan: Plan,
        dataset: str,
        monitor: Monitor,
        stopped: bool,
    ) -> dict[str, Any]:
        """A checkpoint's ``training`` entry after ``epoch`` whole epochs (per-rank states are added by the caller)."""
        return {
            "epoch": epoch,
            "optimizer": optimizer.state_dict(),
            "metrics": metrics,
            "options": self.options.to_stored(),
            "options_version": self.options.FORMAT_VERSION,
            "world_size": self.world.size,
            "schedule": plan.schedule.to_dict(),
            "dataset": dataset,
            "random": random_state(),
            "monitor": monitor.to_dict(),
            "stopped_early": stopped,
        }

    def stop_part_way(
        self, part: Interrupted, stop: StopRequests, model: Network, training: dict[str, Any]
    ) -> NoReturn:
        """Write the checkpoint before the step the ranks stopped at (rank 0), wait for it, raise :class:`Preempted`.

        Nothing is written when no step ran since the newest checkpoint. BatchNorm running statistics are rank
        0's: the next forward pass of a data-parallel network broadcasts them to every rank anyway.
        """
        ranks = stop.gather({"random": random_state(), "sampler": part.sampler, "sums": part.sums})
        path = checkpoint_path(self.model_dir, part.epoch, part.step) if part.step > part.first_step else None
        if self.world.is_main and path is not None:
            position = {"epoch": part.epoch, "step": part.step, "seconds": part.seconds}
            training = {**training, "position": position, "ranks": ranks}
            save_checkpoint(make_checkpoint(model, provenance=self.provenance(), training=training), path)
            remove_superseded_steps(self.model_dir, path)
        barrier()
        saved = f"checkpoint {path}" if path else "no step since the newest checkpoint"
        self.say(
            f"{stop.signal_name}: stopped after step {part.step} of epoch {part.epoch}; {saved}; "
            "run the same command again to resume"
        )
        raise Preempted(stop.signal_name, path)

    def keep_best(self, model: Network, monitor: Monitor, epoch: int, scores: dict[str, Any]) -> None:
        """Record an epoch's validation; rank 0 writes ``best.pt`` when it is the best so far.

        ``best.pt`` is written before the epoch's checkpoint, so a run killed in between and resumed writes it
        again, identically.
        """
        if monitor.update(epoch, scores) and self.world.is_main:
            provenance = {**self.provenance(), "epoch": epoch, "validation": scores}
            save_checkpoint(make_checkpoint(model, provenance=provenance), self.model_dir / BEST_NAME)

    def provenance(self) -> dict[str, Any]:
        """Where the weights come from, for the checkpoint."""
        return {
            "kind": "trained",
            "input_dir": str(self.options.input_dir),
            "init_from": None if self.options.init_from is None else str(self.options.init_from),
            "world_size": self.world.size,
        }

    def train_epoch(
        self,
        loop: StepLoop,
        sampler: CropSampler,
        epoch: int,
        schedule: Schedule,
        *,
        stop: StopRequests | None = None,
        part: dict[str, Any] | None = None,
    ) -> dict[str, Any] | Interrupted:
        """Run one epoch of steps; return its metrics, summed over ranks.

        Args:
            loop: The step loop.
            sampler: This rank's sampler, seeded for the epoch.
            epoch: The epoch (1-based).
            schedule: The learning-rate schedule.
            stop: Asked before every step; the epoch stops there when any rank was signalled.
            part: Resuming part-way through the epoch: the checkpoint's ``position`` and this rank's entry
                (``rank``: sampler state and partial sums).

        Returns:
            The epoch's metrics, or where it stopped on request.
        """
        opts, world = self.options, self.world
        steps = schedule.segment(epoch).steps_per_epoch
        per_step = self.batch_size * world.size
        first, before, partial = 0, 0.0, None
        if part is not None:
            first, before = int(part["step"]), float(part["seconds"])
            sampler.restore(part["rank"]["sampler"])
            partial = part["rank"]["sums"].to(world.device)
        loop.network.train()
        batches = BatchPrefetcher(
            sampler, self.batch_size, steps - first, world.device, channels_last=loop.channels_last
        )
        with ProgressReporter(
            f"epoch {epoch}/{opts.epochs}", (steps - first) * per_step, "samples", enabled=world.is_main
        ) as bar:
            sums, seconds, compile_seconds = loop.epoch(
                batches,
                lambda step: schedule.rate(epoch, step),
                bar,
                per_step,
                first_step=first,
                sums=partial,
                stop=None if stop is None else stop.agreed,
            )
        if loop.stopped_at is not None:
            return Interrupted(epoch, first, loop.stopped_at, sums.cpu(), before + seconds, batches.pending_state)
        sums = all_reduce_sum(sums).cpu()
        timed_steps, timed_seconds = steps - first, seconds
        seconds += before
        if compile_seconds and timed_steps > 1:  # the compiling first step is reported on its own
            timed_steps, timed_seconds = timed_steps - 1, timed_seconds - compile_seconds
        stats = {
            "epoch": epoch,
            "loss": float(sums[0] / sums[1]),
            "pixel_error": float(sums[2] / sums[3]),
            "samples_per_s": timed_steps * per_step / timed_seconds,
            "seconds": seconds,
            "lr": loop.optimizer.param_groups[0]["lr"],
        }
        if compile_seconds:
            stats["compile_seconds"] = compile_seconds
            self.say(f"torch.compile: first step {compile_seconds:.1f} s (compilation; not in samples/s)")
        return stats


def train(settings: TrainSettings) -> Path:
    """``landcover train``: join the job, resolve the machine's defaults, train (or resume); the final model.

    Raises:
        LandcoverError: Bad input (pairs, checkpoints, settings that differ from the run being resumed).
    """
    from landcover.parallel.world import init_world

    settings = resolve_model(settings)  # the network first: an unknown encoder fails before anything else
    inputs = [Named(path=settings.input_dir, option="--input-dir")]
    inputs += [
        Named(path=path, option=flag)
        for path, flag in ((settings.val_dir, "--val-dir"), (settings.init_from, "--init-from"))
        if path
    ]
    check_model_dir(settings.model_dir, force=settings.force, inputs=inputs)  # before any work, on every rank
    check_tracking_reachable()
    world = init_world(settings.threads)
    if settings.epoch_size is None and world.is_main and world.device.type != "cuda":
        check_pairs(settings.input_dir)  # bad input first, then the advice
        console.print("CPU run: --epoch-size defaults to 800 samples (the 2018 tutorial's 16,000 is the GPU default)")
    resolved = settings.resolve(world.device, world.local_size)
    if world.device.type != "cuda" and resolved.batch_size is not None:  # GPU memory is the device's own
        assert settings.model is not None  # resolve_model names the network
        spec = ModelSpec(architecture=settings.model, encoder=settings.encoder)
        check_batch_memory(resolved.batch_size, world.local_size, memory_available(), spec)
    return Trainer(resolved, world).run()
