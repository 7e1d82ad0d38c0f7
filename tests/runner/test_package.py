"""runner as a package: its files come from package data, one image name, one version, a licence, a wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import landcover
import runner
from runner.images import IMAGE_NAME
from runner.images.context import PACKAGES, assemble_context, checkout_root
from runner.jobspec import load_job
from runner.package_data import DOCKERFILE, job_templates, resource, tutorial_scripts

REPO = Path(__file__).resolve().parents[2]


def test_the_user_facing_files_are_the_packaged_ones():
    for name, template in job_templates().items():
        assert (REPO / "jobs" / name).resolve() == Path(str(template)).resolve()
    assert set(job_templates()) == {"training_job.json", "evaluation_job.json", "predict_job.json"}
    for name in ("Dockerfile", "entrypoint.sh", "pip-install.sh"):
        assert (REPO / "images/trainer-gpu" / name).resolve() == Path(str(resource(f"image/{name}"))).resolve()
    for name, script in tutorial_scripts().items():
        assert (REPO / "scripts" / name).resolve() == Path(str(script)).resolve()
    assert "FROM ${BASE_IMAGE}" in resource(DOCKERFILE).read_text()


def test_one_image_name_in_code_templates_and_makefile():
    for name, template in job_templates().items():
        assert load_job(Path(str(template))).image == IMAGE_NAME, name
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^IMAGE := (\S+)$", makefile, re.MULTILINE).group(1) == IMAGE_NAME


def test_one_version():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "landcover.__version__"}
    assert runner.__version__ == landcover.__version__


def test_licence_is_mit_and_credits_the_tutorial():
    text = (REPO / "LICENSE").read_text()
    assert text.startswith("MIT License") and "landcover-runner contributors" in text
    assert "Copyright (c) Microsoft Corporation" in text
    assert tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"] == "MIT"


def test_the_build_context_of_an_installed_runner_holds_the_packages_and_a_project(tmp_path):
    assert checkout_root() == REPO  # from a checkout, the checkout is the context
    context = assemble_context(tmp_path)
    assert (context / DOCKERFILE.replace("image/", "runner/resources/image/")).is_file()
    for package in ("landcover", "runner", "clibase"):  # clibase: what both commands import
        assert (context / package / "__init__.py").is_file(), package
    assert not list(context.rglob("__pycache__"))
    project = tomllib.loads((context / "pyproject.toml").read_text())
    assert project["project"]["version"] == runner.__version__
    assert project["project"]["scripts"] == {"landcover": "landcover.cli:main", "runner": "runner.cli:main"}
    assert any(requirement.startswith("torch") for requirement in project["project"]["dependencies"])
    assert not any(";" in requirement for requirement in project["project"]["dependencies"])


def _wheel_files(source: Path, wheels: Path) -> set[str]:
    """The package files of the wheel built from ``source`` (its metadata left out)."""
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("*.whl")
    return {name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}


@pytest.mark.slow
def test_an_image_built_from_the_installed_packages_holds_what_the_checkout_ships(tmp_path):
    """The assembled context (``runner build`` outside a checkout) installs every file: class tables, web map, data."""
    checkout = tmp_path / "checkout"
    for name in PACKAGES:
        shutil.copytree(REPO / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, checkout / name)
    shipped = _wheel_files(checkout, tmp_path / "from-checkout")
    assembled = _wheel_files(assemble_context(tmp_path / "context"), tmp_path / "from-context")
    assert "landcover/data/catalog/tables/chesapeake-lc-7.json" in shipped and "clibase/report.py" in shipped
    assert shipped <= assembled, sorted(shipped - assembled)


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


@pytest.mark.slow
def test_the_wheel_runs_build_help_and_local_setup_outside_the_checkout(tmp_path):
    """The wheel in a venv of its own (the dependencies from this one's site-packages, read-only), from /tmp."""
    source = tmp_path / "source"  # a copy, so the build's build/ and *.egg-info stay out of the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("landcover_runner-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in ("runner/resources/image/Dockerfile", "runner/resources/jobs/training_job.json", "clibase/help.py"):
        assert packaged in names
    assert "runner/resources/tutorial-scripts/evaluate.py" in names
    assert any(name.endswith("licenses/LICENSE") for name in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = _venv_python(venv)
    # The dependencies from this interpreter's site-packages (a .pth file), the project only from the wheel.
    code = "import site; print(site.getsitepackages()[0])"
    site = subprocess.run([python, "-c", code], capture_output=True, text=True)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    target = Path(site.stdout.strip())
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    (target / "zz-dependencies.pth").write_text("\n".join(deps) + "\n")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "RUNNER_HOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    where = subprocess.run(
        [
            python,
            "-c",
            "import runner, landcover, clibase; "
            "print(runner.__file__, landcover.__file__, clibase.__file__, runner.__version__)",
        ],
        capture_output=True,
        text=True,
        cwd="/tmp",
        env=env,
    )
    assert where.returncode == 0, where.stderr
    assert str(REPO) not in where.stdout and str(target) in where.stdout

    help_text = subprocess.run(
        [python, "-m", "runner", "build", "--help"], capture_output=True, text=True, cwd="/tmp", env=env
    )
    assert help_text.returncode == 0 and "--ca-bundle" in help_text.stdout, help_text.stderr
    root = tmp_path / "root"
    setup = subprocess.run(
        [python, "-m", "runner", "local", "setup", "--root", str(root)],
        capture_output=True,
        text=True,
        cwd="/tmp",
        env=env,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (root / "mounts/blobfuse/scripts/train_distributed.py").is_file()
    assert (root / "templates/training_job.json").is_file()
    assert (root / "mounts/blobfuse/evaluation_data/C14_NAIP.tif").is_file()
