"""Human-readable metric tables (Rich)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from landcover.io.console import console
from landcover.metrics import describe_mean_iou


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_metrics(metrics: dict[str, Any], title: str) -> None:
    """Print pixel accuracy, mean IoU and the per-class scores as a table (one line when nothing was scored)."""
    if metrics["pixel_accuracy"] is None:
        console.print(
            f"[yellow]warning:[/] {title}: nothing scored: every label is 0 (unknown) or nodata, "
            "so there is no accuracy or IoU (label files with classes 1-6 are needed to score)",
            soft_wrap=True,
        )
        return
    table = Table(title=title, title_justify="left")
    for column in ("class", "pixels", "precision", "recall", "IoU"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, scores in metrics["per_class"].items():
        table.add_row(
            name, str(scores["pixels"]), _fmt(scores["precision"]), _fmt(scores["recall"]), _fmt(scores["iou"])
        )
    console.print(table)
    console.print(
        f"pixel accuracy [bold]{_fmt(metrics['pixel_accuracy'])}[/]  "
        f"{describe_mean_iou(metrics)} [bold]{_fmt(metrics['mean_iou'])}[/]"
    )
