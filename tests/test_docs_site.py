"""The built documentation site opened from disk (``file://.../site/index.html``) in a real headless Chromium.

Every nav link opens its page (not a folder listing), the search box finds "preemption", and nothing is fetched
from the network. Playwright drives Debian's ``chromium`` (``apt-get install chromium``); no browser is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.conftest import CHROMIUM, ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"{CHROMIUM} missing: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `make docs` builds it (--strict), into a folder of its own."""
    site_dir = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stderr
    return site_dir


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.fetched = []
    page.on("request", lambda request: page.fetched.append(request.url))
    yield page
    context.close()


def _off_disk(urls: list[str]) -> list[str]:
    return [url for url in urls if not url.startswith(("file://", "data:", "blob:", "about:"))]


def test_every_nav_link_opens_its_page(site, page):
    index = (site / "index.html").as_uri()
    page.goto(index)
    links = page.locator("nav.md-nav--primary a.md-nav__link[href]")
    targets = sorted({urljoin(index, link.get_attribute("href") or "").partition("#")[0] for link in links.all()})
    assert len(targets) >= 20, targets
    for url in targets:
        page.goto(url)
        assert url.endswith(".html") and Path(unquote(urlparse(url).path)).is_file(), url
        assert page.locator("article h1").count() == 1, (url, page.content()[:300])
    assert _off_disk(page.fetched) == []


def test_a_nav_link_opens_the_preemption_page(site, page):
    page.goto((site / "index.html").as_uri())
    page.locator("nav.md-nav--primary a", has_text="Preemption without loss").first.click()
    page.wait_for_load_state()
    assert page.url == (site / "preemption.html").as_uri()
    assert page.locator("article h1").inner_text().startswith("Preemption without loss")


def test_search_finds_preemption(site, page):
    page.goto((site / "index.html").as_uri())
    search = page.locator("input.md-search__input")
    search.click()
    page.keyboard.type("preemption")
    hits = page.locator(".md-search-result__item a[href]")
    hits.first.wait_for(timeout=30_000)
    found = [urlparse(a.get_attribute("href") or "").path for a in hits.all()]
    assert "preemption.html" in {Path(path).name for path in found}, found
    assert "matching document" in page.locator(".md-search-result__meta").inner_text()
    assert _off_disk(page.fetched) == []
