"""The output mechanism: confinement, ownership (--force replaces only what landcover wrote), staged results.

The property test generates output paths that are, sit inside, hold, or reach through symlinks an input (or
none of these), and checks the rule over all of them: a related output is refused, an unrelated one is
written, and every file outside the outputs is byte-identical before and after.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from landcover.cli import app
from landcover.io.errors import LandcoverError
from landcover.io.lock import LOCK_NAME
from landcover.io.outputs import MANIFEST_NAME, Named, check_confined, staged_file, staged_folder
from tests.data.fixtures import write_pair
from tests.data.models import fresh_checkpoint
from tests.helpers import landcover

FOLDERS = ("data", "data/sub", "data/sub/deep", "other", "other/x")
"""The generated tree's folders; the input is data/sub (a folder) holding data/sub/scene.tif (a file)."""


def tree(root: Path) -> dict[str, str]:
    """Content hash of every file under ``root`` (symlinks followed by read, listed by relative path)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def make_tree(root: Path) -> None:
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "user.txt").write_text(f"the user's {folder}")
    (root / "data/sub/scene.tif").write_bytes(b"scene bytes")
    (root / "links").mkdir()
    (root / "links/to-sub").symlink_to(root / "data/sub")
    (root / "links/to-data").symlink_to(root / "data")
    (root / "links/to-scene").symlink_to(root / "data/sub/scene.tif")
    (root / "links/to-other").symlink_to(root / "other")


OUTPUT_PATHS = st.sampled_from(
    [
        # (relative output path, whether it overlaps an input: data/sub or data/sub/scene.tif)
        ("data/sub", True),  # is the input folder
        ("data/sub/scene.tif", True),  # is the input file
        ("data/sub/deep", True),  # inside the input folder
        ("data/sub/new", True),
        ("data", True),  # holds the inputs
        (".", True),
        ("links/to-sub", True),  # the same, through symlinks
        ("links/to-data", True),
        ("links/to-scene", True),
        ("links/to-sub/deep", True),
        ("links/to-sub/../sub", True),
        ("other", False),
        ("other/x", False),
        ("other/new/out", False),
        ("links/to-other/new", False),
        ("data/new", False),  # beside the input folder, inside its parent: fine
    ]
)


@settings(max_examples=60, deadline=None)
@given(case=OUTPUT_PATHS, as_file=st.booleans(), force=st.booleans())
def test_outputs_overlapping_an_input_are_refused_and_nothing_else_changes(
    case: tuple[str, bool], as_file: bool, force: bool
) -> None:
    relative, overlaps = case
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        make_tree(root)
        inputs = [
            Named(path=root / "data/sub", option="--input-dir"),
            Named(path=root / "data/sub/scene.tif", option="SCENE"),
        ]
        before = tree(root)
        target = root / relative
        exists_as_other_kind = target.exists() and (target.is_dir() if as_file else not target.is_dir())
        try:
            if as_file:
                with staged_file(Named(path=target, option="OUT"), command="t", inputs=inputs, force=force) as path:
                    path.write_text("result")
            else:
                with staged_folder(
                    Named(path=target, option="OUT"), command="t", names=["r.txt"], inputs=inputs, force=force
                ) as result:
                    result.path("r.txt").write_text("result")
            refused = None
        except LandcoverError as exc:
            refused = exc
        if overlaps:
            assert refused is not None, relative
            assert exists_as_other_kind or "an input of this command" in refused.message, refused
        elif not exists_as_other_kind:
            assert refused is None, refused
        after = tree(root)
        outputs: set[str] = set()
        if refused is None:  # what it wrote: the output and the record of it; a refused run writes nothing
            outputs = {str((target / "r.txt" if not as_file else target).resolve().relative_to(root.resolve()))}
            outputs |= {str(p.relative_to(root)) for own in (MANIFEST_NAME, LOCK_NAME) for p in root.rglob(own)}
        assert {k: v for k, v in after.items() if k not in outputs} == before


def test_check_confined_names_the_relation() -> None:
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        model = root / "m.pt"
        model.write_bytes(b"m")
        os.link(model, root / "hard.pt")
        for out, words in ((model, "is MODEL"), (root / "hard.pt", "is MODEL"), (root, "holds MODEL")):
            with pytest.raises(LandcoverError, match=words):
                check_confined([Named(path=out, option="ONNX")], [Named(path=model, option="MODEL")])


def test_force_replaces_only_recorded_files_and_refuses_a_user_s_same_named_file(tmp_path: Path) -> None:
    out = Named(path=tmp_path / "out", option="--output-dir")
    with staged_folder(out, command="t", names=["a.txt", "b.txt"], force=False) as result:
        result.path("a.txt").write_text("one")
        result.path("b.txt").write_text("one")
    (tmp_path / "out/mine.txt").write_text("user")
    with (
        pytest.raises(LandcoverError, match="of an earlier `landcover t`"),
        staged_folder(out, command="t", names=["a.txt"], force=False),
    ):
        pass
    with staged_folder(out, command="t", names=["a.txt"], force=True) as result:
        result.path("a.txt").write_text("two")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")) == ["a.txt", "mine.txt"]
    assert (tmp_path / "out/a.txt").read_text() == "two" and (tmp_path / "out/mine.txt").read_text() == "user"
    with (
        pytest.raises(LandcoverError, match=r"holds mine\.txt already, which landcover did not write"),
        staged_folder(out, command="t", names=["mine.txt"], force=True),
    ):
        pass
    assert (tmp_path / "out/mine.txt").read_text() == "user"


def test_a_failure_part_way_leaves_the_earlier_result(tmp_path: Path) -> None:
    out = Named(path=tmp_path / "out", option="--output-dir")
    with staged_folder(out, command="t", names=["a.txt"], force=False) as result:
        result.path("a.txt").write_text("earlier")
    with pytest.raises(RuntimeError), staged_folder(out, command="t", names=["a.txt"], force=True) as result:
        result.path("a.txt").write_text("half")
        raise RuntimeError("killed")
    assert (tmp_path / "out/a.txt").read_text() == "earlier"
    assert not list((tmp_path / "out").glob(".landcover-staging-*"))


# The commands: each refuses to destroy an input or a user's file.


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_export_onto_its_own_model_is_refused_even_with_force(tmp_path: Path) -> None:
    model = fresh_checkpoint(tmp_path / "m.pt")
    before = model.read_bytes()
    code, output = _invoke("export", str(model), str(model), "--force")
    assert code == 2 and "ONNX" in output and "is MODEL" in output, output
    assert model.read_bytes() == before


def test_score_preview_onto_the_model_or_a_user_s_file_is_refused(tmp_path: Path) -> None:
    model = fresh_checkpoint(tmp_path / "m.pt")
    write_pair(tmp_path / "pairs", "p", size=(160, 160))
    before = model.read_bytes()
    code, output = _invoke("score", str(model), str(tmp_path / "pairs"), "--preview", str(model), "--force")
    assert code == 2 and "is CHECKPOINT" in output, output
    assert model.read_bytes() == before
    (tmp_path / "mine.png").write_bytes(b"my picture")
    code, output = _invoke("score", str(model), str(tmp_path / "pairs"), "--preview", str(tmp_path / "mine.png"))
    assert code == 2 and "already exists, and landcover did not write it" in output, output
    assert (tmp_path / "mine.png").read_bytes() == b"my picture"
    code, output = _invoke("score", str(model), str(tmp_path / "pairs"), "--preview", str(tmp_path / "s.png"))
    assert code == 0, output
    code, output = _invoke("score", str(model), str(tmp_path / "pairs"), "--preview", str(tmp_path / "s.png"))
    assert code == 2 and "--force" in output
    code, output = _invoke(
        "score", str(model), str(tmp_path / "pairs"), "--preview", str(tmp_path / "s.png"), "--force"
    )
    assert code == 0, output


def test_convert_patches_refuses_a_user_s_same_named_file_and_needs_force_for_its_own(tmp_path: Path) -> None:
    npz = tmp_path / "npz"
    npz.mkdir()
    rng = np.random.default_rng(0)
    np.savez(npz / "a.npz", rng.integers(0, 7, size=(1, 29, 64, 64)).astype(np.float32))
    out = tmp_path / "pairs"
    out.mkdir()
    (out / "a_NAIP.tif").write_bytes(b"my image")
    code, output = _invoke("convert-patches", str(npz), str(out), "--force")
    assert code == 2 and "a_NAIP.tif" in output and "did not write" in output, output
    assert (out / "a_NAIP.tif").read_bytes() == b"my image"
    (out / "a_NAIP.tif").unlink()
    assert _invoke("convert-patches", str(npz), str(out))[0] == 0
    code, output = _invoke("convert-patches", str(npz), str(out))
    assert code == 2 and "--force" in output
    assert _invoke("convert-patches", str(npz), str(out), "--force")[0] == 0
    code, output = _invoke("convert-patches", str(npz), str(npz / "inside"))
    assert code == 2 and "is inside NPZ_DIR" in output


def _run(*args: str) -> tuple[int, str]:
    result = landcover(*args)
    return result.returncode, result.stdout + result.stderr


def test_pairs_refuses_a_user_s_same_named_file(tmp_path: Path) -> None:
    image, labels = write_pair(tmp_path / "in", "scene", size=(128, 128))
    out = tmp_path / "pairs"
    out.mkdir()
    mine = out / "scene_NAIP_NAIP.tif"  # the pair of image scene_NAIP.tif
    mine.write_bytes(b"my image")
    args = ("pairs", "--images", str(image), "--labels", str(labels), "--output-dir", str(out))
    code, output = _run(*args)
    assert code == 2 and mine.name in output and "did not write" in output, output
    assert mine.read_bytes() == b"my image"
    code, output = _run("pairs", "--images", str(image), "--labels", str(labels), "--output-dir", str(tmp_path))
    assert code == 2 and "holds --images" in output, output
    shutil.rmtree(out)
    assert _run(*args)[0] == 0
    assert _run(*args, "--force")[0] == 0


def test_a_half_saved_record_of_a_dead_writer_is_a_leftover(tmp_path: Path) -> None:
    """A run killed while it saved the record leaves ``.landcover-outputs.json.*.tmp``: the next writer removes it."""
    from landcover.io.outputs import MANIFEST_NAME, OutputFolder

    half = tmp_path / f".{MANIFEST_NAME}.x1y2z3.tmp"
    half.write_text('{"format_version": 1, "fil')
    user = tmp_path / ".notes.tmp"  # a user's hidden file of the same suffix is not ours
    user.write_text("keep")
    with OutputFolder(tmp_path, option="--output-dir", command="predict").open() as out:
        assert out.remove_leftovers() == [half]
    assert not half.exists() and user.read_text() == "keep"
