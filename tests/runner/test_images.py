"""The image's base fallback and BuildKit command line (pure), and the build context the Dockerfile gets."""

from __future__ import annotations

from pathlib import Path

from runner.images.base import base_image, debian_suite, debootstrap_command, import_commands, trim_root
from runner.images.build import DOCKERFILE, BuildCli, build_command, default_ca_bundle

REPO = Path(__file__).resolve().parents[2]


def test_the_base_is_named_once_in_the_dockerfile_and_can_be_made_locally():
    image = base_image(REPO / DOCKERFILE)
    assert image == "debian:bookworm-slim" and debian_suite(image) == "bookworm"
    assert debian_suite("docker.io/library/debian:trixie-slim") == "trixie"
    assert debian_suite("ubuntu:22.04") is None and debian_suite("debian:sid-slim") is None


def test_base_commands(tmp_path):
    assert debootstrap_command("bookworm", tmp_path) == [
        "debootstrap",
        "--variant=minbase",
        "bookworm",
        str(tmp_path),
        "http://deb.debian.org/debian",
    ]
    tar, docker_import = import_commands(tmp_path, "debian:bookworm-slim")
    assert tar == ["tar", "-C", str(tmp_path), "-c", "."]
    assert docker_import == ["docker", "import", "-", "debian:bookworm-slim"]


def test_trimmed_root_has_the_official_images_apt_sources(tmp_path):
    (tmp_path / "etc/apt").mkdir(parents=True)
    (tmp_path / "etc/apt/sources.list").write_text("deb http://deb.debian.org/debian bookworm main\n")
    (tmp_path / "usr/share/doc/x").mkdir(parents=True)
    trim_root(tmp_path, "bookworm")
    sources = (tmp_path / "etc/apt/sources.list.d/debian.sources").read_text()
    assert "Suites: bookworm bookworm-updates" in sources and "Suites: bookworm-security" in sources
    assert not (tmp_path / "etc/apt/sources.list").exists() and not any((tmp_path / "usr/share/doc").iterdir())


def test_build_command_passes_the_ca_bundle_as_a_secret(tmp_path):
    legacy = build_command(BuildCli("/usr/bin/docker", buildx=False), context=tmp_path, tag="t:1", ca_bundle=tmp_path)
    assert legacy[:2] == ["/usr/bin/docker", "build"] and legacy[-1] == str(tmp_path)
    assert legacy[legacy.index("--secret") + 1] == f"id=ca_bundle,src={tmp_path}"
    assert "--network" in legacy and legacy[legacy.index("--network") + 1] == "host"
    buildx = build_command(BuildCli("docker", buildx=True), context=tmp_path, tag="t:1", build_args={"A": "1"})
    assert buildx[:4] == ["docker", "buildx", "build", "--load"] and "--secret" not in buildx
    assert buildx[buildx.index("--build-arg") + 1] == "A=1"


def test_default_ca_bundle_is_the_one_pip_uses():
    assert default_ca_bundle({"PIP_CERT": "/a.pem", "REQUESTS_CA_BUNDLE": "/b.pem"}) == Path("/a.pem")
    assert default_ca_bundle({"REQUESTS_CA_BUNDLE": "/b.pem"}) == Path("/b.pem")
    assert default_ca_bundle({}) is None


def test_build_context_is_an_allow_list():
    patterns = (REPO / ".dockerignore").read_text().split()
    assert patterns[patterns.index("*") :][:1] == ["*"]
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    assert allowed == {"pyproject.toml", "README.md", "landcover", "runner", "clibase", "images/trainer-gpu"}
