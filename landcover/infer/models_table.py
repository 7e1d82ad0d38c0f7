"""The table ``landcover models`` prints (Rich), with measured ratios against the tutorial's U-Net."""

from __future__ import annotations

from rich.table import Table

from landcover.choices import Architecture
from landcover.infer.survey import ModelFacts, describe, listed_specs, measure
from landcover.io.console import console, emit
from landcover.io.errors import LandcoverError
from landcover.model.registry import closest
from landcover.settings import ModelsSettings
from landcover.tuning import CpuCapabilities


def _selected(only: str | None) -> list[str] | None:
    if only is None:
        return None
    names = [name.strip() for name in only.split(",") if name.strip()]
    known = Architecture.names()
    for name in names:
        if name not in known:
            raise LandcoverError(
                f"--only {name} is not an architecture{closest(name, known)}", f"use {', '.join(known)}"
            )
    return names


def _ratio(value: float | None, reference: float | None) -> str:
    return "-" if value is None or not reference else f"{value / reference:.2f}x"


def models_table(settings: ModelsSettings) -> list[ModelFacts]:
    """Describe (and with ``--measure`` time) every listed model; print the table.

    Raises:
        LandcoverError: ``--only`` names an unknown architecture.
    """
    rows = []
    for spec in listed_specs(_selected(settings.only)):
        facts = describe(spec)
        if settings.measure:
            emit(f"measuring {spec.name} ({settings.seconds:g} s training, {settings.seconds:g} s inference)")
            measure(facts, seconds=settings.seconds)
        rows.append(facts)
    reference = next((r for r in rows if not r.spec.is_zoo), None)
    train_reference = reference.train_samples_per_s if reference else None
    infer_reference = reference.infer_km2_per_s if reference else None
    table = Table(title="landcover models (GFLOP per 256 x 256 sample)", title_justify="left")
    columns = ["--model", "--encoder", "parameters", "GFLOP forward", "GFLOP training"]
    if settings.measure:
        columns += ["train samples/s", "vs tutorial", "infer km²/s", "vs tutorial"]
    for column in columns:
        table.add_column(
            column, justify="left" if column.startswith("--") else "right", no_wrap=column.startswith("--")
        )
    for r in rows:
        cells = [
            r.spec.architecture.value,
            r.spec.encoder or "-",
            f"{r.parameters / 1e6:.1f} M",
            f"{r.gflop_forward:.1f}",
            f"{r.gflop_training:.1f}",
        ]
        if settings.measure:
            cells += [
                f"{r.train_samples_per_s:.2f}",
                _ratio(r.train_samples_per_s, train_reference),
                f"{r.infer_km2_per_s:.4f}",
                _ratio(r.infer_km2_per_s, infer_reference),
            ]
        table.add_row(*cells)
    console.print(table)
    if settings.measure:
        cpu = CpuCapabilities.detect()
        console.print(
            f"measured in one run on this machine (CPU {cpu.cpu_class}); training {rows[0].train_settings}, "
            f"inference {rows[0].infer_settings} by the tuning rules; any smp encoder works: --encoder NAME, "
            "timm's as tu-NAME"
        )
    return rows
