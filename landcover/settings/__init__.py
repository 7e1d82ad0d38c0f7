"""One typed, versioned settings object per ``landcover`` command (pydantic v2 models).

Each field is declared once (:func:`~landcover.settings.fields.option`): its type, default, flags, help,
choices (a :class:`~landcover.choices.Choice` enum) and whether a resumed run must match it. The
command line is generated from the models (:mod:`landcover.cli_params`), so adding an option to a command
is one field here; the library receives the validated object, and training stores it with its format version
in every checkpoint, in ``settings.json`` and as MLflow parameters.

Why pydantic v2 rather than dataclasses: validation and coercion of every field (paths, enums, ranges) and
cross-field rules in one place; ``model_dump(mode="json")`` / ``model_validate`` for the stored form and its
upgrade; field metadata (``json_schema_extra``) that the CLI generator and the resume checks read; the JSON
schema for free. It is what raster-vision's configs and the STAC / Azure SDK neighbours use, and it is
already installed with the Azure ML and MLflow extras. Importing it costs no torch.
"""

from landcover.choices import Choice
from landcover.settings.data import (
    ConvertPatchesSettings,
    ImportCntkSettings,
    PairsSettings,
    SampleDataSettings,
    Signing,
)
from landcover.settings.fields import CliMeta, Settings, argument, flag_of, option, resume_fields
from landcover.settings.infer import EvaluateSettings, ExportOutput, ExportSettings, PredictSettings, ScoreSettings
from landcover.settings.models import ModelsSettings
from landcover.settings.train import ClassWeights, Monitor, Precision, TrainSettings
from landcover.settings.view import Basemap, ViewSettings

__all__ = [
    "Basemap",
    "Choice",
    "ClassWeights",
    "CliMeta",
    "ConvertPatchesSettings",
    "EvaluateSettings",
    "ExportOutput",
    "ExportSettings",
    "ImportCntkSettings",
    "ModelsSettings",
    "Monitor",
    "PairsSettings",
    "Precision",
    "PredictSettings",
    "SampleDataSettings",
    "ScoreSettings",
    "Settings",
    "Signing",
    "TrainSettings",
    "ViewSettings",
    "argument",
    "flag_of",
    "option",
    "resume_fields",
]
