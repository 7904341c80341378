"""Open the published index and a report in headless Chromium with the network blocked.

The page must load with no failed request, no request leaving the machine, no console error and no
script error; every image must decode and carry alt text. A screenshot of each page is saved to the
test's temporary folder. Chromium is Debian's ``chromium`` package: installed here when running as
root with ``CI=true``, otherwise the test is skipped with the reason.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: fd 3 in,
fd 4 out, NUL-separated JSON), so no extra Python package is needed.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from publishing_helpers import PROV, tagged_notebook

from lsp_research.reporting.export import export_tiers
from lsp_research.reporting.publish import write_index

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
    "--proxy-server=127.0.0.1:9",
    "--remote-debugging-pipe",
]


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if is_root and os.environ.get("CI", "").lower() == "true":
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=900)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env, timeout=1800
        )
        path = shutil.which("chromium")
        if path:
            return path
    pytest.skip(
        "headless Chromium is not installed: run 'apt-get install -y chromium' "
        "(the test installs it itself when run as root with CI=true)"
    )


class Browser:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, binary: str, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds():  # runs in the child: the pipe ends become fds 3 and 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=wire_fds,
        )  # fmt: skip
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], remaining)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the debugging pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 60) -> dict:  # fmt: skip
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    period = tmp_path_factory.mktemp("site") / "2009Q3"
    paths = export_tiers(
        tagged_notebook(), ["board", "executive", "operational"], period / "performance" / "city",
        {"name": "performance", "period": "2009Q3", "provenance": PROV, "index_href": "../../index.html"},
    )  # fmt: skip
    write_index(
        period,
        [{"notebook": "performance", "title": "Performance report", "parameter_set": "city",
          "files": dict(zip(["board", "executive", "operational"], paths, strict=True)),
          "summary": {"Indicators": 12, "Red flags": 2}}],
        {"period": "2009Q3", "provenance": PROV},
    )  # fmt: skip
    return period


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_chromium()
    b = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield b
    finally:
        b.close()


def open_page(browser: Browser, path: Path, shot: Path) -> dict:
    """Load ``path``; return the requests made, failures, console errors and page facts."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Network", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": path.as_uri()}, session=session)
    browser.wait_for("Page.loadEventFired")
    browser.drain(1.0)  # late requests (fonts, lazy images) and console messages
    facts = browser.send(
        "Runtime.evaluate",
        {
            "expression": """JSON.stringify({
                lang: document.documentElement.lang,
                title: document.title,
                h1: document.querySelectorAll('h1').length,
                images: Array.from(document.images).map(i => ({ok: i.complete && i.naturalWidth > 0,
                                                                alt: i.getAttribute('alt')})),
                links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
                scripts: document.scripts.length,
                styleSheets: Array.from(document.styleSheets).map(s => s.href),
                width: document.documentElement.scrollWidth
            })""",
            "returnByValue": True,
        },
        session=session,
    )
    page = json.loads(facts["result"]["value"])
    size = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
    shot_params = {"format": "png", "captureBeyondViewport": True, "clip": clip}
    png = browser.send("Page.captureScreenshot", shot_params, session=session)["data"]
    shot.write_bytes(base64.b64decode(png))
    events = [e for e in browser.events if e.get("sessionId") == session]
    browser.send("Target.closeTarget", {"targetId": target})
    page["requests"] = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    page["failed"] = [e["params"] for e in events if e["method"] == "Network.loadingFailed"]
    page["console_errors"] = [
        e["params"] for e in events
        if (e["method"] == "Runtime.consoleAPICalled" and e["params"].get("type") in ("error", "assert"))
        or (e["method"] == "Log.entryAdded" and e["params"]["entry"].get("level") == "error")
    ]  # fmt: skip
    page["exceptions"] = [e["params"] for e in events if e["method"] == "Runtime.exceptionThrown"]
    return page


@pytest.mark.parametrize("page_path", ["index.html", "performance/city/performance-executive.html"])
def test_page_opens_offline_without_errors(site, browser, tmp_path, page_path):
    path = site / page_path
    shot = tmp_path / (Path(page_path).stem + ".png")
    page = open_page(browser, path, shot)
    assert page["failed"] == [], page["failed"]
    outside = [u for u in page["requests"] if not u.startswith(("file://", "data:", "about:"))]
    assert outside == [], outside
    assert page["console_errors"] == [] and page["exceptions"] == []
    assert page["lang"] == "en-GB" and page["h1"] == 1 and page["title"]
    assert page["scripts"] == 0 and all(href is None for href in page["styleSheets"])
    assert all(img["ok"] and img["alt"] for img in page["images"])
    if page_path == "index.html":
        assert "performance/city/performance-board.html" in page["links"]
    else:
        assert page["images"], "the executive report has a chart"
    assert shot.stat().st_size > 5_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_links_from_the_index_resolve(site):
    import re

    html = (site / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'href="([^"#][^"]*)"', html) if not h.startswith("data:")]
    assert hrefs and all((site / h).is_file() for h in hrefs)
    report = site / "performance" / "city" / "performance-board.html"
    back = re.findall(r'href="([^"#][^"]*\.html)"', report.read_text(encoding="utf-8"))
    assert all((report.parent / h).resolve().is_file() for h in back)


def test_a_planted_external_resource_is_caught_by_the_browser(site, browser, tmp_path):
    """The check itself works: a page with a CDN script and a web font fails it."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en-GB"><head><title>x</title>'
        '<script src="https://cdn.jsdelivr.net/npm/requirejs@2/require.min.js"></script>'
        '</head><body><h1>x</h1><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    page = open_page(browser, bad, tmp_path / "bad.png")
    assert any("cdn.jsdelivr.net" in u for u in page["requests"])
    assert page["failed"] and page["console_errors"]
