"""The synthetic CHIPS programme of Puskesmas Sempu as plain data (no XML, no database).

``generate(seed, now)`` gives the same :class:`Programme` for the same seed and "now":
1,666 poor households on the sample layers, their members (62 pregnant women, 102 children
under five, 69 elderly people living alone — DOMAIN.md), the 62 pregnancies with their
ANC visits, a year of visit requests and home visits, and house-condition surveys.
Every record carries its submission ``instance_id`` and its entity ids, derived from the
seed and "now", so loading the same programme twice is a no-op.

Dates and times are Sempu's (WIB, UTC+7), as the phones record them.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import numpy as np

from chips.demo import names as N
from chips.demo.calc import form_age, house_findings
from chips.demo.places import place_households

WIB = timezone(timedelta(hours=7), "WIB")
DEFAULT_SEED = 20170417  # any fixed number; reproducible demo by default

HOUSEHOLDS = 1666
PREGNANT_WOMEN = 62
UNDER_FIVES = 102
LONE_ELDERLY = 69
# Visit requests in the year; response-time mix of a programme that mostly keeps its SOP.
REQUESTS = 460
OPEN_REQUESTS = 4
RESPONSE_MIX = (("on_time", 0.80), ("late", 0.15), ("breach", 0.05))
COMPENSATION_HANDED = {"late": 0.88, "breach": 0.75}
# House-condition findings, scaled so the recorded outcomes (63 renovations, 23 latrines,
# 69 food deliveries — DOMAIN.md) are a plausible share of them.
SURVEYS = 430
NO_LATRINE = 34
UNHEALTHY_WITH_LATRINE = 72
NUTRITION = 95
# Days of registrations before "now": the sticker campaign started before the year of visits.
REGISTRATION_DAYS = 420
REQUEST_DAYS = 365
STICKER_PHONE = "082140550911"  # the driver's phone on every sticker (made up)
TEAM_USERS = (("tim-chips-1", "collect:Q7X2K9M4T1B8W3RZ"), ("tim-chips-2", "collect:H5N8D2V6J9C4L7PA"))
BIDAN_USERS = (("bidan-sempu", "collect:B1D4N5E6M7P8U9AB"), ("bidan-jambewangi", "collect:B2J3M4B5W6N7G8CD"))


# --- the plain data ------------------------------------------------------------------


@dataclass
class Member:
    name: str
    sex: str  # male | female
    dob: date
    relation: str
    lives_alone: bool = False
    pregnant: bool = False
    disability: str = "none"
    jkn: str = "pbi"


@dataclass
class Household:
    index: int
    instance_id: str
    entity_id: str
    started: datetime  # the form was opened (WIB); its date is the registration day
    finished: datetime
    user: str
    device: str
    area_class: str
    village_code: str
    village_name: str
    dusun: str
    rt: int
    rw: int
    address: str
    latitude: float
    longitude: float
    altitude: float
    accuracy: float
    head_name: str
    head_nik: str
    phone: str
    poverty: str
    members: list[Member]
    sticker_serial: str | None  # None: not installed
    sticker_reason: str | None
    kenthongan_installed: bool | None  # None: nobody elderly lives alone
    photo: str | None = None

    @property
    def registered_on(self) -> date:
        return self.started.date()


@dataclass
class AncVisit:
    instance_id: str
    started: datetime
    first: bool
    examined_by: str
    usg: bool
    weight_kg: float
    height_cm: float | None  # first visit only
    systolic: int
    diastolic: int
    lila_cm: float
    fundal_height_cm: float | None
    presentation: str | None
    fetal_heart_rate: int | None
    tt_status: str
    tt_given: bool
    iron_tablets: int
    hb_g_dl: float | None  # None: not tested
    urine_protein: str
    hiv: str
    syphilis: str
    hepatitis_b: str
    case_management: str
    case_notes: str
    counselling: str
    referral: str
    next_visit: date
    ga_weeks_entered: int | None = None  # first visit with an unknown HPHT

    @property
    def visit_date(self) -> date:
        return self.started.date()


@dataclass
class Pregnancy:
    entity_id: str
    household: int
    member: int  # position (0-based) in the household's members
    hpht: date  # the true first day of the last period
    hpht_known: bool
    gravida: int
    parity: int
    abortus: int
    category: str
    risk: str | None
    user: str
    device: str
    visits: list[AncVisit] = field(default_factory=list)


@dataclass
class VisitRequest:
    index: int
    instance_id: str
    entity_id: str
    received_at: datetime
    started: datetime
    user: str
    device: str
    reporter_type: str
    channel: str
    serial_read: bool | None  # None: not a sticker channel
    reporter_name: str
    reporter_phone: str
    household: int | None  # None: not registered; the address below is used
    village_code: str
    village_name: str
    dusun: str
    rt: int
    rw: int
    address: str
    patient_name: str
    patient_sex: str
    patient_age: int
    patient_group: str
    complaint_kind: str
    complaint_text: str
    urgency: str
    outcome: str  # on_time | late | breach | open


@dataclass
class HomeVisit:
    instance_id: str
    request: int | None  # index into requests; None: a patient found in the field
    received_at_manual: datetime | None
    patient_name_manual: str | None
    departed_at: datetime
    arrived_at: datetime
    finished: datetime
    user: str
    device: str
    doctor: str
    driver: str
    systolic: int
    diastolic: int
    temperature: float
    pulse: int
    respiration: int
    blood_sugar_kind: str | None  # None: not measured
    blood_sugar: int | None
    diagnosis: str
    icd10: str
    treatment: str
    medicines: str
    medicines_other: str | None
    referral: str
    ambulance_called: bool | None
    transport: str
    compensation_given: bool | None  # None: nothing owed


@dataclass
class HouseSurvey:
    instance_id: str
    household: int
    started: datetime
    user: str
    device: str
    floor: str
    wall: str
    roof: str
    ventilation: str
    lighting: str
    windows: str
    latrine: str
    water_source: str
    waste: str
    nutrition_concern: bool
    nutrition_kind: str
    notes: str
    profile: str  # no_latrine | unhealthy | healthy

    @property
    def survey_date(self) -> date:
        return self.started.date()


@dataclass
class FollowUpStep:
    """A step a planner records on a house-condition finding (web app, not a form)."""

    survey: int  # index into surveys
    kind: str  # unhealthy_house | no_latrine | nutrition
    state: str  # reported | coordinated | resolved
    at: datetime
    outcome: str | None = None
    note: str = ""


@dataclass
class Programme:
    seed: int
    now: datetime
    households: list[Household]
    pregnancies: list[Pregnancy]
    requests: list[VisitRequest]
    visits: list[HomeVisit]
    surveys: list[HouseSurvey]
    followup_steps: list[FollowUpStep] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------


class Ids:
    """uuids (version 4 layout) derived from the seed and "now": stable across runs."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.prefix = f"chips-demo:{seed}:{now.isoformat()}"

    def __call__(self, kind: str, n: int | str) -> str:
        digest = hashlib.sha256(f"{self.prefix}:{kind}:{n}".encode()).digest()[:16]
        return str(uuid.UUID(bytes=digest, version=4))

    def instance(self, kind: str, n: int | str) -> str:
        return "uuid:" + self(f"instance:{kind}", n)


def _age_dob(rng: random.Random, on: date, years_from: float, years_to: float) -> date:
    """A birth date giving an age in [years_from, years_to) on ``on`` (whole days)."""
    days = rng.uniform(years_from * 365.25, years_to * 365.25)
    return on - timedelta(days=int(days))


def _at(day: date, rng: random.Random, start_hour: int = 7, end_hour: int = 16) -> datetime:
    minutes = rng.randrange(start_hour * 60, end_hour * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60, rng.randrange(60)), WIB)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _phone(rng: random.Random) -> str:
    return "08" + rng.choice(("12", "13", "21", "22", "52", "53", "57", "77", "78", "81", "95")) + "".join(
        str(rng.randrange(10)) for _ in range(rng.choice((7, 8)))
    )


# --- households --------------------------------------------------------------------------


def _dusun_of(placed, rng: random.Random, np_rng: np.random.Generator) -> tuple[list[str], list[int]]:
    """Hamlet and RW by position: each village has 3-5 hamlets, the nearest centre wins."""
    dusun = [""] * len(placed.x)
    rw = [1] * len(placed.x)
    for code in sorted(set(placed.village_code)):
        idx = np.flatnonzero(placed.village_code == code)
        k = min(len(idx), rng.randint(3, 5))
        centres = idx[np_rng.choice(len(idx), k, replace=False)]
        d = (placed.x[idx, None] - placed.x[None, centres]) ** 2 + (placed.y[idx, None] - placed.y[None, centres]) ** 2
        nearest = d.argmin(axis=1)
        hamlets = ["Krajan"] + rng.sample([h for h in N.DUSUN if h != "Krajan"], k - 1)
        for i, j in zip(idx, nearest):
            dusun[i], rw[i] = hamlets[j], int(j) + 1
    return dusun, rw


def _members(rng: random.Random, on: date, kind: str, toddlers: int, risk: str | None,
             three_generations: bool) -> tuple[list[Member], int | None]:
    """Members of one household; returns them and the position of the pregnant woman."""

    def name(sex: str, young: bool = False) -> str:
        pool = (N.CHILD_MALE if sex == "male" else N.CHILD_FEMALE) if young else (N.MALE if sex == "male" else N.FEMALE)
        return rng.choice(pool)

    def jkn() -> str:
        return _pick(rng, (("pbi", 0.78), ("none", 0.12), ("non_pbi", 0.04), ("unknown", 0.06)))

    if kind == "lone_elderly":
        sex = "female" if rng.random() < 0.65 else "male"
        disability = _pick(rng, (("none", 0.55), ("physical", 0.25), ("visual", 0.1), ("bedridden", 0.06), ("hearing_speech", 0.04)))
        head = Member(("Mbah " if rng.random() < 0.6 else "") + name(sex), sex, _age_dob(rng, on, 61, 92), "head",
                      lives_alone=True, disability=disability, jkn=jkn())
        return [head], None

    members: list[Member] = []
    pregnant_at: int | None = None
    if kind == "pregnant" and three_generations:
        head = Member(name("male"), "male", _age_dob(rng, on, 45, 66), "head", jkn=jkn())
        members += [head, Member(name("female"), "female", _age_dob(rng, on, 42, 60), "spouse", jkn=jkn())]
        husband = Member(name("male"), "male", _age_dob(rng, on, 20, 34), "child", jkn=jkn())
        members.append(husband)
        relation = "child_in_law"
    elif kind == "pregnant":
        members.append(Member(name("male"), "male", _age_dob(rng, on, 20, 44), "head", jkn=jkn()))
        relation = "spouse"
    else:
        old = rng.random() < 0.3
        sex = "male" if rng.random() < 0.82 else "female"
        members.append(Member(name(sex), sex, _age_dob(rng, on, 55 if old else 22, 80 if old else 58), "head", jkn=jkn(),
                              disability="physical" if old and rng.random() < 0.15 else "none"))
        if sex == "male" and rng.random() < 0.85:
            members.append(Member(name("female"), "female", _age_dob(rng, on, 20 if not old else 50, 55 if not old else 75),
                                  "spouse", jkn=jkn()))
        relation = None
    if relation is not None:
        young, old = (15.5, 19.8) if risk == "age_young" else (36.2, 42.8) if risk == "age_old" else (20.2, 34.8)
        members.append(Member(name("female"), "female", _age_dob(rng, on, young, old), relation, pregnant=True, jkn=jkn()))
        pregnant_at = len(members) - 1
    # older children (never under five: the under-fives are counted exactly)
    head_age = form_age(members[0].dob, on)
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3)) if head_age < 55 else rng.choice((0, 0, 1))):
        sex = "male" if rng.random() < 0.5 else "female"
        top = max(6.5, min(head_age - 17, 30))
        members.append(Member(name(sex, young=True), sex, _age_dob(rng, on, 6.2, top), "child", jkn=jkn()))
    for _ in range(toddlers):
        sex = "male" if rng.random() < 0.5 else "female"
        members.append(Member(name(sex, young=True), sex, _age_dob(rng, on, 0.1, 4.8),
                              "grandchild" if head_age >= 45 else "child", jkn=jkn()))
    if kind != "pregnant" and rng.random() < 0.12:
        sex = "female" if rng.random() < 0.7 else "male"
        members.append(Member("Mbah " + name(sex), sex, _age_dob(rng, on, 65, 88), "parent",
                              disability="physical" if rng.random() < 0.3 else "none", jkn=jkn()))
    return members, pregnant_at


# --- pregnancies and ANC -------------------------------------------------------------------

# Gestational days of the visits of a pregnancy cared for to the Permenkes 21/2021 standard:
# 2 in T1 (to day 84), 1 in T2 (to day 168), 3 in T3.
def _schedule(rng: random.Random) -> list[int]:
    return [rng.randint(40, 58), rng.randint(66, 83), rng.randint(112, 160),
            rng.randint(180, 205), rng.randint(218, 240), rng.randint(250, 266)]


CATEGORIES_ENDED = (("complete", 11), ("late_booking", 3), ("missing_t3", 3), ("missing_10t", 4), ("no_doctor", 3))
CATEGORIES_ONGOING = (("complete", 15), ("late_booking", 5), ("missing_10t", 5), ("no_doctor", 3), ("overdue", 10))
RISKS = ("kek", "anaemia", "hypertension", "age_young", "age_old", "parity")


def _plan_pregnancies(rng: random.Random, now: date) -> list[dict]:
    plans = []
    for category, count in CATEGORIES_ENDED:
        for _ in range(count):
            # expected delivery 2 to 24 weeks ago, so the year's SPM has a denominator
            plans.append({"category": category, "ended": True, "hpht": now - timedelta(days=rng.randint(294, 448))})
    for category, count in CATEGORIES_ONGOING:
        for _ in range(count):
            low = {"overdue": 140, "late_booking": 175}.get(category, 50)
            plans.append({"category": category, "ended": False, "hpht": now - timedelta(days=rng.randint(low, 270))})
    rng.shuffle(plans)
    risky = set(rng.sample(range(len(plans)), 15))
    for i, plan in enumerate(plans):
        plan["risk"] = RISKS[i % len(RISKS)] if i in risky else None
    return plans


def _visit_days(rng: random.Random, plan: dict, now: date) -> list[int]:
    """Gestational days of the visits a pregnancy of this category gets (before "now" is cut)."""
    days = _schedule(rng)
    if plan["category"] == "late_booking":
        days = days[2:]
    elif plan["category"] == "missing_t3":
        days.pop(rng.choice((4, 5)))
    elif plan["category"] == "overdue":
        days = [d for d in days if d <= (now - plan["hpht"]).days - rng.randint(45, 70)] or days[:1]
    return days


def _anc_visits(rng: random.Random, ids: Ids, plan: dict, n: int, now: date, registered_on: date) -> list[AncVisit]:
    hpht, category, risk, days = plan["hpht"], plan["category"], plan["risk"], plan["days"]
    doctor_at = {0, 3}
    if category == "no_doctor":
        doctor_at = {0}
    elif category == "late_booking":
        doctor_at = {1}
    gap_visits = set(rng.sample(range(len(days)), min(2, len(days)))) if category == "missing_10t" else set()
    end = min(hpht + timedelta(days=275), now - timedelta(days=1))
    visits: list[AncVisit] = []
    tt = rng.choice(("tt1", "tt2", "tt2", "tt3", "tt4", "tt5"))
    base_weight = rng.uniform(42, 66)
    for k, gd in enumerate(days):
        day = plan["first_day"] if k == 0 else max(hpht + timedelta(days=gd), registered_on)
        if day > end or (visits and day <= visits[-1].visit_date):
            continue
        first = not visits
        if first and not plan["hpht_known"]:
            # the form dates the pregnancy from the whole weeks the bidan enters
            hpht = day - timedelta(days=round((day - hpht).days / 7) * 7)
        ga = (day - hpht).days
        weeks = ga // 7
        gap = len(visits) in gap_visits
        gap_kind = rng.choice(("iron", "tt", "lab")) if gap else None
        tested = first or (k == 3) or (ga > 168 and not any(v.hb_g_dl for v in visits if (v.visit_date - hpht).days > 168))
        if gap_kind == "lab":
            tested = False
        hb = None
        if tested:
            hb = round(rng.uniform(9.0, 10.8), 1) if risk == "anaemia" else round(rng.uniform(11.2, 13.4), 1)
        hyper = risk == "hypertension" and ga > 140
        systolic = rng.randint(140, 162) if hyper else rng.randint(98, 128)
        diastolic = rng.randint(90, 102) if hyper else rng.randint(60, min(84, systolic - 20))
        lila = round(rng.uniform(21.0, 23.3), 1) if risk == "kek" else round(rng.uniform(23.6, 28.5), 1)
        status = "unknown" if gap_kind == "tt" else tt
        high = risk is not None and (risk not in ("anaemia", "hypertension") or hb is not None or hyper)
        referral = "hospital" if hyper else "puskesmas" if (risk == "anaemia" and hb is not None and rng.random() < 0.5) else "none"
        case = "referred" if referral != "none" else "treated" if (risk in ("kek", "anaemia") and high) else "none_needed"
        notes = {"referred": "dirujuk untuk pemeriksaan lanjut", "treated": "PMT ibu hamil dan tablet tambah darah"}.get(case, "")
        interval = 14 if ga > 168 else 28
        visits.append(AncVisit(
            instance_id=ids.instance("anc", f"{n}:{k}"),
            started=_at(day, rng, 8, 13),
            first=first,
            examined_by="doctor" if k in doctor_at else "bidan",
            usg=k in doctor_at,
            weight_kg=round(base_weight + ga / 7 * 0.35 + rng.uniform(-0.5, 0.5), 1),
            height_cm=round(rng.uniform(145, 163), 1) if first else None,
            systolic=systolic,
            diastolic=diastolic,
            lila_cm=lila,
            fundal_height_cm=float(max(5, min(40, weeks - rng.randint(0, 3)))) if weeks >= 12 else None,
            presentation=("cephalic" if rng.random() < 0.9 else "breech") if weeks >= 32 else "not_determined" if weeks >= 12 else None,
            fetal_heart_rate=rng.randint(124, 158) if weeks >= 16 else None,
            tt_status=status,
            tt_given=status not in ("tt5", "unknown") and first,
            iron_tablets=0 if gap_kind == "iron" else 30,
            hb_g_dl=hb,
            urine_protein=("negative" if tested else "not_done"),
            hiv=("non_reactive" if first and gap_kind != "lab" else "done_before" if gap_kind != "lab" else "not_done"),
            syphilis=("non_reactive" if first and gap_kind != "lab" else "done_before" if gap_kind != "lab" else "not_done"),
            hepatitis_b=("non_reactive" if first and gap_kind != "lab" else "done_before" if gap_kind != "lab" else "not_done"),
            case_management=case,
            case_notes=notes,
            counselling=" ".join(sorted(rng.sample(("nutrition", "danger_signs", "birth_plan", "breastfeeding",
                                                    "family_planning", "iron", "hygiene", "kia_book"), rng.randint(2, 4)))),
            referral=referral,
            next_visit=day + timedelta(days=interval),
            ga_weeks_entered=(ga // 7 if first and not plan["hpht_known"] else None),
        ))
    return visits


# --- the whole programme ---------------------------------------------------------------------


def generate(seed: int = DEFAULT_SEED, now: datetime | None = None) -> Programme:
    """The programme for ``seed`` as of ``now`` (aware; default: this minute in WIB)."""
    now = (now or datetime.now(WIB)).astimezone(WIB).replace(second=0, microsecond=0)
    today = now.date()
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    ids = Ids(seed, now)

    households = HOUSEHOLDS
    placed = place_households(households, np_rng)
    dusun, rw = _dusun_of(placed, rng, np_rng)

    order = list(range(households))
    rng.shuffle(order)
    lone = set(order[:LONE_ELDERLY])
    pregnant_hh = order[LONE_ELDERLY:LONE_ELDERLY + PREGNANT_WOMEN]
    others = order[LONE_ELDERLY + PREGNANT_WOMEN:]
    toddlers = {i: 0 for i in range(households)}
    remaining = UNDER_FIVES
    for i in pregnant_hh:
        if remaining and rng.random() < 0.35:
            toddlers[i] += 1
            remaining -= 1
    twos = remaining // 6  # some households have two under-fives
    pool = rng.sample([i for i in others if i not in lone], remaining - twos)
    for k, i in enumerate(pool):
        toddlers[i] += 2 if k < twos else 1
    assert sum(toddlers.values()) == UNDER_FIVES

    plans = dict(zip(pregnant_hh, _plan_pregnancies(rng, today)))
    for plan in plans.values():
        plan["hpht_known"] = rng.random() < 0.85
        plan["days"] = _visit_days(rng, plan, today)
        plan["first_day"] = min(plan["hpht"] + timedelta(days=plan["days"][0]), today - timedelta(days=1))

    reg_start = today - timedelta(days=REGISTRATION_DAYS)
    sticker_no = 0
    result: list[Household] = []
    for i in range(households):
        plan = plans.get(i)
        if plan is not None:
            # registered while pregnant, shortly before her first ANC visit
            reg_day = max(reg_start, min(plan["hpht"] + timedelta(days=35), plan["first_day"]),
                          plan["first_day"] - timedelta(days=rng.randint(1, 10)))
            reg_day = min(reg_day, plan["first_day"] - timedelta(days=1))
        else:
            reg_day = reg_start + timedelta(days=int(rng.betavariate(0.9, 1.8) * (REGISTRATION_DAYS - 3)))
        started = _at(reg_day, rng, 7, 16)
        kind = "lone_elderly" if i in lone else "pregnant" if plan else "other"
        members, _ = _members(rng, reg_day, kind, toddlers[i], plan["risk"] if plan else None,
                              three_generations=bool(plan) and rng.random() < 0.25)
        if plan is not None:
            plan["member"] = next(k for k, m in enumerate(members) if m.pregnant)
            plan["registered_on"] = reg_day
        user, device = TEAM_USERS[i % len(TEAM_USERS)]
        installed = rng.random() < 0.9
        if installed:
            sticker_no += 1
        area = placed.area_class[i]
        accuracy = round(rng.uniform(21, 48), 1) if rng.random() < 0.02 else round(min(19.5, rng.gammavariate(2.2, 2.6) + 2), 1)
        result.append(Household(
            index=i,
            instance_id=ids.instance("household", i),
            entity_id=ids("household", i),
            started=started,
            finished=started + timedelta(minutes=rng.randint(6, 18), seconds=rng.randrange(60)),
            user=user,
            device=device,
            area_class=area,
            village_code=placed.village_code[i],
            village_name=placed.village_name[i],
            dusun=dusun[i],
            rt=rng.randint(1, 8),
            rw=rw[i],
            address=rng.choice(N.LANDMARKS[area]),
            latitude=round(float(placed.latitude[i]), 7),
            longitude=round(float(placed.longitude[i]), 7),
            altitude=round(rng.uniform(95, 240), 1),
            accuracy=accuracy,
            head_name=members[0].name,
            head_nik="3510" + "".join(str(rng.randrange(10)) for _ in range(12)) if rng.random() < 0.7 else "",
            phone=_phone(rng) if rng.random() < 0.55 else "",
            poverty="dtks" if rng.random() < 0.76 else "poor_unregistered",
            members=members,
            sticker_serial=f"SMP-{sticker_no:04d}" if installed else None,
            sticker_reason=None if installed else _pick(rng, (("not_home", 0.4), ("out_of_stock", 0.35), ("refused", 0.15), ("other", 0.1))),
            kenthongan_installed=(rng.random() < 0.87) if i in lone else None,
            photo=f"{int(started.timestamp() * 1000) + 4321}.png" if installed else None,
        ))

    pregnancies = []
    for n, (i, plan) in enumerate(sorted(plans.items())):
        user, device = BIDAN_USERS[n % len(BIDAN_USERS)]
        gravida = rng.randint(5, 7) if plan["risk"] == "parity" else rng.randint(1, 3)
        abortus = 1 if gravida >= 3 and rng.random() < 0.2 else 0
        parity = max(4, gravida - 1 - abortus) if plan["risk"] == "parity" else gravida - 1 - abortus
        if parity + abortus >= gravida:
            abortus = 0
        preg = Pregnancy(entity_id=ids("pregnancy", n), household=i, member=plan["member"], hpht=plan["hpht"],
                         hpht_known=plan["hpht_known"], gravida=gravida, parity=parity, abortus=abortus,
                         category=plan["category"], risk=plan["risk"], user=user, device=device)
        preg.visits = _anc_visits(rng, ids, plan, n, today, plan["registered_on"])
        pregnancies.append(preg)

    requests, visits = _requests_and_visits(rng, ids, result, now)
    surveys = _surveys(rng, ids, result, today)
    steps = _followup_steps(rng, surveys, now)
    return Programme(seed=seed, now=now, households=result, pregnancies=pregnancies,
                     requests=requests, visits=visits, surveys=surveys, followup_steps=steps)


# --- visit requests and home visits ----------------------------------------------------------


def _patient(rng: random.Random, hh: Household, on: date) -> tuple[Member, str]:
    weights = []
    for m in hh.members:
        age = form_age(m.dob, on)
        weights.append(6 if age >= 60 else 3 if m.pregnant or age < 5 else 1)
    member = rng.choices(hh.members, weights)[0]
    age = form_age(member.dob, on)
    groups = []
    if age >= 60:
        groups.append("elderly_alone" if member.lives_alone else "elderly")
    if member.pregnant:
        groups.append("pregnant")
    if age < 5:
        groups.append("under_five")
    if member.disability != "none":
        groups.append("disabled")
    return member, " ".join(groups) or "none"


def _complaint(rng: random.Random, group: str) -> tuple[str, str]:
    kinds = rng.sample(("fever", "breathing", "pain", "weak", "diarrhoea", "chronic", "injury", "other"), rng.choice((1, 1, 2)))
    if "pregnant" in group and rng.random() < 0.6:
        kinds = ["pregnancy"]
    if rng.random() < 0.03:
        kinds = ["unconscious"]
    text = ", ".join(
        N.COMPLAINTS[k].format(d=rng.randint(1, 5), part=rng.choice(N.BODY_PARTS), preg=rng.choice(N.PREGNANCY_COMPLAINTS))
        for k in kinds
    )
    return " ".join(kinds), text[0].upper() + text[1:]


def _requests_and_visits(rng: random.Random, ids: Ids, households: list[Household], now: datetime
                         ) -> tuple[list[VisitRequest], list[HomeVisit]]:
    start = now - timedelta(days=REQUEST_DAYS)
    moments = sorted(
        start + timedelta(minutes=rng.randrange(0, (REQUEST_DAYS * 24 - 10) * 60)) for _ in range(REQUESTS - OPEN_REQUESTS)
    )
    # most reports come in the day; a night report is moved to a waking hour with odds 3:1
    fixed = []
    for m in moments:
        if m.hour < 6 or m.hour >= 21:
            if rng.random() < 0.75:
                m = m.replace(hour=rng.randint(6, 20))
        fixed.append(m)
    moments = sorted(fixed) + [now - timedelta(minutes=rng.randint(15, 300)) for _ in range(OPEN_REQUESTS)]
    requests: list[VisitRequest] = []
    visits: list[HomeVisit] = []
    by_day = sorted(households, key=lambda h: h.finished)
    finished = [h.finished for h in by_day]
    pull = [4 if h.kenthongan_installed is not None else 2 if any(m.pregnant for m in h.members) else 1 for h in by_day]
    for n, received in enumerate(moments):
        received = received.replace(second=0, microsecond=0)
        registered = bisect.bisect_right(finished, received)  # households registered before the report
        known = registered > 0 and rng.random() < 0.9
        if known:
            hh = rng.choices(by_day[:registered], pull[:registered])[0]
            member, group = _patient(rng, hh, received.date())
            patient_name, sex, age = member.name, member.sex, form_age(member.dob, received.date())
            village_code, village_name, dusun, rt, rw, address = hh.village_code, hh.village_name, hh.dusun, hh.rt, hh.rw, hh.address
        else:
            hh = None
            other = rng.choice(households)
            sex = "female" if rng.random() < 0.55 else "male"
            age = rng.randint(55, 90) if rng.random() < 0.6 else rng.randint(1, 54)
            patient_name = ("Mbah " if age >= 60 else "") + rng.choice(N.FEMALE if sex == "female" else N.MALE)
            group = ("elderly" if age >= 60 else "under_five" if age < 5 else "none")
            village_code, village_name, dusun = other.village_code, other.village_name, other.dusun
            rt, rw, address = rng.randint(1, 9), rng.randint(1, 5), rng.choice(N.LANDMARKS["settlement"])
        channel = _pick(rng, (("sticker_call", 0.34), ("sticker_whatsapp", 0.24), ("rapi_radio", 0.08),
                              ("other_phone", 0.12), ("in_person", 0.1), ("field", 0.12)))
        if hh is None and channel.startswith("sticker"):
            channel = "other_phone"
        sticker_channel = channel.startswith("sticker")
        serial_read = (hh is not None and hh.sticker_serial is not None and rng.random() < 0.7) if sticker_channel else None
        reporter_type = ("rapi" if channel == "rapi_radio" else
                         _pick(rng, (("family", 0.35), ("neighbour", 0.25), ("kader", 0.15), ("village_official", 0.1),
                                     ("patient", 0.08), ("bidan", 0.07))))
        reporter_sex = "female" if rng.random() < 0.5 else "male"
        kinds, text = _complaint(rng, group)
        urgency = "emergency" if "unconscious" in kinds else _pick(rng, (("emergency", 0.12), ("urgent", 0.5), ("routine", 0.38)))
        is_open = n >= len(moments) - OPEN_REQUESTS
        outcome = "open" if is_open else _pick(rng, RESPONSE_MIX)
        user, device = TEAM_USERS[n % len(TEAM_USERS)]
        requests.append(VisitRequest(
            index=n,
            instance_id=ids.instance("request", n),
            entity_id=ids("request", n),
            received_at=received,
            started=received + timedelta(minutes=rng.randint(1, 6), seconds=rng.randrange(60)),
            user=user, device=device,
            reporter_type=reporter_type, channel=channel, serial_read=serial_read,
            reporter_name=(patient_name if reporter_type == "patient" else
                           ("Pak " if reporter_sex == "male" else "Bu ") + rng.choice(N.MALE if reporter_sex == "male" else N.FEMALE)),
            reporter_phone=_phone(rng) if channel in ("sticker_call", "sticker_whatsapp", "other_phone") or rng.random() < 0.3 else "",
            household=hh.index if hh else None,
            village_code=village_code, village_name=village_name, dusun=dusun, rt=rt, rw=rw, address=address,
            patient_name=patient_name, patient_sex=sex, patient_age=age, patient_group=group,
            complaint_kind=kinds, complaint_text=text, urgency=urgency, outcome=outcome,
        ))
        if not is_open:
            visits.append(_home_visit(rng, ids, n, received, outcome, group, now))
    # a few patients the team found in the field, with no request on the phone's list
    for k in range(5):
        day = (now - timedelta(days=rng.randint(10, 300))).date()
        received = _at(day, rng, 8, 14).replace(second=0)
        visit = _home_visit(rng, ids, f"field-{k}", received, "on_time", "elderly", now)
        visit.request = None
        visit.received_at_manual = received
        visit.patient_name_manual = "Mbah " + rng.choice(N.FEMALE + N.MALE)
        visits.append(visit)
    visits.sort(key=lambda v: v.arrived_at)
    return requests, visits


def _home_visit(rng: random.Random, ids: Ids, n: int | str, received: datetime, outcome: str, group: str,
                now: datetime) -> HomeVisit:
    total = {"on_time": rng.randint(25, 118), "late": rng.randint(122, 238), "breach": rng.randint(245, 420)}[outcome]
    travel = rng.randint(12, min(55, total - 5))
    departed = received + timedelta(minutes=total - travel)
    arrived = received + timedelta(minutes=total)
    if arrived > now - timedelta(minutes=5):  # never in the future of "now"
        shift = arrived - (now - timedelta(minutes=5))
        departed, arrived = departed - shift, arrived - shift
    diagnosis, icd10, medicines = rng.choice(N.DIAGNOSES)
    hypertensive = icd10.startswith("I") or ("elderly" in group and rng.random() < 0.35)
    systolic = rng.randint(142, 185) if hypertensive else rng.randint(100, 135)
    diastolic = rng.randint(88, 105) if hypertensive else rng.randint(62, min(86, systolic - 25))
    sugar = rng.random() < 0.5 or icd10.startswith("E11")
    sugar_value = rng.randint(210, 380) if icd10.startswith("E11") else rng.randint(80, 180)
    referral = _pick(rng, (("none", 0.8), ("puskesmas", 0.12), ("hospital", 0.08)))
    transport = ("pickup" if rng.random() < 0.5 else "both") if referral != "none" else (
        "dropoff" if ("elderly" in group or "pregnant" in group) and rng.random() < 0.1 else "none")
    owed = outcome in ("late", "breach")
    user, device = rng.choice(TEAM_USERS)
    finished = arrived + timedelta(minutes=rng.randint(20, 55), seconds=rng.randrange(60))
    return HomeVisit(
        instance_id=ids.instance("visit", n),
        request=n if isinstance(n, int) else None,
        received_at_manual=None,
        patient_name_manual=None,
        departed_at=departed,
        arrived_at=arrived,
        finished=min(finished, now),
        user=user,
        device=device,
        doctor=rng.choice(N.DOCTORS),
        driver=rng.choice(N.DRIVERS),
        systolic=systolic,
        diastolic=diastolic,
        temperature=round(rng.uniform(38.0, 39.4) if "fever" in diagnosis.lower() or icd10[0] in "JA" else rng.uniform(36.0, 37.4), 1),
        pulse=rng.randint(64, 110),
        respiration=rng.randint(16, 28),
        blood_sugar_kind=rng.choice(("random", "random", "fasting")) if sugar else None,
        blood_sugar=sugar_value if sugar else None,
        diagnosis=diagnosis,
        icd10=icd10 if rng.random() < 0.85 else "",
        treatment=rng.choice(N.TREATMENTS),
        medicines=medicines,
        medicines_other="betahistin" if "other" in medicines.split() else None,
        referral=referral,
        ambulance_called=(rng.random() < 0.6) if referral != "none" else None,
        transport=transport,
        compensation_given=(rng.random() < COMPENSATION_HANDED[outcome]) if owed else None,
    )


# --- house-condition surveys ----------------------------------------------------------------


def _house(rng: random.Random, profile: str) -> dict[str, str]:
    """House answers of one profile; the form's rule decides, we only aim at it."""
    for _ in range(200):
        answers = {
            "floor": _pick(rng, (("earth", 0.25), ("wood", 0.15), ("cement", 0.45), ("tile", 0.15))),
            "wall": _pick(rng, (("bamboo", 0.25), ("wood_poor", 0.1), ("wood_good", 0.15), ("brick_unplastered", 0.25), ("brick_plastered", 0.25))),
            "roof": _pick(rng, (("tile", 0.6), ("metal", 0.2), ("thatch", 0.05), ("leaking", 0.15))),
            "ventilation": _pick(rng, (("adequate", 0.55), ("inadequate", 0.4), ("none", 0.05))),
            "lighting": _pick(rng, (("adequate", 0.6), ("inadequate", 0.37), ("none", 0.03))),
            "windows": _pick(rng, (("opened_daily", 0.6), ("never_opened", 0.25), ("none", 0.15))),
            "latrine": "none" if profile == "no_latrine" else _pick(rng, (("own", 0.7), ("shared", 0.3))),
            "water_source": _pick(rng, (("protected_well", 0.45), ("borehole", 0.2), ("piped", 0.1), ("protected_spring", 0.08),
                                        ("unprotected_well", 0.1), ("river", 0.04), ("unprotected_spring", 0.03))),
            "waste": _pick(rng, (("burned", 0.5), ("buried", 0.2), ("collected", 0.1), ("dumped", 0.2))),
        }
        unhealthy = house_findings(answers, nutrition=False)["unhealthy_house"] == "yes"
        if unhealthy == (profile != "healthy"):
            return answers
    raise RuntimeError(f"no house answers found for the profile {profile}")


def _surveys(rng: random.Random, ids: Ids, households: list[Household], today: date) -> list[HouseSurvey]:
    weights = [3 if h.area_class != "settlement" else 1 for h in households]
    chosen: list[Household] = []
    seen: set[int] = set()
    while len(chosen) < SURVEYS:
        h = rng.choices(households, weights)[0]
        if h.index not in seen and h.registered_on < today - timedelta(days=3):
            seen.add(h.index)
            chosen.append(h)
    profiles = ["no_latrine"] * NO_LATRINE + ["unhealthy"] * UNHEALTHY_WITH_LATRINE
    profiles += ["healthy"] * (SURVEYS - len(profiles))
    rng.shuffle(profiles)
    nutrition = set(rng.sample(range(SURVEYS), NUTRITION))
    surveys = []
    for n, (hh, profile) in enumerate(zip(chosen, profiles)):
        day = min(hh.registered_on + timedelta(days=rng.randint(3, 90)), today - timedelta(days=1))
        user, device = TEAM_USERS[n % len(TEAM_USERS)]
        concern = n in nutrition
        kinds = []
        if concern:
            ages = [form_age(m.dob, day) for m in hh.members]
            if any(a >= 60 for a in ages):
                kinds.append("elderly_not_eating")
            if any(a < 5 for a in ages):
                kinds.append(rng.choice(("underweight_child", "stunting")))
            if any(m.pregnant for m in hh.members) and rng.random() < 0.5:
                kinds.append("pregnant_kek")
            if not kinds or rng.random() < 0.3:
                kinds.append("no_food")
        surveys.append(HouseSurvey(
            instance_id=ids.instance("survey", n), household=hh.index, started=_at(day, rng, 8, 15),
            user=user, device=device, **_house(rng, profile), nutrition_concern=concern,
            nutrition_kind=" ".join(kinds), notes=rng.choice(("", "", "atap perlu diganti", "dinding bambu lapuk", "air sumur keruh")),
            profile=profile,
        ))
    surveys.sort(key=lambda s: s.started)
    return surveys


# --- follow-ups of the findings ---------------------------------------------------------------

# Outcomes the programme recorded (DOMAIN.md) and how long each kind takes, in days from the
# finding: (reported after, coordinated after, resolved after). A renovation waits for the
# village budget or BAZNAS; food delivery (rantang kasih) starts within days.
OUTCOME_TARGETS = {"unhealthy_house": ("renovated", 63), "no_latrine": ("latrine_built", 23), "nutrition": ("food_aid", 69)}
STEP_DAYS = {"unhealthy_house": ((1, 7), (7, 30), (30, 110)), "no_latrine": ((1, 7), (7, 30), (20, 80)),
             "nutrition": ((0, 3), (1, 7), (2, 14))}
STEP_NOTES = {
    "reported": "dilaporkan ke Kepala Puskesmas",
    "coordinated": ("dikoordinasikan dengan pemerintah desa", "dikoordinasikan dengan BAZNAS", "diajukan ke dinas sosial"),
    "resolved": {"renovated": "bedah rumah selesai", "latrine_built": "jamban sehat terpasang",
                 "food_aid": "rantang kasih dikirim rutin"},
}


def _followup_steps(rng: random.Random, surveys: list[HouseSurvey], now: datetime) -> list[FollowUpStep]:
    """Planner steps on the findings: the recorded outcomes on the oldest findings, the
    newer ones part way, the newest still waiting."""
    found: dict[str, list[int]] = {kind: [] for kind in OUTCOME_TARGETS}
    for n, survey in enumerate(surveys):
        reasons = house_findings({k: getattr(survey, k) for k in ("floor", "wall", "roof", "ventilation", "lighting",
                                                                   "windows", "latrine", "water_source", "waste")},
                                 survey.nutrition_concern)["followup_reasons"].split()
        for kind in reasons:
            found[kind].append(n)
    steps: list[FollowUpStep] = []
    for kind, (outcome, target) in OUTCOME_TARGETS.items():
        resolved = 0
        for n in found[kind]:  # surveys are in date order: the oldest findings first
            at = datetime.combine(surveys[n].survey_date, time(9), WIB)
            plan = []
            for state, (low, high) in zip(("reported", "coordinated", "resolved"), STEP_DAYS[kind]):
                at = at + timedelta(days=rng.randint(low, high), hours=rng.randint(0, 6))
                plan.append((state, at))
            want = 3 if resolved < target else rng.choice((0, 1, 1, 2, 2))
            for state, at in plan[:want]:
                if at >= now:
                    break
                is_resolved = state == "resolved"
                note = STEP_NOTES[state] if state == "reported" else (
                    rng.choice(STEP_NOTES["coordinated"]) if state == "coordinated" else STEP_NOTES["resolved"][outcome])
                steps.append(FollowUpStep(n, kind, state, at, outcome if is_resolved else None, note))
                resolved += is_resolved
    steps.sort(key=lambda st: st.at)
    return steps
