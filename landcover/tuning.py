"""The fastest precision and memory format for the machine at hand, by rules measured per CPU class.

The choice is a rule, not a timed trial at start-up: on a shared or busy machine a few seconds of timing can
pick wrongly, and a choice that differed from run to run would change fp32 rounding between a run and its
resumption. The rules come from ``scripts/bench_train.py`` and ``scripts/bench_predict.py``, which time every
candidate in one run and print ``defaults vs best measured setting: R x`` (see ``docs/cpu-performance.md``):

======================  ==================  ==============================================================
CPU class               ``auto`` precision  memory format
======================  ==================  ==============================================================
AMX / AVX-512 BF16      bf16                channels-last (oneDNN's native bf16 kernels: 2.4-3.6x fp32)
AVX2, AVX-512 (no bf16) fp32                contiguous NCHW (channels-last fp32 there: about 0.5x)
CUDA                    bf16 on Ampere+     channels-last (Tensor Cores)
======================  ==================  ==============================================================

fp32 asked for explicitly (``--precision fp32``, ``--exact``) runs contiguous NCHW on every CPU: oneDNN's
fp32 convolutions reorder to their blocked layout either way, and channels-last costs extra reorders.
Precision changes results, so ``auto`` takes bf16 only where it is fast and the agreement figures allow it
(docs/cpu-performance.md); the memory format does not change what is computed beyond fp32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


class Precision(StrEnum):
    """What ``--precision`` accepts."""

    AUTO = "auto"
    BF16 = "bf16"
    FP32 = "fp32"


@dataclass(frozen=True)
class CpuCapabilities:
    """What decides the speed settings of a CPU.

    Attributes:
        isa: The vector instruction set ATen dispatches to (``torch.backends.cpu.get_cpu_capability()``:
            ``"AVX512"``, ``"AVX2"``, ``"DEFAULT"``, ...), after any ``ATEN_CPU_CAPABILITY`` cap.
        fast_bf16: oneDNN runs bf16 natively (AVX512-BF16 or AMX), after any ``ONEDNN_MAX_CPU_ISA`` cap.
        amx: The CPU has AMX tiles (``amx_bf16`` in /proc/cpuinfo).
    """

    isa: str
    fast_bf16: bool
    amx: bool = False

    @property
    def cpu_class(self) -> str:
        """The measured class this CPU falls in, as the start-up line names it."""
        if self.fast_bf16:
            return "AMX" if self.amx else "AVX-512 BF16"
        return f"{self.isa} without fast bf16"

    @classmethod
    def detect(cls) -> CpuCapabilities:
        """This process's CPU as torch and oneDNN see it (the ISA caps in the environment included)."""
        import torch

        return cls(
            isa=torch.backends.cpu.get_cpu_capability(),
            fast_bf16=bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()),
            amx=_has_cpu_flag("amx_bf16"),
        )


def _has_cpu_flag(flag: str) -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return any(line.startswith("flags") and flag in line.split() for line in info)
    except OSError:
        return False


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
    device: torch.device, precision: Precision | str = Precision.AUTO, cpu: CpuCapabilities | None = None
) -> SpeedSettings:
    """The fastest settings for a device by the measured rules (module docstring).

    Args:
        device: Where the model runs.
        precision: ``auto`` (bf16 where it is fast), ``bf16`` or ``fp32``.
        cpu: The CPU's capabilities (detected when not given; given in tests).

    Returns:
        The settings, with the reason for the start-up line.
    """
    precision = Precision(precision)
    if device.type == "cuda":
        import torch

        fast = bool(torch.cuda.is_bf16_supported())
        bf16 = fast if precision is Precision.AUTO else precision is Precision.BF16
        return SpeedSettings(bf16, True, f"CUDA, bf16 {'fast' if fast else 'slow'}")
    cpu = cpu or CpuCapabilities.detect()
    bf16 = cpu.fast_bf16 if precision is Precision.AUTO else precision is Precision.BF16
    # channels-last pays only with oneDNN's native bf16 kernels; fp32 (and emulated bf16) runs faster in NCHW
    return SpeedSettings(bf16, bf16 and cpu.fast_bf16, f"CPU {cpu.cpu_class}")
