"""``landcover models``' settings."""

from __future__ import annotations

from landcover.settings.fields import Settings, option


class ModelsSettings(Settings):
    """What ``landcover models`` was asked to do."""

    COMMAND = "models"

    measure: bool = option(
        "--measure", default=False, help="Also time training and inference of every model here, in one run."
    )
    seconds: float = option(
        "--seconds", default=10.0, ge=1.0, help="Seconds each timing runs (with --measure).", metavar="S"
    )
    only: str | None = option(
        "--only",
        default=None,
        help="Comma-separated architectures to list (e.g. tutorial-unet,unet) \\[default: all].",
        metavar="NAMES",
    )
