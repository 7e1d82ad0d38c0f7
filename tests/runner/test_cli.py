import subprocess
import sys

from typer.testing import CliRunner

from runner import __version__
from runner.cli import app


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_help_does_not_import_torch():
    code = "import sys, runner.cli; assert 'torch' not in sys.modules, 'runner must stay light'"
    subprocess.run([sys.executable, "-c", code], check=True)
