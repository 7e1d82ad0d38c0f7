"""`landcover view` in a real browser: Debian's chromium (Playwright) against a real server on 127.0.0.1.

The scene's classes are known by position (tests/data/view_scenes.py), so the colour the page draws at a
pixel's place, the legend's areas and what a click reports can be checked against the files.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer

from landcover.constants import CLASS_COLOURS, CLASS_LABELS
from landcover.data.geo import area_km2
from tests.data.view_scenes import CONFIDENCE, DISAGREEMENT_PIXEL, block_centres

pytestmark = pytest.mark.browser
TOLERANCE = 8


def lonlat(folder: Path, row: int, col: int) -> tuple[float, float]:
    """Longitude and latitude of a pixel's centre of the folder's prediction."""
    with rasterio.open(folder / "pred_labels.tif") as src:
        x, y = src.xy(row, col)
        return Transformer.from_crs(src.crs, "EPSG:4326", always_xy=True).transform(x, y)


def open_page(browser: Any, url: str, requests: list[str] | None = None) -> Any:
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    if requests is not None:
        page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    page.wait_for_function("() => window.landcoverView && window.landcoverView.ready", timeout=60_000)
    return page


def screen_point(page: Any, lon: float, lat: float) -> tuple[float, float]:
    """Where a place is on the screen (the map's projection plus the map's offset in the page)."""
    found = page.evaluate(
        """([lon, lat]) => { const p = window.landcoverView.map.project([lon, lat]);
        const box = document.getElementById('map').getBoundingClientRect();
        return [p.x + box.left, p.y + box.top]; }""",
        [lon, lat],
    )
    return found[0], found[1]


def colour_at(page: Any, x: float, y: float) -> tuple[int, int, int]:
    page.evaluate("() => window.landcoverView.whenIdle()")
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    return image.getpixel((round(x), round(y)))  # type: ignore[return-value]


def near(colour: tuple[int, int, int], expected: tuple[int, ...]) -> bool:
    return max(abs(a - b) for a, b in zip(colour, expected, strict=False)) <= TOLERANCE


def set_opacity(page: Any, layer: str, percent: int) -> None:
    page.locator(f"input[data-opacity='{layer}']").fill(str(percent))


def test_page_is_offline_and_draws_each_class_where_it_is(browser, start_viewer, view_folders) -> None:
    folder = view_folders["utm"]
    viewer = start_viewer(str(folder))
    requests: list[str] = []
    page = open_page(browser, viewer.url, requests)
    set_opacity(page, "prediction", 100)
    for value, (row, col) in block_centres().items():
        x, y = screen_point(page, *lonlat(folder, row, col))
        assert near(colour_at(page, x, y), CLASS_COLOURS[value]), (value, colour_at(page, x, y))
    elsewhere = [url for url in requests if not url.startswith((viewer.base + "/", "blob:", "data:"))]
    assert requests and not elsewhere, elsewhere
    assert any("/tiles/prediction/" in url for url in requests)


def test_legend_names_the_classes_with_their_areas(browser, start_viewer, view_folders) -> None:
    folder = view_folders["utm"]
    page = open_page(browser, start_viewer(str(folder)).url)
    with rasterio.open(folder / "pred_labels.tif") as src:
        classes = src.read(1)
        pixel_km2 = area_km2(src.crs, src.transform, src.width, src.height) / classes.size
    for value in range(1, len(CLASS_LABELS)):
        row = page.locator(f"#legend tr[data-class='{value}']")
        assert CLASS_LABELS[value] in row.inner_text()
        km2 = float(row.locator(".km2").inner_text().split()[0])
        percent = float(row.locator(".percent").inner_text().rstrip("%"))
        assert km2 == pytest.approx((classes == value).sum() * pixel_km2, abs=1e-4)
        assert percent == pytest.approx(100 * (classes == value).mean(), abs=0.051)  # shown to 0.1
    per_class = page.locator("#per-class").inner_text()
    assert all(name in per_class for name in ("water", "trees", "herbaceous", "barren/impervious"))
    herbaceous_row = page.locator("#confusion tr").nth(3).inner_text().split()  # truth herbaceous
    assert herbaceous_row == ["herbaceous", "0", "0", str(96 * 96), str(80 * 128)]  # 80 x 128 called barren
    assert page.locator("#accuracy").inner_text() == "0.844"  # 1 - 64 x 128 disagreeing / 256 x 256 pixels


def test_a_click_reports_class_truth_and_confidence(browser, start_viewer, view_folders) -> None:
    folder = view_folders["utm"]
    page = open_page(browser, start_viewer(str(folder)).url)
    for (row, col), (predicted, truth) in {block_centres()[2]: (2, 2), DISAGREEMENT_PIXEL: (4, 3)}.items():
        x, y = screen_point(page, *lonlat(folder, row, col))
        page.mouse.click(x, y)
        page.wait_for_function(
            f"() => document.getElementById('point-prediction')?.textContent.includes('{CLASS_LABELS[predicted]}')"
        )
        assert CLASS_LABELS[truth] in page.locator("#point-truth").inner_text()
        shown = float(page.locator("#point-confidence").inner_text().split(":")[1])
        assert shown == pytest.approx(CONFIDENCE[predicted] / 255, abs=0.006)


def test_opacity_and_swipe_change_the_drawn_pixels(browser, start_viewer, view_folders) -> None:
    folder = view_folders["utm"]
    page = open_page(browser, start_viewer(str(folder)).url)
    x, y = screen_point(page, *lonlat(folder, *DISAGREEMENT_PIXEL))
    set_opacity(page, "prediction", 100)
    assert near(colour_at(page, x, y), CLASS_COLOURS[4])
    set_opacity(page, "prediction", 0)
    assert not near(colour_at(page, x, y), CLASS_COLOURS[4])  # the imagery shows through
    set_opacity(page, "prediction", 100)
    page.locator("#compare-layer").select_option("truth")
    page.locator("#compare-on").check()
    width = page.evaluate("() => document.getElementById('map').getBoundingClientRect()")
    line = lambda pixel_x: str(round(100 * (pixel_x - width["left"]) / width["width"]))  # noqa: E731
    page.locator("#swipe-position").fill(line(x - 40))  # the line left of the pixel: truth (herbaceous) shows
    assert near(colour_at(page, x, y), CLASS_COLOURS[3])
    page.locator("#swipe-position").fill(line(x + 40))  # right of it: the prediction (barren) again
    assert near(colour_at(page, x, y), CLASS_COLOURS[4])


@pytest.mark.parametrize("grid", ["geographic", "custom"])
def test_scenes_in_other_crs_display_where_they_belong(browser, start_viewer, view_folders, grid) -> None:
    folder = view_folders[grid]
    page = open_page(browser, start_viewer(str(folder)).url)
    set_opacity(page, "prediction", 100)
    for value, (row, col) in block_centres().items():
        x, y = screen_point(page, *lonlat(folder, row, col))
        assert near(colour_at(page, x, y), CLASS_COLOURS[value]), (grid, value)
    assert np.isfinite(page.evaluate("() => window.landcoverView.info.bounds[0]"))


def test_disagreement_and_confidence_draw_where_they_should(browser, start_viewer, view_folders) -> None:
    from landcover.view.tiles import DISAGREE, DISAGREEMENT_COLOURS, confidence_colourmap

    folder = view_folders["utm"]
    page = open_page(browser, start_viewer(str(folder)).url)
    page.locator("input[data-layer='prediction']").uncheck()
    page.locator("input[data-layer='true-colour']").uncheck()
    page.locator("input[data-layer='disagreement']").check()
    set_opacity(page, "disagreement", 100)
    x, y = screen_point(page, *lonlat(folder, *DISAGREEMENT_PIXEL))
    assert near(colour_at(page, x, y), DISAGREEMENT_COLOURS[DISAGREE])
    water = screen_point(page, *lonlat(folder, *block_centres()[1]))
    assert not near(colour_at(page, *water), DISAGREEMENT_COLOURS[DISAGREE])  # they agree there
    page.locator("input[data-layer='disagreement']").uncheck()
    page.locator("input[data-layer='confidence']").check()
    set_opacity(page, "confidence", 100)
    for value, (row, col) in block_centres().items():
        x, y = screen_point(page, *lonlat(folder, row, col))
        assert near(colour_at(page, x, y), confidence_colourmap()[CONFIDENCE[value]]), value
