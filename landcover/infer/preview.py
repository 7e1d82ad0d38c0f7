"""The preview PNG a person reads at screen size: imagery | truth | prediction, legend and headline figures.

One renderer serves ``landcover evaluate`` (one row: the region) and ``landcover score --preview`` (a
grid, one row per image pair). Text is drawn with Pillow's built-in scalable font, sized from the
canvas width, so the legend and figures stay readable when the image is shrunk to fit a screen.
The legend lists only the classes that occur; the figures (pixel accuracy, per-class IoU, mean IoU
naming the classes it averages) are drawn when labels exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from clibase.atomic import atomic_path
from clibase.text import counted
from landcover.constants import CLASS_COLOURS, CLASS_NAMES, UNKNOWN
from landcover.metrics import confusion_matrix, describe_mean_iou, summarise

TEXT_PER_WIDTH = 1 / 60
"""Font size as a fraction of the canvas width: about 26 px on a 1568-px-wide screen."""
MIN_FONT = 14
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
"""Pillow's built-in font: scalable (FreeType, in every Pillow wheel), else its small bitmap."""
GRID_ROWS = 12
"""At most this many image pairs in a ``landcover score --preview`` grid."""
GRID_PANEL = 512


@dataclass(frozen=True)
class PreviewRow:
    """One row of panels: RGB imagery (H, W, 3) or None, truth classes (H, W) or None, predicted classes (H, W)."""

    imagery: np.ndarray | None
    truth: np.ndarray | None
    prediction: np.ndarray
    caption: str = ""
    scored_margin: int = 0
    """Border (pixels of the arrays) left out of the scores; outlined on the class panels when non-zero."""


def colourise(classes: np.ndarray) -> np.ndarray:
    """Class indices (H, W) as RGB (H, W, 3) in the tutorial's palette."""
    return np.array(CLASS_COLOURS, dtype=np.uint8)[np.minimum(classes, len(CLASS_COLOURS) - 1)]


def font_size_for(width: int) -> int:
    """Text size in pixels for a canvas ``width`` pixels wide."""
    return max(MIN_FONT, round(width * TEXT_PER_WIDTH))


def classes_present(rows: list[PreviewRow]) -> list[int]:
    """Classes that occur in any truth or prediction panel, in class order."""
    seen: set[int] = set()
    for row in rows:
        for classes in (row.truth, row.prediction):
            if classes is not None:
                seen.update(int(c) for c in np.unique(classes))
    return sorted(c for c in seen if c < len(CLASS_NAMES))


def headline_lines(metrics: dict[str, Any]) -> list[str]:
    """The figures printed on the image: pixel accuracy, IoU per class, and what the mean IoU averages."""

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    per_class = ", ".join(f"{name} {fmt(scores['iou'])}" for name, scores in metrics["per_class"].items())
    return [
        f"pixel accuracy {fmt(metrics['pixel_accuracy'])}   IoU: {per_class}",
        f"{describe_mean_iou(metrics)} {fmt(metrics['mean_iou'])}",
    ]


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split(" "):
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit(array: np.ndarray, width: int) -> Image.Image:
    """A panel scaled to ``width`` px wide (nearest neighbour: classes stay classes)."""
    image = Image.fromarray(np.ascontiguousarray(array))
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.NEAREST)


def render_preview(
    rows: list[PreviewRow], *, title: str, metrics: dict[str, Any] | None = None, panel_width: int | None = None
) -> Image.Image:
    """Draw the preview: title, figures and legend on top, then the rows of panels.

    Args:
        rows: One or more rows of panels; every row has an imagery (and a truth) panel or none does.
        title: The heading (model, image).
        metrics: :func:`landcover.metrics.summarise` output; its figures are drawn when given.
        panel_width: Width of each panel in pixels [the first row's prediction width].

    Returns:
        The RGB image.
    """
    with_imagery, with_truth = rows[0].imagery is not None, rows[0].truth is not None
    names = [*(["imagery (R, G, B)"] if with_imagery else []), *(["truth"] if with_truth else []), "prediction"]
    panel_width = panel_width or rows[0].prediction.shape[1]
    first_class_panel = 1 if with_imagery else 0
    panels = [_row_panels(row, panel_width) for row in rows]
    font_size = font_size_for(len(names) * panel_width)
    font = ImageFont.load_default(size=font_size)
    title_font = ImageFont.load_default(size=round(font_size * 1.25))
    gap = max(8, font_size // 2)
    line = round(font_size * 1.35)
    width = len(names) * (panel_width + gap) + gap
    scratch = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_width = width - 2 * gap
    title_lines = _wrap(scratch, title, title_font, text_width)
    figures = headline_lines(metrics) if metrics is not None else []
    figure_lines = [part for text in figures for part in _wrap(scratch, text, font, text_width)]
    legend_rows = _legend_rows(scratch, _legend(rows), font, text_width, gap)
    captions = any(row.caption for row in rows)
    row_heights = [max(p.height for p in row) + (line if captions else 0) for row in panels]
    title_line = round(line * 1.25)
    header = gap + len(title_lines) * title_line + (len(figure_lines) + len(legend_rows)) * line + gap + line
    canvas = Image.new("RGB", (width, header + sum(row_heights) + gap * len(rows)), "white")
    draw = ImageDraw.Draw(canvas)
    y = gap
    for text in title_lines:
        draw.text((gap, y), text, fill="black", font=title_font)
        y += title_line
    for text in figure_lines:
        draw.text((gap, y), text, fill="black", font=font)
        y += line
    for legend_row in legend_rows:
        _draw_legend_row(draw, legend_row, y, font, gap, line)
        y += line
    y += gap
    for index, name in enumerate(names):
        draw.text((gap + index * (panel_width + gap), y), name, fill="black", font=font)
    y += line
    for row, row_panels, height in zip(rows, panels, row_heights, strict=True):
        if captions:
            draw.text((gap, y), row.caption, fill="dimgray", font=font)
        top = y + (line if captions else 0)
        _paste_row(canvas, row, row_panels, top, gap, first_class_panel, outline=max(2, font_size // 10))
        y += height + gap
    return canvas


def _row_panels(row: PreviewRow, panel_width: int) -> list[Image.Image]:
    """The row's panels scaled to ``panel_width``: imagery and truth where the row has them, then prediction."""
    return (
        ([_fit(row.imagery, panel_width)] if row.imagery is not None else [])
        + ([_fit(colourise(row.truth), panel_width)] if row.truth is not None else [])
        + [_fit(colourise(row.prediction), panel_width)]
    )


def _paste_row(
    canvas: Image.Image,
    row: PreviewRow,
    panels: list[Image.Image],
    top: int,
    gap: int,
    first_class_panel: int,
    *,
    outline: int,
) -> None:
    """Paste one row of panels at ``top``, outlining the scored centre on its class panels."""
    draw = ImageDraw.Draw(canvas)
    for index, panel in enumerate(panels):
        left = gap + index * (panel.width + gap)
        canvas.paste(panel, (left, top))
        if row.scored_margin and index >= first_class_panel:
            inset = round(row.scored_margin * panel.width / row.prediction.shape[1])
            corner = (left + inset, top + inset, left + panel.width - inset, top + panel.height - inset)
            draw.rectangle(corner, outline="white", width=outline)


LegendEntry = tuple[str, tuple[int, int, int]]


def _legend(rows: list[PreviewRow]) -> list[LegendEntry]:
    """A legend entry (name, colour) for each class that occurs in the rows."""
    return [
        (CLASS_NAMES[c] + (" (not scored)" if c == UNKNOWN else ""), CLASS_COLOURS[c]) for c in classes_present(rows)
    ]


def _swatch(gap: int) -> int:
    """Side of a legend colour box: about the text height (the gap is half the font size)."""
    return round(gap * 1.8)


def _legend_entry_width(draw: ImageDraw.ImageDraw, name: str, font: Font, gap: int) -> int:
    """Swatch, its label and the space after it."""
    return _swatch(gap) + gap // 2 + round(draw.textlength(name, font=font)) + 2 * gap


def _draw_legend_row(
    draw: ImageDraw.ImageDraw, entries: list[LegendEntry], y: int, font: Font, gap: int, line: int
) -> None:
    box = _swatch(gap)
    x = gap
    for name, colour in entries:
        top = y + (line - box) // 2
        draw.rectangle([x, top, x + box, top + box], fill=colour, outline="black")
        draw.text((x + box + gap // 2, y), name, fill="black", font=font)
        x += _legend_entry_width(draw, name, font, gap)


def _legend_rows(
    draw: ImageDraw.ImageDraw, legend: list[LegendEntry], font: Font, width: int, gap: int
) -> list[list[LegendEntry]]:
    """Legend entries laid out in as many rows as the width needs."""
    rows: list[list[LegendEntry]] = [[]]
    used = 0
    for name, colour in legend:
        needed = _legend_entry_width(draw, name, font, gap)
        if rows[-1] and used + needed > width:
            rows.append([])
            used = 0
        rows[-1].append((name, colour))
        used += needed
    return rows


def save_png(image: Image.Image, out: Path) -> Path:
    """Write a PNG atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        image.save(tmp, format="PNG")
    return out


class PairGrid:
    """Collects scored image pairs (a :data:`landcover.score.PairCallback`) and writes them as one grid."""

    def __init__(self, margin: int, limit: int = GRID_ROWS) -> None:
        """Keep up to ``limit`` pairs; ``margin`` is the unscored border, for the per-pair accuracy."""
        self.margin, self.limit = margin, limit
        self.rows: list[PreviewRow] = []

    def __call__(self, name: str, image: np.ndarray, labels: np.ndarray, predicted: np.ndarray) -> None:
        """Add one pair: image (4, H, W), labels and predicted classes (H, W)."""
        if len(self.rows) >= self.limit:
            return
        m = self.margin
        accuracy = summarise(
            confusion_matrix(labels[m : -m or None, m : -m or None], predicted[m : -m or None, m : -m or None])
        )
        figure = accuracy["pixel_accuracy"]
        caption = f"{name}: pixel accuracy {'-' if figure is None else f'{figure:.3f}'}"
        self.rows.append(PreviewRow(np.moveaxis(image[:3], 0, -1), labels, predicted, caption, self.margin))

    def write(self, out: Path, *, title: str, metrics: dict[str, Any], total: int) -> Path:
        """Write the grid with the figures over all ``total`` pairs."""
        shown = f"; the first {len(self.rows)} of {counted(total, 'pair')} shown" if total > len(self.rows) else ""
        heading = f"{title} (scored inside the white frames: a {self.margin}-px border left out{shown})"
        width = min(GRID_PANEL, max(row.prediction.shape[1] for row in self.rows)) if self.rows else GRID_PANEL
        return save_png(render_preview(self.rows, title=heading, metrics=metrics, panel_width=max(width, 384)), out)
