"""End to end in headless Chromium over the demo programme: log in, open the home page,
the ANC page and the map, and find the figures worked out independently from the demo's
tables (tests/web/demo_expect.py). Every request off this machine is blocked."""

from __future__ import annotations

from datetime import timezone

import pytest
from sqlalchemy import func, select

from tests.maps.browser import CHROMIUM_ARGS, chromium_path, is_local
from tests.support.live_server import serving
from tests.web.demo_expect import anc_expectations, home_expectations

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from chips.db.engine import dispose_engine
    from chips.demo.load import load_demo
    from chips.settings import load_settings
    from server.app import create_app

    tmp = tmp_path_factory.mktemp("demo")
    settings = load_settings(environ={}, instance_dir=tmp, database_url=f"sqlite:///{tmp / 'chips.sqlite'}")
    result = load_demo(settings)
    now = result.now.astimezone(timezone.utc).replace(tzinfo=None)
    app = create_app(settings)
    app.config["CHIPS_NOW"] = now  # the pages judge the clocks at the demo's "now", as the expectations do
    planner = next((name, password) for name, role, password in result.users if role == "planner")
    yield app, now, planner
    dispose_engine(settings)


def test_browser_home_anc_and_map(demo):
    from playwright.sync_api import sync_playwright

    from chips.rules.clock import to_wib
    from maps.tables import household_areas

    app, now, (user, password) = demo
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium not found: scripts/ensure-runtime.sh --tests installs it")
    engine = app.extensions["chips.engine"]
    with engine.connect() as conn:
        home = home_expectations(conn, now)
        anc = anc_expectations(conn, to_wib(now).date())
        placed = conn.execute(select(func.count()).select_from(household_areas).where(household_areas.c.status == "ok")).scalar_one()
    assert home["month"] > 0 and anc["ongoing"] > 0 and placed > 0  # the demo has something to show

    blocked: list[str] = []
    errors: list[str] = []
    with serving(app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()

            def route(route_):
                if is_local(route_.request.url):
                    route_.continue_()
                else:
                    blocked.append(route_.request.url)
                    route_.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(f"{base}/", wait_until="load")
            assert "/login" in page.url
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_selector("[data-figure=open_today]")

            def figure(name: str) -> int:
                return int(page.locator(f"[data-figure={name}]").first.inner_text().strip())

            # home page: open requests today with their clocks, late and breached this month
            assert figure("open_today") == len(home["open_today"])
            shown = sorted(page.locator("#open-today tr[data-request]").evaluate_all("rows => rows.map(r => r.dataset.request)")) \
                if home["open_today"] else []
            assert shown == home["open_today"]
            assert figure("requests_month") == home["month"]
            assert figure("late_month") == home["late"]
            assert figure("breach_month") == home["breach"]
            assert page.locator("link[href*='pico.min.css']").count() == 1

            # ANC page: the standard applied is named, the counts match
            page.click("nav >> text=ANC")
            page.wait_for_selector("[data-figure=anc_ongoing]")
            assert page.locator("#standard-applied [data-standard]").get_attribute("data-standard") == "permenkes-21-2021"
            assert figure("anc_ongoing") == anc["ongoing"]
            assert figure("anc_high_risk") == anc["high_risk"]

            # a household page: its small map is drawn with the locally served Leaflet
            page.goto(f"{base}/households", wait_until="load")
            page.locator("#households tbody a").first.click()
            page.wait_for_selector("#members")
            if page.locator("#household-map").count():
                page.wait_for_selector("#household-map.leaflet-container")

            # the map: every placed household is drawn
            page.goto(f"{base}/map", wait_until="load")
            page.wait_for_function("document.documentElement.getAttribute('data-chips-ready') !== null", timeout=60_000)
            assert int(page.evaluate("document.documentElement.getAttribute('data-chips-ready')")) == placed
        finally:
            browser.close()
    assert blocked == [], blocked
    assert errors == [], errors
