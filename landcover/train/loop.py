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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from clibase.atomic import write_text_atomic
from clibase.text import counted
from landcover.constants import UNKNOWN
from landcover.data.pairs import ImagePair
from landcover.data.sampler import CropSampler
from landcover.data.shard import Shard, assign_pairs, check_disjoint, check_pairs, load_shard
from landcover.io.console import console, emit
from landcover.io.errors import LandcoverError
from landcover.io.outputs import Named
from landcover.io.progress import ProgressReporter
from landcover.limits import memory_available
from landcover.model.build import Network
from landcover.model.checkpoint import make_checkpoint, model_from_checkpoint, read_checkpoint, save_checkpoint
from landcover.model.pretrained import EncoderWeights
from landcover.model.registry import ModelSpec, spec_of
from landcover.model.unet import ModelConfig, TutorialUNet
from landcover.parallel.collectives import all_reduce_sum, barrier
from landcover.parallel.world import World
from landcover.settings import ClassWeights, TrainSettings
from landcover.tracking import Tracker, check_tracking_reachable, track_training
from landcover.train.announce import nothing_to_train
from landcover.train.guard import RESULT_NAMES, ModelDirLock, check_batch_memory, check_model_dir
from landcover.train.model_choice import fetch_weights, hold_encoder, new_zoo_model, parameter_groups, resolve_model
from landcover.train.preempt import Interrupted, Preempted, StopRequests
from landcover.train.resume import (
    Resume,
    checkpoint_path,
    choose_resume_point,
    dataset_fingerprint,
    prune_checkpoints,
    remove_superseded_steps,
    resume_mismatch,
)
from landcover.train.schedule import Schedule
from landcover.train.state import (
    Position,
    RandomState,
    RankState,
    TrainingState,
)
from landcover.train.steps import BatchPrefetcher, StepLoop
from landcover.train.validation import Monitor, Validator, describe, hold_out
from landcover.tuning import choose_settings

FINAL_NAME = "trained.pt"
BEST_NAME = "best.pt"
METRICS_NAME = "metrics.jsonl"
SETTINGS_NAME = "settings.json"
T = TypeVar("T")


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
    resume: Resume | None
    fresh_optimizer: bool
    position: Position | None = None
    """Part-way through an epoch: the epoch, the next step to run and the seconds spent before it."""


@dataclass
class Inputs:
    """What a rank reads before the run claims ``--model-dir``: its shard of the pairs, validation, weights."""

    shard: Shard = field(default_factory=lambda: Shard([], [], []))
    dataset: str = ""
    """:func:`~landcover.train.resume.dataset_fingerprint` of the training pairs."""
    init_from: dict[str, Any] | None = None
    pretrained: EncoderWeights | None = None
    validator: Validator | None = None


@dataclass
class Run:
    """One rank's training in progress: the network, its optimiser and step loop, and the progress so far."""

    plan: Plan
    inputs: Inputs
    model: Network
    optimizer: torch.optim.Optimizer
    loop: StepLoop
    weights: torch.Tensor
    """The loss weight per class."""
    metrics: list[dict[str, Any]]
    monitor: Monitor
    tracker: Tracker
    speed_line: str
    stopped: bool = False
    """Stopped early (``--early-stop``): no further epoch runs."""


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

    def agreed(self, step: Callable[[], T]) -> T:
        """Run ``step`` on every rank; a bad-input error on any rank stops every rank with its message."""
        error: LandcoverError | None = None
        result: T | None = None
        try:
            result = step()
        except LandcoverError as exc:
            error = exc
        agree_on_errors(error, self.world)
        return result  # type: ignore[return-value]  # set: no rank failed

    def build_model(
        self, shard: Shard, plan: Plan, init_from: dict[str, Any] | None, weights: EncoderWeights | None = None
    ) -> Network:
        """The network to train: resumed, fine-tuned from --init-from, or new with dataset statistics."""
        if plan.resume is not None:
            return model_from_checkpoint(plan.resume.checkpoint)
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

    def plan(self, resume: Resume | None, dataset: str) -> Plan:
        """Decide how this run continues from the checkpoint rank 0 chose (see :mod:`landcover.train.resume`).

        Raises:
            LandcoverError: The command differs from the stored run (without ``--restart``), or ``--restart``
                asks for no more epochs than are done.
        """
        opts = self.options
        if resume is None:
            return Plan(0, Schedule.fresh(0, opts.epochs, self.steps_per_epoch, self.lr), None, True)
        done, stored = resume.state.epoch, resume.state.schedule
        mismatch = resume_mismatch(resume.state, opts.to_stored(), self.world.size, dataset, resume.path)
        if opts.restart and (mismatch is not None or opts.epochs != stored.last_epoch):
            return self.restart(resume)
        if mismatch is not None:
            raise mismatch
        position = resume.state.position
        where = f", {position.describe()}" if position else ""
        if position and position.epoch > opts.epochs:
            raise LandcoverError(
                f"--epochs {opts.epochs}: {resume.path} is part-way through epoch {position.epoch}",
                f"give --epochs {position.epoch} or more to resume it",
            )
        self.say(f"resuming from {resume.path} (epoch {done} of {opts.epochs} done{where})")
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

    def restart(self, resume: Resume) -> Plan:
        """``--restart``: a fresh schedule and optimiser from the checkpoint's weights.

        Raises:
            LandcoverError: ``--epochs`` asks for no more epochs than are done.
        """
        epochs, done = self.options.epochs, resume.state.epoch
        if epochs <= done:
            raise LandcoverError(
                f"--restart --epochs {epochs}: {resume.path} has {counted(done, 'epoch')} done already",
                f"give --epochs above {done} (training stops after epoch --epochs)",
            )
        self.say(
            f"restarting from {resume.path} (epoch {done}): a fresh schedule to epoch {epochs} "
            f"(warm-up, peak {self.lr:g}, cosine), a fresh optimiser"
        )
        return Plan(done, Schedule.fresh(done, epochs, self.steps_per_epoch, self.lr), resume, True)

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
        inputs = self.agreed(self.read_inputs)
        plan = self.agreed(lambda: self.claim(inputs.dataset))
        run = self.start(plan, inputs)
        self.say(
            nothing_to_train(plan.start_epoch, self.options.epochs, plan.resume, plan.fresh_optimizer) or run.speed_line
        )
        self.model_dir.mkdir(parents=True, exist_ok=True)
        if inputs.validator is not None and plan.resume is None:  # epoch 0: the starting weights are a candidate
            self.validate_start(run, inputs.validator)
        for epoch in range(plan.start_epoch + 1, self.options.epochs + 1):
            if run.stopped:
                break
            self.train_and_save(run, epoch, stop)
        return self.finish(run)

    def read_inputs(self) -> Inputs:
        """Check and read this rank's inputs: the pairs, the validation pairs, --init-from, pretrained weights.

        Raises:
            LandcoverError: Bad input (pairs, validation, checkpoint, weights); every rank reads the same.
        """
        opts, world = self.options, self.world
        pairs = check_pairs(opts.input_dir)
        validation: list[ImagePair] = []
        if opts.val_fraction:
            pairs, validation = hold_out(pairs, opts.val_fraction, opts.seed)
        elif opts.val_dir:
            validation = check_pairs(opts.val_dir, option="--val-dir")
            check_disjoint(pairs, validation)
        inputs = Inputs(dataset=dataset_fingerprint(pairs))
        if opts.init_from:
            inputs.init_from = read_checkpoint(opts.init_from)
        inputs.pretrained = fetch_weights(opts, self.model_dir)
        mine = assign_pairs(pairs, world.rank, world.size, opts.seed)
        inputs.shard = load_shard(mine, worker=self.worker, budget_bytes=int(self.memory_budget_gb * 2**30))
        if validation:
            inputs.validator = Validator(validation, world)
            self.say(
                f"validation: {counted(len(validation), 'pair')} ({', '.join(inputs.validator.names)}), "
                f"{opts.monitor} monitored"
            )
        return inputs

    def claim(self, dataset: str) -> Plan:
        """The inputs are good: rank 0 locks ``--model-dir`` (``--force`` clears another run's results); the plan.

        Raises:
            LandcoverError: The folder is another run's, or the command does not fit the checkpoint it resumes.
        """
        if self.world.is_main:
            self.lock = ModelDirLock(self.model_dir).acquire()
            if self.options.force and not any(self.model_dir.glob("epoch-*.pt")):
                for name in RESULT_NAMES:  # --force: another run's results go, not mixed with this one's
                    (self.model_dir / name).unlink(missing_ok=True)
        return self.plan(choose_resume_point(self.model_dir, self.world, self.say), dataset)

    def start(self, plan: Plan, inputs: Inputs) -> Run:
        """The network, its optimiser (resumed: with the stored state and random generators) and the step loop."""
        opts, world = self.options, self.world
        stored = plan.resume.state if plan.resume else None
        metrics = list(stored.metrics) if stored else []
        monitor = replace(stored.monitor) if stored else Monitor(opts.monitor.value)
        tracker = track_training(opts, world.size, metrics, enabled=world.is_main)  # MLflow, rank 0 alone
        model = self.agreed(
            lambda: self.build_model(inputs.shard, plan, inputs.init_from, inputs.pretrained).to(world.device)
        )
        speed = choose_settings(world.device, opts.precision.value, "training", model=spec_of(model).name)
        model = model.to(memory_format=speed.memory_format)  # type: ignore[call-overload]
        weights = class_weights(inputs.shard, opts.class_weights, world.device, model.config.num_classes)
        optimizer = torch.optim.AdamW(parameter_groups(model), lr=self.lr, weight_decay=opts.weight_decay)
        if stored is not None and not plan.fresh_optimizer:
            optimizer.load_state_dict(stored.optimizer)
            own = stored.rank(world.rank, world.size).random
            if own is not None:
                own.restore()
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
        speed_line = (
            f"training {counted(opts.epochs, 'epoch')} x {counted(self.steps_per_epoch, 'step')} of "
            f"{self.batch_size} x {counted(world.size, 'rank')} on {world.device} ({speed.describe()}, "
            f"{counted(torch.get_num_threads(), 'thread')} per rank; {speed.reason})"
        )
        stopped = bool(stored and stored.stopped_early) and not plan.fresh_optimizer
        return Run(plan, inputs, model, optimizer, loop, weights, metrics, monitor, tracker, speed_line, stopped)

    def validate_start(self, run: Run, validator: Validator) -> None:
        """Epoch 0 of a new run: the starting weights are scored, and are ``best.pt`` until an epoch beats them."""
        scores = validator.validate(run.model, run.weights)
        run.metrics.append({"epoch": 0, "validation": scores})
        run.tracker.log_metrics(run.metrics[-1], step=0)
        self.keep_best(run.model, run.monitor, 0, scores)
        self.say(f"epoch 0 (before training): {describe(scores)}")

    def train_and_save(self, run: Run, epoch: int, stop: StopRequests) -> None:
        """One epoch: its steps, BatchNorm statistics averaged, validation, then its checkpoint (rank 0).

        Raises:
            Preempted: A stop request arrived; the checkpoint at that step is written.
            LandcoverError: The loss diverged.
        """
        opts, plan = self.options, run.plan
        rng = np.random.default_rng([opts.seed, self.world.rank, epoch])
        sampler = CropSampler(run.inputs.shard.images, run.inputs.shard.labels, rng)
        part = None
        if plan.resume is not None and plan.position is not None and plan.position.epoch == epoch:
            part = (plan.position, plan.resume.state.rank(self.world.rank, self.world.size))
        hold_encoder(run.optimizer, epoch, opts.freeze_encoder_epochs)
        stats = self.train_epoch(run.loop, sampler, epoch, plan.schedule, stop=stop, part=part)
        if isinstance(stats, Interrupted):
            self.stop_part_way(stats, stop, run)
        check_finite_loss(stats["loss"], epoch, self.lr, self.model_dir, plan.start_epoch)
        average_batchnorm_buffers(run.model, self.world)
        note = self.validate_epoch(run, epoch, stats)
        run.metrics.append(stats)
        run.tracker.log_metrics(stats, step=epoch)
        self.save_epoch(run, epoch, stop)
        self.say(
            f"epoch {epoch}/{opts.epochs}: loss {stats['loss']:.4f} pixel error {stats['pixel_error']:.4f} "
            f"{stats['samples_per_s']:.2f} samples/s {stats['seconds']:.0f} s{note}"
        )
        if run.stopped:
            self.say(
                f"early stop: {opts.monitor} has not improved for {counted(opts.early_stop or 0, 'epoch')} "
                f"(best: epoch {run.monitor.best_epoch}, {self.model_dir / BEST_NAME})"
            )
        barrier()

    def validate_epoch(self, run: Run, epoch: int, stats: dict[str, Any]) -> str:
        """Score the epoch's weights (with validation pairs), keep ``best.pt``, decide an early stop; the note."""
        validator = run.inputs.validator
        if validator is None:
            return ""
        stats["validation"] = validator.validate(run.model, run.weights)
        self.keep_best(run.model, run.monitor, epoch, stats["validation"])
        early_stop = self.options.early_stop
        run.stopped = early_stop is not None and run.monitor.since_best >= early_stop
        return f"; validation {describe(stats['validation'])}"

    def save_epoch(self, run: Run, epoch: int, stop: StopRequests) -> None:
        """Rank 0 writes the epoch's checkpoint (every rank's random state), prunes older ones, the metrics."""
        ranks = stop.gather(RankState(random=RandomState.capture()))
        if not self.world.is_main:
            return
        path = checkpoint_path(self.model_dir, epoch)
        save_checkpoint(self.checkpoint(run, self.training_state(run, epoch, ranks)), path)
        remove_superseded_steps(self.model_dir, path)
        prune_checkpoints(self.model_dir, self.options.keep_checkpoints)
        write_metrics(self.model_dir, run.metrics)
        write_settings(self.model_dir, self.options)

    def finish(self, run: Run) -> Path:
        """Every rank reports its weights' digest; rank 0 writes ``trained.pt``; the tracker logs the results."""
        emit(f"{self.worker}: weights {weights_digest(run.model)}")
        final = self.model_dir / FINAL_NAME
        if self.world.is_main:
            save_checkpoint(make_checkpoint(run.model, provenance={**self.provenance(), "metrics": run.metrics}), final)
            best = (
                f"\nbest: {self.model_dir / BEST_NAME} (epoch {run.monitor.best_epoch})" if run.inputs.validator else ""
            )
            self.say(f"model: {final} (the last epoch){best}\nmetrics: {self.model_dir / METRICS_NAME}")
        run.tracker.log_files([final, self.model_dir / BEST_NAME, self.model_dir / METRICS_NAME])
        run.tracker.finish()
        barrier()
        return final

    def training_state(
        self, run: Run, epoch: int, ranks: list[RankState], position: Position | None = None
    ) -> TrainingState:
        """The checkpoint's training state after ``epoch`` whole epochs (and ``position`` into the next one)."""
        return TrainingState(
            epoch=epoch,
            optimizer=run.optimizer.state_dict(),
            metrics=run.metrics,
            options=self.options.to_stored(),
            options_version=self.options.FORMAT_VERSION,
            world_size=self.world.size,
            schedule=run.plan.schedule,
            dataset=run.inputs.dataset,
            random=RandomState.capture(),
            monitor=run.monitor,
            stopped_early=run.stopped,
            ranks=ranks,
            position=position,
        )

    def checkpoint(self, run: Run, state: TrainingState) -> dict[str, Any]:
        """The checkpoint of the run's weights with ``state``."""
        return make_checkpoint(run.model, provenance=self.provenance(), training=state.to_stored())

    def stop_part_way(self, part: Interrupted, stop: StopRequests, run: Run) -> NoReturn:
        """Write the checkpoint before the step the ranks stopped at (rank 0), wait for it, raise :class:`Preempted`.

        Nothing is written when no step ran since the newest checkpoint. BatchNorm running statistics are rank
        0's: the next forward pass of a data-parallel network broadcasts them to every rank anyway.
        """
        ranks = stop.gather(RankState(random=RandomState.capture(), sampler=part.sampler, sums=part.sums))
        path = checkpoint_path(self.model_dir, part.epoch, part.step) if part.step > part.first_step else None
        if self.world.is_main and path is not None:
            position = Position(epoch=part.epoch, step=part.step, seconds=part.seconds)
            state = self.training_state(run, part.epoch - 1, ranks, position)
            save_checkpoint(self.checkpoint(run, state), path)
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
        part: tuple[Position, RankState] | None = None,
    ) -> dict[str, Any] | Interrupted:
        """Run one epoch of steps; return its metrics, summed over ranks.

        Args:
            loop: The step loop.
            sampler: This rank's sampler, seeded for the epoch.
            epoch: The epoch (1-based).
            schedule: The learning-rate schedule.
            stop: Asked before every step; the epoch stops there when any rank was signalled.
            part: Resuming part-way through the epoch: the checkpoint's position and this rank's part of its
                state (sampler state and partial sums).

        Returns:
            The epoch's metrics, or where it stopped on request.
        """
        opts, world = self.options, self.world
        steps = schedule.segment(epoch).steps_per_epoch
        per_step = self.batch_size * world.size
        first, before, partial = 0, 0.0, None
        if part is not None:
            position, own = part
            first, before = position.step, position.seconds
            if own.sampler is None or own.sums is None:
                raise ValueError("a part-way checkpoint holds every rank's sampler and sums")
            sampler.restore(own.sampler)
            partial = own.sums.to(world.device)
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
        return self.epoch_metrics(loop, epoch, sums, steps - first, seconds, compile_seconds, before)

    def epoch_metrics(
        self,
        loop: StepLoop,
        epoch: int,
        sums: torch.Tensor,
        steps: int,
        seconds: float,
        compile_seconds: float,
        before: float,
    ) -> dict[str, Any]:
        """An epoch's line of ``metrics.jsonl`` from the loss sums of its ``steps`` (this run's) over ``seconds``.

        ``before``: seconds the epoch ran before a resume part-way through it; a compiling first step is
        reported on its own (``compile_seconds``), outside samples/s.
        """
        per_step = self.batch_size * self.world.size
        timed_steps, timed_seconds = steps, seconds
        if compile_seconds and timed_steps > 1:  # the compiling first step is reported on its own
            timed_steps, timed_seconds = timed_steps - 1, timed_seconds - compile_seconds
        stats = {
            "epoch": epoch,
            "loss": float(sums[0] / sums[1]),
            "pixel_error": float(sums[2] / sums[3]),
            "samples_per_s": timed_steps * per_step / timed_seconds,
            "seconds": seconds + before,
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
