"""What the forms compute on the phone, for the demo's submissions (forms/xlsform/*.md).

A submission carries its calculated fields as the form computed them; the demo writes
the same values. Each function follows the ``calculation`` column of its form, cited
beside it; the tests fill samples of the demo in ODK's own XForm engine and compare.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Mapping

# house_condition.md: bad_* calculates, unhealthy_house, followup_needed, followup_reasons
UNSAFE_WATER = ("unprotected_well", "unprotected_spring", "river")
THR_UNHEALTHY_MIN_BAD = 3  # house_condition.md thr_unhealthy_min_bad
THR_COMPENSATION_MINUTES = 120  # home_visit.md thr_compensation_minutes
THR_BREACH_MINUTES = 240  # home_visit.md thr_breach_minutes
ANC_THRESHOLDS = {  # anc_visit.md thr_* (strings, as the form writes them)
    "thr_lila_cm": "23.5", "thr_hb_g_dl": "11", "thr_systolic": "140", "thr_diastolic": "90",
    "thr_age_young": "20", "thr_age_old": "35", "thr_parity": "4", "thr_t1_days": "84", "thr_t2_days": "168",
}


def house_findings(house: Mapping[str, str], nutrition: bool) -> dict[str, str]:
    bad = {
        "bad_floor": house["floor"] == "earth",
        "bad_wall": house["wall"] in ("bamboo", "wood_poor"),
        "bad_roof": house["roof"] in ("thatch", "leaking"),
        "bad_ventilation": house["ventilation"] != "adequate",
        "bad_lighting": house["lighting"] != "adequate",
        "bad_windows": house["windows"] in ("none", "never_opened"),
        "bad_latrine": house["latrine"] == "none",
        "bad_water": house["water_source"] in UNSAFE_WATER,
        "bad_waste": house["waste"] == "dumped",
    }
    count = sum(bad.values())
    unhealthy = bad["bad_floor"] or bad["bad_latrine"] or bad["bad_water"] or count >= THR_UNHEALTHY_MIN_BAD
    no_latrine = house["latrine"] == "none"
    out = {k: "1" if v else "0" for k, v in bad.items()}
    out["bad_count"] = str(count)
    out["unhealthy_house"] = "yes" if unhealthy else "no"
    out["followup_needed"] = "yes" if (unhealthy or no_latrine or nutrition) else "no"
    # concat(if(…, 'unhealthy_house ', ''), …): each reason followed by a space
    out["followup_reasons"] = ("unhealthy_house " if unhealthy else "") + ("no_latrine " if no_latrine else "") + (
        "nutrition " if nutrition else "")
    return out


def form_age(dob: date, on: date) -> int:
    """int((decimal-date-time(today) − decimal-date-time(dob)) div 365.25)."""
    return int((on - dob).days / 365.25)


def request_key(instance_id: str) -> str:
    """visit_request.md ``request_key``: once(translate(substr(uuid(), 0, 6), 'abcdef', 'ABCDEF')),
    six random hex characters drawn once; the demo takes them from its (random) instanceID."""
    return instance_id.removeprefix("uuid:")[:6].upper()


def request_id(received_at: datetime, instance_id: str) -> str:
    """visit_request.md: concat('CH-', format-date-time(received_at, '%y%m%d'), '-', request_key),
    the date being the phone's (WIB) date of ``received_at``."""
    return f"CH-{received_at:%y%m%d}-{request_key(instance_id)}"


def response(received_at: datetime, arrived_at: datetime) -> dict[str, str]:
    """home_visit.md: response_minutes, its parts, response_status, compensation_owed."""
    minutes = round((arrived_at - received_at).total_seconds() / 60)
    status = "breach" if minutes > THR_BREACH_MINUTES else "late" if minutes > THR_COMPENSATION_MINUTES else "on_time"
    return {
        "response_minutes": str(minutes),
        "response_hours_part": str(minutes // 60),
        "response_minutes_part": str(minutes % 60),
        "response_status": status,
        "compensation_owed": "yes" if minutes > THR_COMPENSATION_MINUTES else "no",
    }


def gestation(visit_date: date, hpht: date | None, weeks_entered: int | None) -> dict[str, str]:
    """anc_visit.md: ga_days, ga_weeks, ga_days_part, trimester, hpht_effective, edd."""
    if hpht is not None:
        days = (visit_date - hpht).days
    elif weeks_entered is not None:
        days = weeks_entered * 7
    else:
        return {k: "" for k in ("ga_days", "ga_weeks", "ga_days_part", "trimester", "hpht_effective", "edd")}
    trimester = 1 if days <= int(ANC_THRESHOLDS["thr_t1_days"]) else 2 if days <= int(ANC_THRESHOLDS["thr_t2_days"]) else 3
    return {
        "ga_days": str(days),
        "ga_weeks": str(days // 7),
        "ga_days_part": str(days % 7),
        "trimester": str(trimester),
        "hpht_effective": (visit_date - timedelta(days=days)).isoformat(),
        "edd": (visit_date + timedelta(days=280 - days)).isoformat(),
    }


def anc_risks(lila: float, hb: float | None, systolic: int, diastolic: int, mother_age: int, parity: int) -> dict[str, str]:
    """anc_visit.md: risk_kek … high_risk."""
    flags = {
        "risk_kek": lila < float(ANC_THRESHOLDS["thr_lila_cm"]),
        "risk_anaemia": hb is not None and hb < float(ANC_THRESHOLDS["thr_hb_g_dl"]),
        "risk_hypertension": systolic >= int(ANC_THRESHOLDS["thr_systolic"]) or diastolic >= int(ANC_THRESHOLDS["thr_diastolic"]),
        "risk_age": mother_age < int(ANC_THRESHOLDS["thr_age_young"]) or mother_age > int(ANC_THRESHOLDS["thr_age_old"]),
        "risk_parity": parity >= int(ANC_THRESHOLDS["thr_parity"]),
    }
    out = {k: "yes" if v else "no" for k, v in flags.items()}
    count = sum(flags.values())
    out["risk_count"] = str(count)
    out["high_risk"] = "yes" if count > 0 else "no"
    return out
