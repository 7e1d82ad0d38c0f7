"""The build context of the trainer image: a source checkout, or one assembled from the installed packages.

The Dockerfile installs the project from its context (``pip install /tmp/src``). In a source checkout the
context is the checkout (``.dockerignore`` keeps it to the sources). Installed from a wheel, there is no
checkout: the context is assembled from the installed ``landcover``, ``runner`` and ``clibase`` packages and a
``pyproject.toml`` written from the installed distribution's metadata (its version, dependencies and
commands), so the image holds the same project as the host.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import tomllib
from pathlib import Path

PROJECT = "landcover-runner"
PACKAGES = ("landcover", "runner", "clibase")
"""The project's packages: the two commands and what they share (``clibase``)."""
BUILD_REQUIRES = ("setuptools>=77",)


def package_folder(name: str) -> Path:
    """Where an installed (or importable) package's files are, without importing it.

    Raises:
        RuntimeError: The package is not installed.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {name} package is not installed (pip install {PROJECT})")
    return Path(next(iter(spec.submodule_search_locations)))


def checkout_root() -> Path | None:
    """The source checkout the running ``runner`` package lives in, or None when it is installed."""
    root = package_folder("runner").resolve().parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file() or not (root / "landcover").is_dir():
        return None
    try:
        name = tomllib.loads(pyproject.read_text()).get("project", {}).get("name")
    except tomllib.TOMLDecodeError:
        return None
    return root if name == PROJECT else None


def project_toml(distribution: importlib.metadata.Distribution) -> str:
    """A ``pyproject.toml`` that installs the distribution's packages with its version, dependencies and commands."""
    requires = [line for line in distribution.requires or [] if ";" not in line]  # extras stay out, as in a checkout
    scripts = {ep.name: ep.value for ep in distribution.entry_points if ep.group == "console_scripts"}
    lines = [
        "[build-system]",
        f"requires = {json.dumps(list(BUILD_REQUIRES))}",
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {json.dumps(PROJECT)}",
        f"version = {json.dumps(distribution.version)}",
        f"requires-python = {json.dumps(distribution.metadata.json.get('requires_python') or '>=3.11')}",
        "dependencies = [",
        *(f"    {json.dumps(requirement)}," for requirement in requires),
        "]",
        "",
        "[project.scripts]",
        *(f"{name} = {json.dumps(value)}" for name, value in sorted(scripts.items())),
        "",
        "[tool.setuptools.packages.find]",
        f"include = {json.dumps([f'{package}*' for package in PACKAGES])}",
        "",
        "[tool.setuptools.package-data]",
        '"*" = ["**/*"]',  # every file the installed packages hold (templates, class tables, the web map)
        "",
    ]
    return "\n".join(lines)


def assemble_context(target: Path) -> Path:
    """Copy the installed packages and a ``pyproject.toml`` for them into ``target`` (the build context).

    Raises:
        RuntimeError: The project is not installed.
    """
    try:
        distribution = importlib.metadata.distribution(PROJECT)
    except importlib.metadata.PackageNotFoundError as exc:
        raise RuntimeError(f"{PROJECT} is not installed (pip install {PROJECT})") from exc
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(package_folder(package), target / package, ignore=ignore)
    (target / "pyproject.toml").write_text(project_toml(distribution))
    return target
