"""The job table of ``runner list``: job names are never cut, whatever the width, so they paste into other commands.

The name column always gets the longest name's width; the other columns fold (wrap inside their cell) to fit
what is left. When even folded they do not fit beside the names, each job is printed as two lines instead: its
name, then its other columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Column, Table

HEADERS = ("name", "executionState", "exitCode", "backend", "created")
FOLDED_WIDTHS = (0, 9, 4, 7, 10)
"""The narrowest each column is folded to (the name column is never folded): "succeeded", "2026-12-06"."""
BOX = box.HEAVY_HEAD


def column_widths(rows: Sequence[Sequence[str]], width: int) -> list[int] | None:
    """Widths of the columns' contents that fit ``width`` with the names whole, or ``None`` where none do."""
    natural = [max([len(header), *(len(row[i]) for row in rows)]) for i, header in enumerate(HEADERS)]
    frame = 3 * len(HEADERS) + 1  # "│ " before each column, " │" after the last: 3 per column, 1 more
    spare = width - frame - sum(natural)
    if spare >= 0:
        return natural
    widths = [natural[0], *(min(n, f) for n, f in zip(natural[1:], FOLDED_WIDTHS[1:], strict=True))]
    spare = width - frame - sum(widths)
    if spare < 0:
        return None
    for i in range(len(widths) - 1, 0, -1):  # what is left widens the folded columns, the last (dates) first
        grow = min(spare, natural[i] - widths[i])
        widths[i], spare = widths[i] + grow, spare - grow
    return widths


def print_jobs(console: Console, rows: Sequence[Sequence[str]]) -> None:
    """Print one row per job (name, state, exit code, backend, created) within the console's width."""
    widths = column_widths(rows, console.width)
    if widths is None:
        for name, *rest in rows:
            console.print(name, soft_wrap=True, highlight=False, markup=False)
            details = "  ".join(f"{header} {value}" for header, value in zip(HEADERS[1:], rest, strict=True) if value)
            console.print(f"  {details}", soft_wrap=True, highlight=False, markup=False)
        return
    columns = [Column(HEADERS[0], width=widths[0], no_wrap=True)]
    columns += [Column(header, width=w, overflow="fold") for header, w in zip(HEADERS[1:], widths[1:], strict=True)]
    table = Table(*columns, box=BOX)
    for row in rows:
        table.add_row(*row)
    console.print(table)
