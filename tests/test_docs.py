"""The documentation: its command lines name real make targets, the checks catch a wrong line, the generated CLI
reference covers every command, and every page is in the site's nav."""

import ast
import importlib.util
import re
from pathlib import Path

import typer
import yaml

from landcover.cli import app as landcover_app
from runner.cli import app as runner_app
from tests.cli_help import ROOT, documents, fenced_code, make_problems, readme_problems, walk


def load_hook():
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "docs" / "hooks" / "cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_lines_name_real_targets():
    assert make_problems() == []


def test_the_checks_catch_a_wrong_command(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "Prose that says landcover trains.\n\n```bash\nlandcover train --input-dir D --model-dir M\n"
        "landcover trian --input-dir D\nrunner local submit jobs/x.json --no-such-flag\nmake demo && make nosuch\n```\n"
    )
    landcover = readme_problems(landcover_app, "landcover", page)
    assert len(landcover) == 1 and "trian" in landcover[0]
    runner = readme_problems(runner_app, "runner", page)
    assert len(runner) == 1 and "--no-such-flag" in runner[0]
    make = make_problems([page])
    assert len(make) == 1 and "'nosuch'" in make[0]


def test_cli_reference_covers_every_command():
    hook = load_hook()
    for prog, target, _page in hook.APPS:
        app = hook.load_app(target)
        assert isinstance(app, typer.Typer)
        page = hook.reference_page(prog, target)
        for path, command in walk(typer.main.get_command(app)):
            if getattr(command, "hidden", False):
                continue
            name = " ".join((prog, *path))
            assert f"\n## {name} {{#" in page, f"{name} missing from the reference"
            assert f"Usage: {name}" in page
    assert {prog for prog, _, _ in hook.APPS} == {"landcover", "runner"}
    assert hook.load_app("landcover.cli:app") is landcover_app


def nav_pages(nav) -> set[str]:
    pages = set()
    for entry in nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        pages |= nav_pages(value) if isinstance(value, list) else {value}
    return pages


def test_every_page_is_in_the_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    in_nav = nav_pages(config["nav"])
    docs = ROOT / "docs"
    pages = {str(path.relative_to(docs)) for path in docs.rglob("*.md") if "hooks" not in path.parts}
    generated = {page for _, _, page in load_hook().APPS}
    assert pages - in_nav == set(), "add these pages to the nav in mkdocs.yml"
    assert in_nav - pages - generated == set(), "the nav names pages that do not exist"
    assert all(Path(docs, page).suffix == ".md" for page in in_nav)


# What a fresh clone lacks (docs/data-sources.md says where each comes from): the tutorial's models, real patches,
# the tutorial's job files, ../shared.
NEEDS_FILES = re.compile(
    r"import-cntk|convert-patches|tutorial250\.pt|\.model\b|chesapeake-wv|\.\./shared|LANDCOVER_SHARED"
)


def test_command_lines_that_need_files_a_clone_lacks_say_so():
    """Every documented command line that uses the tutorial's models or real data says so (`# needs: ...`)."""
    unmarked = []
    for path in documents():
        if path.name == "data-sources.md":  # where they come from; the README links to that page
            continue
        for line in re.sub(r"\\[ \t]*\n\s*", " ", fenced_code(path.read_text())).splitlines():
            code, _, comment = line.partition("#")
            if NEEDS_FILES.search(code) and "needs:" not in comment:
                unmarked.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert unmarked == [], "mark these lines with '# needs: ...' (see docs/data-sources.md)"


def test_the_data_sources_page_names_both_sources():
    page = (ROOT / "docs" / "data-sources.md").read_text()
    assert "Chesapeake Land Cover" in page and "lila.science" in page and "CVPR 2019" in page
    assert "github.com/Azure/pixel_level_land_classification" in page and "sample_models/" in page


PAGE_REFERENCE = re.compile(r"docs/([\w/.-]+\.md)(?:, section ([A-Z][\w -]*\w))?")


def _message_strings() -> list[tuple[Path, str]]:
    """Every string constant of the two packages (messages and hints among them), f-strings' text parts too."""
    found = []
    for path in sorted([*(ROOT / "landcover").rglob("*.py"), *(ROOT / "runner").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((path, node.value))
    return found


def test_messages_point_at_pages_and_sections_that_exist():
    """A hint that names a page (`docs/image.md, section A Docker Engine`) names a page and heading that exist."""
    strings = _message_strings()
    for path, text in strings:
        assert "see README" not in text, f"{path.relative_to(ROOT)}: {text!r} (name a docs/ page)"
        for match in PAGE_REFERENCE.finditer(text):
            page = ROOT / "docs" / match.group(1)
            assert page.is_file(), f"{path.relative_to(ROOT)} names {match.group(0)}"
            if match.group(2):
                assert f"\n## {match.group(2)}\n" in page.read_text(), f"{path.relative_to(ROOT)}: {match.group(0)}"
    assert any("section" in text and PAGE_REFERENCE.search(text) for _, text in strings)


def test_pages_that_start_mpirun_say_how_as_root():
    """Open MPI refuses root without consent: the training page and Troubleshooting say how (runner adds it)."""
    for page in ("training.md", "troubleshooting.md"):
        text = (ROOT / "docs" / page).read_text()
        assert "mpirun --allow-run-as-root" in text and "`runner` adds" in text, page
