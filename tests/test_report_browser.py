"""The report rendered by a real browser (headless Chromium, Debian's package): charts and tables present."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from service.report import ReportBuilder, render_html
from tests.test_report import SCRIPT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=90, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    builder = ReportBuilder(answer_window=timedelta(hours=1))
    builder.add_all(SCRIPT)
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(builder.finish(), title="Python 学习交流群"), encoding="utf-8")
    return path


def test_the_browser_renders_charts_and_tables(page: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.count("<svg") >= 7  # the per-day chart and one label-mix bar per member
    assert dom.count("<rect") >= 10
    for section in ("labels", "per-day", "members", "unanswered", "experts", "conflicts", "ads"):
        assert f'id="{section}"' in dom
    assert "advertiser" in dom and "有没有人推荐 python 入门书" in dom


def test_the_browser_takes_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,1800", "--hide-scrollbars", page.as_uri())
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
