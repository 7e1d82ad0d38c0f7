"""The preview a person reads: only the classes present, the figures with what the mean averages, readable text."""

from __future__ import annotations

import numpy as np
from PIL import Image

from landcover.infer.preview import PairGrid, PreviewRow, classes_present, font_size_for, headline_lines, render_preview
from landcover.metrics import confusion_matrix, summarise
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import landcover

SCREEN = 1568


def row(truth: np.ndarray | None, prediction: np.ndarray) -> PreviewRow:
    imagery = np.full((*prediction.shape, 3), 128, dtype=np.uint8)
    return PreviewRow(imagery, truth, prediction)


def test_legend_lists_only_the_classes_present():
    truth = np.full((64, 64), 2, dtype=np.uint8)
    truth[:8] = 3
    prediction = np.full((64, 64), 2, dtype=np.uint8)
    prediction[-4:] = 4
    assert classes_present([row(truth, prediction)]) == [2, 3, 4]  # no unknown, no water
    truth[0, 0] = 0
    assert classes_present([row(truth, prediction)]) == [0, 2, 3, 4]


def test_figures_name_what_the_mean_iou_averages():
    truth = np.array([[1, 2, 3, 4]], dtype=np.uint8)
    metrics = summarise(confusion_matrix(truth, truth))
    lines = headline_lines(metrics)
    assert lines[0].startswith("pixel accuracy 1.000") and "water 1.000" in lines[0]
    assert lines[1].startswith("mean IoU of trees, herbaceous, barren/impervious (water left out")


def test_text_stays_readable_at_screen_width():
    for panels, panel_width in ((3, 768), (2, 768), (3, 384)):
        width = panels * panel_width
        shown = font_size_for(width) * min(1.0, SCREEN / width)
        assert shown >= 18, (panels, panel_width, shown)


def test_render_with_and_without_labels():
    prediction = np.full((96, 128), 3, dtype=np.uint8)
    truth = np.full((96, 128), 3, dtype=np.uint8)
    metrics = summarise(confusion_matrix(truth, prediction))
    labelled = render_preview([row(truth, prediction)], title="m.pt on s.tif", metrics=metrics, panel_width=400)
    unlabelled = render_preview([row(None, prediction)], title="m.pt on s.tif", panel_width=400)
    assert labelled.width > unlabelled.width and labelled.height > unlabelled.height  # a truth panel and figures


def test_score_writes_a_grid_preview(tmp_path):
    for index in range(3):
        write_pair(tmp_path / "pairs", f"P{index}", size=(192, 192), seed=index)
    model = fresh_checkpoint(tmp_path / "m.pt")
    out = tmp_path / "grid.png"
    result = landcover("score", str(model), str(tmp_path / "pairs"), "--preview", str(out))
    assert result.returncode == 0, result.stderr
    assert "mean IoU of trees, herbaceous, barren/impervious (water left out" in " ".join(result.stdout.split())
    with Image.open(out) as image:
        assert image.width >= 3 * 384 and image.height > 3 * 384


def test_grid_keeps_at_most_its_limit():
    grid = PairGrid(margin=4, limit=2)
    image = np.zeros((4, 32, 32), dtype=np.uint8)
    labels = np.full((32, 32), 2, dtype=np.uint8)
    for name in "abc":
        grid(name, image, labels, labels)
    assert [r.caption for r in grid.rows] == ["a: pixel accuracy 1.000", "b: pixel accuracy 1.000"]
