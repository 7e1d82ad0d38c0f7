"""Seeded STAC fixtures shaped like the Planetary Computer's ``naip`` and ``chesapeake-lc-7`` collections.

The items carry the asset keys, roles, media types, ``proj:`` and classification fields that
stactools-packages/naip and stactools-packages/chesapeake-lulc write; their assets are COGs served over
HTTP range requests on 127.0.0.1. The imagery comes from the real NAIP quarter-quad in ../shared
(``m_3907833_nw_17_1``, UTM 17N) resampled to 4 m, its labels (Chesapeake 7-class values) reprojected into
the Albers equal-area CRS of the Chesapeake product (EPSG:5070) at 3 m, so that aligning them back onto the
image grid is real work; without ../shared, a seeded synthetic scene of the same shape stands in.
The label tiles cover only the southern part of the image, so pixels outside the labels exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import requests
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import ColorInterp, Resampling
from rasterio.transform import array_bounds, from_origin
from rasterio.warp import reproject, transform_bounds, transform_geom

COG = "image/tiff; application=geotiff; profile=cloud-optimized"
IMAGE_CRS = CRS.from_epsg(26917)
LABEL_CRS = CRS.from_epsg(5070)
IMAGE_RES = 4.0
LABEL_RES = 3.0
LC7_CLASSES = [
    (1, "Water", "00C5FF"),
    (2, "Tree Canopy and Shrubs", "267300"),
    (3, "Low Vegetation", "A3FF73"),
    (4, "Barren", "FFAA00"),
    (5, "Impervious Surfaces", "9C9C9C"),
    (6, "Impervious Roads", "000000"),
    (7, "Aberdeen Proving Ground", "C500FF"),
]
LC7_NODATA = 15


@dataclass
class Raster:
    """One raster written as a COG: its file, grid and (for labels) raw values."""

    path: Path
    crs: CRS
    transform: Affine
    array: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.array.shape[-2], self.array.shape[-1]


@dataclass
class Fixture:
    """The rasters and the STAC JSON to load (collections, then items per collection)."""

    root: Path
    images: list[Raster] = field(default_factory=list)
    labels: list[Raster] = field(default_factory=list)
    collections: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source: str = "synthetic"


def write_cog(path: Path, array: np.ndarray, crs: CRS, transform: Affine, *, nodata: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    bands = array if array.ndim == 3 else array[np.newaxis]
    with rasterio.open(
        path,
        "w",
        driver="COG",
        width=bands.shape[2],
        height=bands.shape[1],
        count=bands.shape[0],
        dtype="uint8",
        crs=crs,
        transform=transform,
        compress="deflate",
        blocksize=256,
        nodata=nodata,
        overview_resampling="nearest",
    ) as dst:
        dst.write(bands)
        if bands.shape[0] == 4:
            dst.colorinterp = (ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.undefined)


def _source_scene(shared: Path | None, seed: int) -> tuple[np.ndarray, np.ndarray, Affine, str]:
    """(image 4xHxW, chesapeake labels HxW, transform, source) on a 4 m UTM 17N grid."""
    folder = shared / "data" / "real" / "m_3907833_nw_17_1" if shared else None
    if folder is not None and folder.is_dir():
        with rasterio.open(folder / "m_3907833_nw_17_1_naip-new.tif") as src:
            left, bottom, right, top = src.bounds
            width, height = round((right - left) / IMAGE_RES), round((top - bottom) / IMAGE_RES)
            transform = from_origin(left, top, IMAGE_RES, IMAGE_RES)
            image = np.zeros((4, height, width), dtype=np.uint8)
            reproject(
                src.read(), image, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                dst_crs=IMAGE_CRS, resampling=Resampling.bilinear,
            )  # fmt: skip
        with rasterio.open(folder / "m_3907833_nw_17_1_lc.tif") as src:
            labels = np.zeros((height, width), dtype=np.uint8)
            reproject(
                src.read(1), labels, src_transform=src.transform, src_crs=src.crs, dst_transform=transform,
                dst_crs=IMAGE_CRS, resampling=Resampling.nearest,
            )  # fmt: skip
        return image, labels, transform, "real NAIP m_3907833_nw_17_1 (../shared)"
    rng = np.random.default_rng(seed)
    height, width = 1200, 1000
    coarse = rng.integers(1, 7, size=(height // 40, width // 40), dtype=np.uint8)
    labels = np.kron(coarse, np.ones((40, 40), dtype=np.uint8))
    colours = np.array([[0, 0, 0, 0], [40, 60, 90, 20], [50, 90, 40, 160], [120, 150, 80, 140],
                        [170, 150, 120, 90], [150, 150, 150, 60], [90, 90, 90, 40]], dtype=np.int16)  # fmt: skip
    noise = rng.integers(-12, 13, size=(4, height, width), dtype=np.int16)
    image = np.clip(colours[labels].transpose(2, 0, 1) + noise, 0, 255).astype(np.uint8)
    return image, labels, from_origin(671664.0, 4374596.0, IMAGE_RES, IMAGE_RES), f"synthetic (seed {seed})"


def _footprint(crs: CRS, transform: Affine, shape: tuple[int, int]) -> tuple[dict[str, Any], list[float]]:
    west, south, east, north = array_bounds(shape[0], shape[1], transform)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    geometry = transform_geom(crs, "EPSG:4326", {"type": "Polygon", "coordinates": [ring]}, precision=7)
    bbox = list(transform_bounds(crs, "EPSG:4326", west, south, east, north, densify_pts=21))
    return geometry, [round(v, 7) for v in bbox]


def naip_item(item_id: str, raster: Raster, href: str) -> dict[str, Any]:
    """A ``naip`` item as stactools-packages/naip writes it (asset ``image``, COG, roles data)."""
    geometry, bbox = _footprint(raster.crs, raster.transform, raster.shape)
    height, width = raster.shape
    west, south, east, north = array_bounds(height, width, raster.transform)
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": item_id,
        "collection": "naip",
        "geometry": geometry,
        "bbox": bbox,
        "properties": {
            "datetime": "2014-07-01T00:00:00Z",
            "naip:state": "md",
            "naip:year": "2014",
            "gsd": IMAGE_RES,
            "proj:epsg": raster.crs.to_epsg(),
            "proj:shape": [height, width],
            "proj:bbox": [west, south, east, north],
            "proj:transform": list(raster.transform)[:6],
        },
        "links": [],
        "assets": {
            "image": {
                "href": href,
                "type": COG,
                "roles": ["data"],
                "title": "RGBIR COG tile",
                "eo:bands": [
                    {"name": "Red", "common_name": "red"},
                    {"name": "Green", "common_name": "green"},
                    {"name": "Blue", "common_name": "blue"},
                    {"name": "NIR", "common_name": "nir", "description": "near-infrared"},
                ],
            },
            "metadata": {"href": href.replace(".tif", ".txt"), "type": "text/plain", "roles": ["metadata"]},
        },
        "stac_extensions": [
            "https://stac-extensions.github.io/eo/v1.0.0/schema.json",
            "https://stac-extensions.github.io/projection/v1.0.0/schema.json",
        ],
    }


def lc7_item(item_id: str, raster: Raster, href: str, collection: str = "chesapeake-lc-7") -> dict[str, Any]:
    """A ``chesapeake-lc-7`` item as stactools-packages/chesapeake-lulc writes it (asset ``data``)."""
    geometry, bbox = _footprint(raster.crs, raster.transform, raster.shape)
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "id": item_id,
        "collection": collection,
        "geometry": geometry,
        "bbox": bbox,
        "properties": {
            "datetime": None,
            "start_datetime": "2013-01-01T00:00:00Z",
            "end_datetime": "2014-12-31T23:59:59Z",
            "proj:epsg": None,
            "proj:wkt2": raster.crs.to_wkt(),
            "proj:shape": list(raster.shape),
            "proj:transform": list(raster.transform)[:6],
        },
        "links": [],
        "assets": {
            "data": {
                "href": href,
                "type": COG,
                "title": "Land Cover Classes",
                "roles": ["data"],
                "raster:bands": [
                    {"nodata": LC7_NODATA, "sampling": "area", "data_type": "uint8", "spatial_resolution": 1}
                ],
                "classification:classes": [
                    {"value": value, "description": text, "color-hint": colour} for value, text, colour in LC7_CLASSES
                ],
            }
        },
        "stac_extensions": [
            "https://stac-extensions.github.io/projection/v1.0.0/schema.json",
            "https://stac-extensions.github.io/raster/v1.0.0/schema.json",
            "https://stac-extensions.github.io/classification/v1.0.0/schema.json",
        ],
    }


def collection(collection_id: str, bbox: list[float], interval: list[str | None]) -> dict[str, Any]:
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": collection_id,
        "description": f"{collection_id} (test fixture)",
        "license": "proprietary",
        "links": [],
        "extent": {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [interval]}},
    }


def build_fixture(root: Path, base_url: str, shared: Path | None, seed: int = 0) -> Fixture:
    """Write the COGs under ``root`` and the STAC JSON whose hrefs point at ``base_url`` (the range server)."""
    image, raw, transform, source = _source_scene(shared, seed)
    fixture = Fixture(root, source=source)
    height, width = raw.shape
    # Two NAIP items: the west and east halves of the scene.
    half = (width // 2) // 16 * 16
    for index, (col0, col1) in enumerate(((0, half), (half, width))):
        raster = Raster(
            root / "naip" / f"m_3907833_nw_17_1_{index}.tif",
            IMAGE_CRS,
            transform * Affine.translation(col0, 0),
            image[:, :, col0:col1],
        )
        write_cog(raster.path, raster.array, raster.crs, raster.transform)
        fixture.images.append(raster)
    # The labels in Albers at 3 m, cut into two tiles covering the southern two thirds of the scene.
    west, south, east, north = array_bounds(height, width, transform)
    covered_north = south + (north - south) * 2 / 3
    aw, as_, ae, an = transform_bounds(IMAGE_CRS, LABEL_CRS, west, south, east, covered_north, densify_pts=21)
    lwidth, lheight = int((ae - aw) // LABEL_RES), int((an - as_) // LABEL_RES)
    ltransform = from_origin(aw, an, LABEL_RES, LABEL_RES)
    albers = np.full((lheight, lwidth), LC7_NODATA, dtype=np.uint8)
    reproject(
        raw, albers, src_transform=transform, src_crs=IMAGE_CRS, dst_transform=ltransform, dst_crs=LABEL_CRS,
        resampling=Resampling.nearest, src_nodata=0, dst_nodata=LC7_NODATA,
    )  # fmt: skip
    # A few Aberdeen (7) pixels and roads (6), so the table's every branch is used.
    albers[(np.arange(lheight)[:, None] % 97 == 0) & (albers != LC7_NODATA)] = 7
    mid = lheight // 2
    for index, (row0, row1) in enumerate(((0, mid), (mid, lheight))):
        raster = Raster(
            root / "chesapeake" / f"Baywide_7Class_20132014_E{index}.tif",
            LABEL_CRS,
            ltransform * Affine.translation(0, row0),
            albers[row0:row1],
        )
        write_cog(raster.path, raster.array, raster.crs, raster.transform, nodata=LC7_NODATA)
        fixture.labels.append(raster)
    naip = [
        naip_item(f"md_m_3907833_nw_17_1_2014_{i}", r, f"{base_url}/{r.path.relative_to(root)}")
        for i, r in enumerate(fixture.images)
    ]
    lc7 = [lc7_item(r.path.stem, r, f"{base_url}/{r.path.relative_to(root)}") for r in fixture.labels]
    # The same labels under a class scheme no table maps (for the unknown-scheme error).
    county = [
        lc7_item(f"county-{r.path.stem}", r, f"{base_url}/{r.path.relative_to(root)}", "county-lc")
        for r in fixture.labels
    ]
    for item in county:
        item["assets"]["data"]["classification:classes"] = [
            {"value": 1, "description": "Residential parcels"},
            {"value": 2, "description": "Commercial parcels"},
        ]
    # An image whose URL carries an expired Azure-style signature, away from the other items.
    expired_raster = fixture.images[0]
    expired = naip_item(
        "md_m_expired_signature_2014",
        expired_raster,
        f"{base_url}/{expired_raster.path.relative_to(root)}?st=2020-01-01T00%3A00%3A00Z&se=2020-01-02T00%3A00%3A00Z"
        "&sp=rl&sv=2021-06-08&sr=c&skoid=x&sig=AAAA",
    )
    expired["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[-70.0, 30.0], [-69.9, 30.0], [-69.9, 30.1], [-70.0, 30.1], [-70.0, 30.0]]],
    }
    expired["bbox"] = [-70.0, 30.0, -69.9, 30.1]
    naip.append(expired)
    everywhere = [-180.0, -90.0, 180.0, 90.0]
    fixture.collections = [
        collection("naip", everywhere, ["2010-01-01T00:00:00Z", None]),
        collection("chesapeake-lc-7", everywhere, ["2013-01-01T00:00:00Z", "2014-12-31T23:59:59Z"]),
        collection("county-lc", everywhere, ["2013-01-01T00:00:00Z", "2014-12-31T23:59:59Z"]),
    ]
    fixture.items = {"naip": naip, "chesapeake-lc-7": lc7, "county-lc": county}
    return fixture


def publish_fixture(api: str, fixture: Fixture) -> None:
    """Load the fixture's collections and items into a STAC API through its transactions extension.

    A collection already there is deleted first, so a run starts from the fixture alone.
    """
    with requests.Session() as http:
        for collection in fixture.collections:
            http.delete(f"{api}/collections/{collection['id']}", timeout=30)
            http.post(f"{api}/collections", json=collection, timeout=30).raise_for_status()
            body = {"type": "FeatureCollection", "features": fixture.items[collection["id"]]}
            http.post(f"{api}/collections/{collection['id']}/items", json=body, timeout=60).raise_for_status()
