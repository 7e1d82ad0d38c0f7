"""Read a JSON file a user gave, every way it can fail turned into one line naming the file and the option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from landcover.io.errors import LandcoverError
from landcover.io.oserrors import check_input_file


def read_json(path: Path, option: str) -> Any:
    """The parsed content of a JSON file given with ``option``.

    Raises:
        LandcoverError: Not a readable file, not UTF-8 text, not JSON, or nested too deeply to parse.
    """
    try:
        check_input_file(path, "JSON file")
        return json.loads(path.read_text(encoding="utf-8"))
    except LandcoverError as exc:
        raise LandcoverError(f"{option} {exc.message}", exc.hint) from None
    except UnicodeDecodeError:
        raise LandcoverError(f"{option} {path}: not UTF-8 text, so not JSON", "give a JSON file") from None
    except json.JSONDecodeError as exc:
        raise LandcoverError(f"{option} {path}: not valid JSON ({exc})", "check the file's syntax") from None
    except RecursionError:
        raise LandcoverError(f"{option} {path}: nested too deeply to read", "give a plain JSON document") from None
