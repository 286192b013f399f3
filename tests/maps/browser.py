"""Open a map page in headless Chromium with the network cut off, and say what happened.

Every request that is not file:, data:, blob: or localhost is aborted and recorded, so a
page that still reaches for a CDN fails the test instead of silently working online.
Used by the map tests and by bench/map.py.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHIPS_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class PageReport:
    errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    ready: str | None = None
    load_ms: float | None = None
    ready_ms: float | None = None
    facts: dict = field(default_factory=dict)


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in {"file", "data", "blob", "about"}:
        return True
    return parsed.scheme in {"http", "https", "ws"} and (parsed.hostname or "") in LOCAL_HOSTS


def open_page(
    url: str,
    *,
    screenshot: Path | None = None,
    evaluate: str | None = None,
    timeout_ms: int = 60_000,
    cookies: list[dict] | None = None,
    http_credentials: dict | None = None,
) -> PageReport:
    """Load ``url``; wait for the map to say it is ready; return errors and timings."""
    from playwright.sync_api import sync_playwright

    report = PageReport()
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium not found: apt-get install -y chromium (scripts/ensure-runtime.sh --tests)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 800}, http_credentials=http_credentials)
            if cookies:
                context.add_cookies(cookies)

            def route(route_):
                if is_local(route_.request.url):
                    route_.continue_()
                else:
                    report.blocked.append(route_.request.url)
                    route_.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda exc: report.errors.append(f"pageerror: {exc}"))
            page.on("console", lambda msg: report.errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
            page.on("requestfailed", lambda req: report.failed.append(f"{req.url} {req.failure}"))
            page.goto(url, wait_until="load", timeout=timeout_ms)
            page.wait_for_function("document.documentElement.getAttribute('data-chips-ready') !== null", timeout=timeout_ms)
            report.ready = page.evaluate("document.documentElement.getAttribute('data-chips-ready')")
            timing = page.evaluate(
                "(() => { const t = performance.getEntriesByType('navigation')[0]; return [t.loadEventEnd, performance.now()]; })()"
            )
            report.load_ms = timing[0]
            report.ready_ms = page.evaluate("window.chipsReadyAt || null")
            if evaluate:
                report.facts = page.evaluate(evaluate)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))
        finally:
            browser.close()
    return report
