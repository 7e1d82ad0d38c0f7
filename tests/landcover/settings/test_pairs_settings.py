"""``landcover pairs`` declares its options as every command does: fields of ``PairsSettings``, one place each."""

from __future__ import annotations

import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from landcover.cli import app
from landcover.settings import CliMeta, PairsSettings, Signing
from landcover.settings.data import PLANETARY_COMPUTER_HOSTS


def test_every_option_of_pairs_is_a_settings_field_with_its_help() -> None:
    command = typer.main.get_command(app).commands["pairs"]  # type: ignore[attr-defined]
    options = {param.name: param for param in command.params if param.name != "help"}
    assert set(options) == set(PairsSettings.model_fields)
    for name, field in PairsSettings.model_fields.items():
        meta = CliMeta.of(field)
        assert meta is not None and meta.help, name
        assert options[name].help == meta.help, name  # the help shown is the field's, not a copy


def test_the_help_shows_each_flag_its_bounds_and_the_choices() -> None:
    output = CliRunner().invoke(app, ["pairs", "--help"], env={"COLUMNS": "200"}).output
    text = " ".join(output.replace("│", " ").split())
    for flag in ("--output-dir", "--stac-api", "--timeout", "--retries", "--sign", "--force"):
        assert f" {flag} " in text, flag
    assert "[0..20]" in text and "[x>=64]" in text and "Sign asset URLs: auto, planetary-computer, none" in text


@given(
    host=st.sampled_from([*PLANETARY_COMPUTER_HOSTS, "example.org", "stac.example.com"]),
    sub=st.sampled_from(["", "api.", "www."]),
    sign=st.sampled_from(list(Signing)),
)
def test_signing_follows_the_api_host_only_when_auto(host: str, sub: str, sign: Signing) -> None:
    url = f"https://{sub}{host}/api/stac/v1"
    planetary = host in PLANETARY_COMPUTER_HOSTS
    expected = {Signing.AUTO: planetary, Signing.PLANETARY_COMPUTER: True, Signing.NONE: False}[sign]
    assert sign.signs(url) is expected
