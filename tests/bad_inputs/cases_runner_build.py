"""Bad input to ``runner build`` and the top-level ``runner`` command (refused before Docker is asked)."""

from __future__ import annotations

from tests.bad_inputs.case import BadInput

CASES: list[BadInput] = [
    BadInput(
        id="runner-build-tag-upper-case",
        cli="runner",
        argv=("build", "--tag", "Landcover:Latest"),
        message=("--tag 'Landcover:Latest' is not an image name", "lower-case"),
    ),
    BadInput(
        id="runner-build-tag-with-space",
        cli="runner",
        argv=("build", "--tag", "my image"),
        message="--tag 'my image' is not an image name",
    ),
    BadInput(
        id="runner-build-tag-empty",
        cli="runner",
        argv=("build", "--tag", ""),
        message="--tag '' is not an image name",
    ),
    BadInput(
        id="runner-build-tag-two-colons",
        cli="runner",
        argv=("build", "--tag", "a:b:c"),
        message="is not an image name",
    ),
    BadInput(
        id="runner-build-push-with-scheme",
        cli="runner",
        argv=("build", "--push", "https://myacr.azurecr.io"),
        message=("--push 'https://myacr.azurecr.io' is not a registry host", "no https://"),
    ),
    BadInput(
        id="runner-build-push-empty",
        cli="runner",
        argv=("build", "--push", ""),
        message="--push '' is not a registry host",
    ),
    BadInput(
        id="runner-build-network-empty",
        cli="runner",
        argv=("build", "--network", " "),
        message="--network is empty",
    ),
    BadInput(
        id="runner-build-ca-bundle-missing",
        cli="runner",
        argv=("build", "--ca-bundle", "{ws}/no.pem"),
        message=("--ca-bundle", "no.pem: no such file"),
    ),
    BadInput(
        id="runner-build-ca-bundle-env-missing",
        cli="runner",
        argv=("build",),
        message="no.pem: no such file",
        env={"PIP_CERT": "{ws}/no.pem"},
    ),
    BadInput(
        id="runner-build-unknown-option",
        cli="runner",
        argv=("build", "--no-cache"),
        message="No such option: --no-cache",
    ),
    BadInput(
        id="runner-build-extra-argument",
        cli="runner",
        argv=("build", "."),
        message="unexpected extra argument",
    ),
    BadInput(
        id="runner-unknown-command",
        cli="runner",
        argv=("train",),
        message="No such command 'train'",
    ),
    BadInput(
        id="runner-unknown-global-option",
        cli="runner",
        argv=("--verbose", "list"),
        message="No such option: --verbose",
    ),
    BadInput(
        id="runner-local-unknown-command",
        cli="runner",
        argv=("local", "run"),
        message="No such command 'run'",
    ),
    BadInput(
        id="runner-slurm-unknown-command",
        cli="runner",
        argv=("slurm", "cancel"),
        message="No such command 'cancel'",
    ),
]
