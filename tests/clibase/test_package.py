"""clibase stands alone and stays light: it imports neither CLI package, nor torch, NumPy, pydantic or rasterio."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import clibase

HEAVY = ("torch", "numpy", "pydantic", "rasterio", "landcover", "runner", "azure", "docker")


def test_every_module_imports_nothing_heavy() -> None:
    modules = [info.name for info in pkgutil.walk_packages(clibase.__path__, "clibase.")]
    assert {"clibase.atomic", "clibase.group", "clibase.help", "clibase.report", "clibase.text"} <= set(modules)
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}]; "
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}); print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
