"""A backend's site settings, from four places: its option, else its variable, else its settings file, else default.

Every backend that has settings (Slurm: ``runner.backends.slurm.config``; Azure ML: ``runner.cloud_config``)
declares them as a :class:`SiteSettings` model whose fields name their environment variable (:func:`setting`);
``load`` merges the sources in that one order and ``save`` writes the file ``runner <backend> configure`` keeps.
An empty value (``--partition ""``, ``RUNNER_SLURM_PARTITION=``) counts as not given. The model's validators
name the option when a value cannot be used.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from clibase.atomic import write_text_atomic
from runner.errors import RunnerError

SETTINGS_FOLDER = Path(".config") / "landcover-runner"
"""Where settings files live, under the home folder."""


def setting(
    env: str, metavar: str, label: str, default: Any = None, *, then: str | None = None, flag: str | None = None
) -> Any:
    """A site setting's field: its variable, and its option's value name, help and flag (default ``--field-name``).

    The help reads ``LABEL [default: $ENV, then the settings file, then THEN]`` (THEN: ``then``, else the default).
    """
    fallback = then or (None if default is None else str(getattr(default, "value", default)))
    help = f"{label} [default: ${env}, then the settings file{f', then {fallback}' if fallback else ''}]."
    return Field(default, description=help, json_schema_extra={"env": env, "metavar": metavar, "flag": flag})


class SiteSettings(BaseModel):
    """Settings merged from options (highest), environment variables, the settings file and defaults (lowest)."""

    model_config = ConfigDict(frozen=True)

    FILE_VARIABLE: ClassVar[str]
    """The variable that names another settings file."""
    FILE_NAME: ClassVar[str]
    """The settings file's name in ``~/.config/landcover-runner/``."""

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of one field."""
        extra = cls.model_fields[name].json_schema_extra
        assert isinstance(extra, dict)
        return str(extra["env"])

    @classmethod
    def config_path(cls) -> Path:
        """``$FILE_VARIABLE``, or ``~/.config/landcover-runner/FILE_NAME``."""
        return Path(os.environ.get(cls.FILE_VARIABLE) or Path.home() / SETTINGS_FOLDER / cls.FILE_NAME)

    @classmethod
    def file_error(cls, path: Path, reason: str | None) -> RunnerError:
        """The error for a settings file that cannot be read (``reason``) or does not hold settings (None)."""
        raise NotImplementedError

    @classmethod
    def holds_settings(cls, stored: Any) -> bool:
        """Whether a settings file's JSON is settings (a JSON object)."""
        return isinstance(stored, dict)

    @classmethod
    def stored(cls) -> dict[str, Any]:
        """The settings file's values (none when there is no file).

        Raises:
            RunnerError: The file cannot be read, is not JSON, or holds no settings (``file_error``).
        """
        path = cls.config_path()
        try:
            stored = json.loads(path.read_text()) if path.is_file() else {}
        except json.JSONDecodeError as exc:
            raise cls.file_error(path, f"{exc.msg}: line {exc.lineno} column {exc.colno}") from None
        except UnicodeDecodeError:
            raise cls.file_error(path, "not UTF-8 text") from None
        except OSError as exc:
            raise cls.file_error(path, exc.strerror or str(exc)) from None
        if not cls.holds_settings(stored):
            raise cls.file_error(path, None)
        return dict(stored)

    @classmethod
    def load(cls, **options: Any) -> Self:
        """Each field from its option, else its variable, else the settings file, else its default.

        Options that are not fields are ignored (a command may pass all of its own).

        Raises:
            RunnerError: The settings file cannot be read, or a value cannot be used (naming its option).
        """
        stored = cls.stored()
        values = {}
        for name in cls.model_fields:
            for value in (options.get(name), os.environ.get(cls.variable(name)), stored.get(name)):
                if value is not None and value != "":
                    values[name] = value
                    break
        return cls(**values)

    def save(self) -> Path:
        """Write the settings that differ from the defaults to the settings file, atomically; its path."""
        path = self.config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.model_dump(mode="json", exclude_defaults=True), indent=2) + "\n"
        return write_text_atomic(path, text)  # a failed write leaves the old file
