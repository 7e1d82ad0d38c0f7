"""The one precedence of every backend's site settings: option, environment variable, settings file, default."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.backends.slurm.config import SlurmConfig
from runner.cloud_config import CloudConfig
from runner.site_settings import SiteSettings

NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,6}", fullmatch=True)
TIMES = st.integers(1, 999).map(str)


def _source(name: str) -> st.SearchStrategy[str | None]:
    """Not given, given empty (the same as not given), or a value the field takes."""
    return st.one_of(st.none(), st.just(""), TIMES if name == "time" else NAMES)


@pytest.mark.parametrize("model", [SlurmConfig, CloudConfig])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_field_comes_from_the_first_source_that_gives_it(model: type[SiteSettings], data, tmp_path, monkeypatch):
    text = [name for name, field in model.model_fields.items() if field.annotation == str | None]
    chosen = {
        name: [data.draw(_source(name), label=f"{name} {where}") for where in ("option", "env", "file")]
        for name in text
    }
    path = tmp_path / "settings.json"
    monkeypatch.setenv(model.FILE_VARIABLE, str(path))
    path.write_text(json.dumps({name: file for name, (_, _, file) in chosen.items() if file is not None}))
    for name, (_, env, _) in chosen.items():
        if env is None:
            monkeypatch.delenv(model.variable(name), raising=False)
        else:
            monkeypatch.setenv(model.variable(name), env)
    loaded = model.load(**{name: option for name, (option, _, _) in chosen.items()})
    for name, sources in chosen.items():
        given = [value for value in sources if value]
        assert getattr(loaded, name) == (given[0] if given else model.model_fields[name].default), name


@pytest.mark.parametrize("model", [SlurmConfig, CloudConfig])
def test_saved_settings_load_back(model: type[SiteSettings], tmp_path, monkeypatch):
    monkeypatch.setenv(model.FILE_VARIABLE, str(tmp_path / "s.json"))
    names = [name for name, field in model.model_fields.items() if field.annotation == str | None][:2]
    saved = model(**dict.fromkeys(names, "abc"))
    assert saved.save() == tmp_path / "s.json"
    for name in names:
        monkeypatch.delenv(model.variable(name), raising=False)
    assert model.load() == saved
