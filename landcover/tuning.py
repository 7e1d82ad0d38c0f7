"""The fastest precision and memory format for the machine at hand, by rules measured per CPU class.

The choice is a rule, not a timed trial at start-up: on a shared or busy machine a few seconds of timing can
pick wrongly, and a choice that differed from run to run would change fp32 rounding between a run and its
resumption. The rules come from ``scripts/bench_train.py`` and ``scripts/bench_predict.py``, which time every
candidate in one run and print ``defaults vs best measured setting: R x`` (figures: docs/cpu-performance.md):

- AMX / AVX-512 BF16: bf16, channels-last (training and inference);
- AVX-512 without BF16: fp32, channels-last (oneDNN would emulate bf16 at half the fp32 speed);
- AVX2 (no AVX-512), and CPUs not measured (ARM): fp32; training in NCHW (1.8x channels-last on AVX2),
  inference in channels-last (1.45x NCHW on AVX2);
- CUDA: bf16 on Ampere and later, channels-last.

On AVX2, oneDNN's channels-last fp32 backward convolutions are slow, while its channels-last forward ones
are the faster; with AVX-512, channels-last wins both ways, in fp32 as in bf16. Precision changes results,
so ``auto`` takes bf16 only where oneDNN runs it natively (fast) and the agreement figures allow it; the
memory format does not change what is computed beyond fp32 rounding.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from landcover.choices import Precision

if TYPE_CHECKING:
    import torch


class Workload(StrEnum):
    """What the model is run for: the fastest memory format differs on some CPUs."""

    TRAINING = "training"
    INFERENCE = "inference"


@dataclass(frozen=True)
class CpuCapabilities:
    """What decides the speed settings of a CPU.

    Attributes:
        isa: The vector instruction set ATen dispatches to (``torch.backends.cpu.get_cpu_capability()``:
            ``"AVX512"``, ``"AVX2"``, ``"DEFAULT"``, ...), after any ``ATEN_CPU_CAPABILITY`` cap.
        fast_bf16: oneDNN runs bf16 natively (AVX512-BF16 or AMX), after any ``ONEDNN_MAX_CPU_ISA`` cap.
        amx: The CPU has AMX tiles.
        avx512: oneDNN's convolutions run AVX-512 code (default: as ``isa`` says).
    """

    isa: str
    fast_bf16: bool
    amx: bool = False
    avx512: bool | None = None

    def __post_init__(self) -> None:
        if self.avx512 is None:  # by default as ATen's ISA says
            object.__setattr__(self, "avx512", self.isa.upper().startswith("AVX512"))

    @property
    def cpu_class(self) -> str:
        """The measured class this CPU falls in, as the start-up line names it."""
        if self.fast_bf16:
            return "AMX" if self.amx else "AVX-512 BF16"
        return f"{self.isa} without fast bf16"

    @classmethod
    def detect(cls) -> CpuCapabilities:
        """This process's CPU as torch and oneDNN see it (the ISA caps in the environment included).

        oneDNN also reports bf16 support on AVX-512 CPUs without the BF16 instructions, where it emulates
        them (slowly); fast bf16 needs the instructions themselves (AVX512-BF16 or AMX), and oneDNN not
        capped below them by ``ONEDNN_MAX_CPU_ISA`` / ``DNNL_MAX_CPU_ISA``.
        """
        import torch

        native = bool(torch.cpu._is_avx512_bf16_supported()) or bool(torch.cpu._is_amx_tile_supported())
        cap = onednn_isa_cap()
        isa = torch.backends.cpu.get_cpu_capability()
        return cls(
            isa=isa,
            fast_bf16=native and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()) and below_cap(cap, "BF16"),
            amx=bool(torch.cpu._is_amx_tile_supported()) and below_cap(cap, "AMX"),
            avx512=isa.upper().startswith("AVX512") and below_cap(cap, "512"),
        )


def onednn_isa_cap(environ: Mapping[str, str] | None = None) -> str:
    """The ISA oneDNN is capped at by ``ONEDNN_MAX_CPU_ISA`` (or ``DNNL_MAX_CPU_ISA``); ``"ALL"`` when not."""
    environ = os.environ if environ is None else environ
    return (environ.get("ONEDNN_MAX_CPU_ISA") or environ.get("DNNL_MAX_CPU_ISA") or "ALL").upper()


def below_cap(cap: str, feature: str) -> bool:
    """Whether an ISA cap (``"ALL"``, ``"AVX2"``, ``"AVX512_CORE_BF16"``, ...) leaves ``feature`` to oneDNN.

    ``feature``: ``"512"`` (AVX-512), ``"BF16"`` or ``"AMX"``; the AMX and AVX10 caps include all three.
    """
    if cap == "ALL" or "AMX" in cap or cap.startswith("AVX10"):
        return True
    return feature in cap


MODEL_RULES: dict[tuple[str, str, Workload], tuple[bool, bool]] = {}
"""(model name prefix, CPU class, workload) -> (bf16 under ``auto``, channels-last), where a zoo network's fastest
setting differs from the CPU class's rule above (``scripts/bench_zoo.py --parts formats``; docs/models.md)."""


@dataclass(frozen=True)
class SpeedSettings:
    """The settings a training or inference run uses.

    Attributes:
        bf16: bf16 autocast.
        channels_last: The model and its inputs in channels-last memory format (otherwise contiguous NCHW).
        reason: Why, for the start-up line (the CPU class or the device).
    """

    bf16: bool
    channels_last: bool
    reason: str

    @property
    def memory_format(self) -> torch.memory_format:
        """The torch memory format of the model and its inputs."""
        import torch

        return torch.channels_last if self.channels_last else torch.contiguous_format

    def describe(self) -> str:
        """``"bf16, channels-last"`` / ``"fp32, NCHW"``: what the start-up line shows."""
        return f"{'bf16' if self.bf16 else 'fp32'}, {'channels-last' if self.channels_last else 'NCHW'}"


def choose_settings(
    device: torch.device,
    precision: Precision | str = Precision.auto,
    workload: Workload | str = Workload.TRAINING,
    cpu: CpuCapabilities | None = None,
    model: str | None = None,
) -> SpeedSettings:
    """The fastest settings for a device by the measured rules (module docstring).

    Args:
        device: Where the model runs.
        precision: ``auto`` (bf16 where it is fast), ``bf16`` or ``fp32``.
        workload: Training or inference.
        cpu: The CPU's capabilities (detected when not given; given in tests).
        model: The network (``tutorial-unet``, ``unet/resnet18``, ...; :attr:`ModelSpec.name`): some zoo networks
            have rules of their own (:data:`MODEL_RULES`); ``None`` is the tutorial's U-Net.

    Returns:
        The settings, with the reason for the start-up line.
    """
    precision, workload = Precision(precision), Workload(workload)
    if device.type == "cuda":
        import torch

        fast = bool(torch.cuda.is_bf16_supported())
        bf16 = fast if precision is Precision.auto else precision is Precision.bf16
        return SpeedSettings(bf16, True, f"CUDA, bf16 {'fast' if fast else 'slow'}")
    cpu = cpu or CpuCapabilities.detect()
    bf16 = cpu.fast_bf16 if precision is Precision.auto else precision is Precision.bf16
    # channels-last everywhere but in training on CPUs without AVX-512, where its backward pass is slow
    channels_last = bool(cpu.avx512 or cpu.fast_bf16 or workload is Workload.INFERENCE)
    rule = model_rule(model, cpu, workload)
    if rule is not None:
        auto_bf16, channels_last = rule
        bf16 = auto_bf16 if precision is Precision.auto else bf16
        return SpeedSettings(bf16, channels_last, f"CPU {cpu.cpu_class}, measured for {model}")
    return SpeedSettings(bf16, channels_last, f"CPU {cpu.cpu_class}")


def model_rule(model: str | None, cpu: CpuCapabilities, workload: Workload) -> tuple[bool, bool] | None:
    """A zoo network's own (bf16, channels-last) on this CPU class and workload, where one was measured."""
    if model is None:
        return None
    for (prefix, cpu_class, rule_workload), settings in MODEL_RULES.items():
        if model.startswith(prefix) and cpu.cpu_class == cpu_class and rule_workload is workload:
            return settings
    return None
