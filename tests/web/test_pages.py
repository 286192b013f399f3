"""What the pages show: the home page's clocks and counts, the ANC page, the SPM table,
a bidan's villages, the follow-up board, the language switch."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_token, login, make_web
from tests.web.seed import V1, V2


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def open_today_ids(html: str) -> list[str]:
    table = html.split('id="open-today"', 1)[1].split("</table>", 1)[0]
    return sorted(re.findall(r'data-request="([^"]+)"', table))


def test_home_page_figures_on_both_databases(db_url, tmp_path):
    app, s = make_web(db_url, tmp_path)
    client = app.test_client()
    login(client, "planner1")
    html = client.get("/").get_data(as_text=True)
    e = s.expected
    assert open_today_ids(html) == e["open_today"]
    assert figure(html, "open_today") == str(len(e["open_today"]))
    assert figure(html, "requests_month") == str(e["requests_month"])
    assert figure(html, "late_month") == str(e["late_month"])
    assert figure(html, "breach_month") == str(e["breach_month"])
    assert figure(html, "comp_owed") == str(e["comp_owed"])
    assert figure(html, "comp_given") == str(e["comp_given"])
    # the fresh request's clock reads 0:30 (less just after midnight) and it is on time;
    # the late one's clock is 3:00
    row = html.split('data-request="CH-OPEN-FRESH"', 1)[1].split("</tr>", 1)[0]
    assert f">{e['fresh_clock']}<" in row and "st-on_time" in row
    if "CH-OPEN-3H" in e["open_today"]:
        row = html.split('data-request="CH-OPEN-3H"', 1)[1].split("</tr>", 1)[0]
        assert ">3:00<" in row and "st-late" in row


def test_bidan_sees_only_her_villages(client_for, web):
    _, s = web
    bidan = client_for("bidan1")
    html = bidan.get("/anc").get_data(as_text=True)
    assert figure(html, "anc_ongoing") == str(s.expected["anc_v1"]["ongoing"])
    assert figure(html, "anc_high_risk") == str(s.expected["anc_v1"]["high_risk"])
    assert s.pregnancies["a"] in html and s.pregnancies["b"] in html
    assert s.pregnancies["c"] not in html  # Jambewangi
    assert V2 not in html
    # a pregnancy of another village is not found, whatever the URL
    assert bidan.get(f"/anc/{s.pregnancies['c']}").status_code == 404
    assert bidan.get(f"/anc?village={V2}").get_data(as_text=True).count("data-pregnancy=") == 0
    # the API says the same
    items = bidan.get("/api/v1/pregnancies?per_page=100").get_json()["items"]
    assert items and {i["village_code"] for i in items} == {V1}
    # and the planner sees all villages
    html = client_for("planner1").get("/anc").get_data(as_text=True)
    assert figure(html, "anc_ongoing") == str(s.expected["anc_all"]["ongoing"])
    assert figure(html, "anc_missing_10t") == str(s.expected["anc_all"]["missing_10t"])
    assert s.pregnancies["c"] in html


def test_anc_page_names_the_standard_and_switches_preset(client_for):
    planner = client_for("planner1")
    html = planner.get("/anc").get_data(as_text=True)
    assert 'data-standard="permenkes-21-2021"' in html
    html = planner.get("/anc?standard=k4").get_data(as_text=True)
    assert 'data-standard="k4"' in html
    html = planner.get("/anc?standard=nonsense").get_data(as_text=True)
    assert 'data-standard="permenkes-21-2021"' in html


def _spm_cell(html: str, code: str, village: str, col: str) -> str:
    row = html.split(f'data-code="{code}" data-village="{village}"', 1)[1].split("</tr>", 1)[0]
    return re.search(rf'data-col="{col}">([^<]*)<', row).group(1)


def test_spm_table_per_village_under_each_standard(client_for, web):
    _, s = web
    planner = client_for("planner1")
    year = s.expected["spm_year"]
    for key, expected in s.expected["spm_anc"].items():
        html = planner.get(f"/spm?year={year}&standard={key}").get_data(as_text=True)
        assert f'data-standard="{key}"' in html
        for village, (num, den) in expected.items():
            v = village or "*"
            assert _spm_cell(html, "anc", v, "numerator") == str(num), (key, village)
            assert _spm_cell(html, "anc", v, "denominator") == str(den), (key, village)
            assert _spm_cell(html, "anc", v, "percent") == f"{100 * num / den:.1f} %"


def test_spm_targets_give_the_target_based_percent(client_for, web):
    _, s = web
    planner = client_for("planner1")
    year = s.expected["spm_year"]
    token = csrf_token(planner, f"/spm/targets?year={year}")
    response = planner.post("/spm/targets", data={"csrf_token": token, "year": str(year), f"t_anc_{V1}": "0.5", "t_anc_all": "4"})
    assert response.status_code == 303
    html = planner.get(f"/spm?year={year}").get_data(as_text=True)
    assert _spm_cell(html, "anc", V1, "target_percent") == "200.0 %"  # 1 of a target of 0.5: over 100 % is allowed
    assert _spm_cell(html, "anc", "*", "target_percent") == "25.0 %"


def test_followup_board_moves_one_step_at_a_time(client_for, web):
    planner = client_for("planner1")
    token = csrf_token(planner, "/followups")
    key = "fu-1:unhealthy_house"
    step = lambda **d: planner.post("/followups/step", data={"csrf_token": token, "key": key, **d})  # noqa: E731
    assert step(to_state="coordinated").status_code == 303  # refused: flashed, state unchanged
    html = planner.get("/followups").get_data(as_text=True)
    assert f'data-key="{key}" data-state="found"' in html
    assert step(to_state="reported", note="ke kepala").status_code == 303
    assert step(to_state="coordinated", note="BAZNAS").status_code == 303
    assert step(to_state="resolved", outcome="renovated").status_code == 303
    html = planner.get("/followups?state=resolved").get_data(as_text=True)
    assert f'data-key="{key}" data-state="resolved"' in html
    assert "BAZNAS" in html and "planner1" in html


def test_csrf_rejects_a_form_without_token(client_for):
    planner = client_for("planner1")
    response = planner.post("/followups/step", data={"key": "fu-0:no_latrine", "to_state": "reported"})
    assert response.status_code == 400
    response = planner.post("/followups/step", data={"key": "fu-0:no_latrine", "to_state": "reported", "csrf_token": "forged"})
    assert response.status_code == 400
    # nor can one log in without it
    fresh = planner.application.test_client()
    assert fresh.post("/login", data={"username": "planner1", "password": "x"}).status_code == 400


def test_language_switch(client_for):
    planner = client_for("planner1")
    assert "Permintaan terbuka hari ini" in planner.get("/").get_data(as_text=True)  # Indonesian by default
    planner.get("/lang/en?next=/")
    assert "Open requests today" in planner.get("/").get_data(as_text=True)


def test_every_message_key_used_in_templates_is_in_the_catalogue():
    from pathlib import Path

    import server
    from server.web.i18n import MESSAGES

    used = set()
    for path in (Path(server.__file__).parent / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'", path.read_text()))
    assert used and not used - set(MESSAGES)


def test_household_page_shows_members_and_submissions(client_for, web):
    _, s = web
    html = client_for("team1").get(f"/households/{s.households['Pak Sutrisno']}").get_data(as_text=True)
    assert "Pak Sutrisno" in html and 'id="members"' in html
    assert "household_registration" in html and "visit_request" in html and "home_visit" in html


def test_session_cookie_flags(web):
    app, _ = web
    client = app.test_client()
    response = login(client, "planner1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_page_and_export_works_on_both_databases(db_url, tmp_path):
    """The SQL of every page (aggregates, date arithmetic, joins) on SQLite and PostgreSQL."""
    app, s = make_web(db_url, tmp_path)
    client = app.test_client()
    assert login(client, "admin1").status_code == 302
    year = s.expected["spm_year"]
    paths = ["/", "/requests", "/visits", "/households", f"/households/{s.households['Bu Siti']}", "/anc",
             f"/anc/{s.pregnancies['a']}", f"/spm?year={year}", f"/spm?year={year}&standard=spm-permenkes-4-2019",
             "/spm/targets", "/followups", "/admin/users", "/admin/sources", "/admin/settings", "/admin/audit",
             f"/export/spm.xlsx?year={year}", "/api/v1/households", "/api/v1/requests", "/api/v1/visits",
             "/api/v1/pregnancies", f"/api/v1/indicators?year={year}", "/map"]
    paths += [f"/export/{name}.csv" for name in ("households", "requests", "visits", "pregnancies", "anc_visits", "followups")]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
    html = client.get(f"/spm?year={year}").get_data(as_text=True)
    assert _spm_cell(html, "anc", "*", "numerator") == "1" and _spm_cell(html, "anc", "*", "denominator") == "2"
    # elderly: four registered members of 70, none screened with both BP and sugar in that year
    assert _spm_cell(html, "elderly", "*", "denominator") == "4"


def test_secure_cookie_when_configured(tmp_path):
    from chips.db.migrate import upgrade
    from chips.settings import load_settings
    from server.app import create_app
    from tests.web.seed import add_users

    settings = load_settings(environ={}, instance_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'c.sqlite'}",
                             secure_cookies=True)
    with upgrade(settings).begin() as conn:
        add_users(conn)
    client = create_app(settings).test_client()
    cookie = login(client, "planner1").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_spm_elderly_and_hypertension_this_year(client_for, web):
    """Pak Sutrisno (70, Sempu) had blood pressure 150/95 and blood sugar measured at a home
    visit this month: screened as elderly, and a hypertension case measured every month
    since he became one. Nobody else was measured."""
    from chips.rules.clock import to_wib

    _, s = web
    html = client_for("planner1").get(f"/spm?year={to_wib(s.now).year}").get_data(as_text=True)
    assert (_spm_cell(html, "elderly", V1, "numerator"), _spm_cell(html, "elderly", V1, "denominator")) == ("1", "2")
    assert (_spm_cell(html, "elderly", V2, "numerator"), _spm_cell(html, "elderly", V2, "denominator")) == ("0", "2")
    assert (_spm_cell(html, "hypertension", "*", "numerator"), _spm_cell(html, "hypertension", "*", "denominator")) == ("1", "1")
    assert _spm_cell(html, "diabetes", "*", "denominator") == "0"


def test_coverage_in_sql_matches_the_rules(web):
    """The households page counts coverage in SQL; the rules' Python function over the same
    households gives the same rows."""
    from sqlalchemy import select

    from chips.db.schema import households
    from chips.queries.households import coverage
    from chips.rules import coverage as rules

    app, _ = web
    with app.extensions["chips.engine"].connect() as conn, conn.begin() as transaction:
        conn.execute(households.update().where(households.c.uuid == "hh-0004")
                     .values(lone_elderly_count=1, kenthongan_status="yes", poverty_status="near_poor"))
        conn.execute(households.update().where(households.c.uuid == "hh-0003").values(lone_elderly_count=1, sticker_serial=None))
        sql_rows = coverage(conn)
        py_rows = rules.coverage(
            rules.Household(r.uuid, r.village_code, r.poverty_status, bool(r.sticker_serial), r.lone_elderly_count or 0,
                            r.kenthongan_status == "yes")
            for r in conn.execute(select(households)))
        transaction.rollback()  # the module's other tests keep the seed as it was
    assert sql_rows == py_rows
    assert sql_rows[-1] == rules.CoverageRow(None, 3, 2, 2, 1)
