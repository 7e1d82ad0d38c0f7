"""The package itself: cheap to import, one definition of each shared fact."""

from __future__ import annotations

import subprocess
import sys


def test_import_landcover_imports_no_torch() -> None:
    code = "import sys, landcover, landcover.cli, landcover.constants; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_public_names_load_lazily() -> None:
    import landcover
    from landcover.model.checkpoint import load_model
    from landcover.model.unet import ModelConfig, TutorialUNet

    assert landcover.load_model is load_model
    assert landcover.TutorialUNet is TutorialUNet
    assert landcover.ModelConfig is ModelConfig
