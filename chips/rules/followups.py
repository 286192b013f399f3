"""House-condition follow-ups: from a finding to its outcome.

Source: DOMAIN.md "House conditions" and seeds 000/001: when the team finds an unhealthy
house (rumah tidak sehat), no latrine (jamban) or a nutrition need, it reports to the head
of the puskesmas, who coordinates with the village government, BAZNAS and others. Outcomes
recorded so far: houses renovated, latrines built, food delivery (rantang kasih), people
enrolled in state health insurance (JKN/PBI).

State machine (one step at a time, never backwards, never two steps at once):

    found → reported (to the head) → coordinated (with village/BAZNAS/…) → resolved

``resolved`` needs an outcome: renovated, latrine_built, food_aid or insurance_enrolment.
Every step records who and when; a step dated before the previous one is refused. The
house-condition form's ``followup_reasons`` (``unhealthy_house no_latrine nutrition``)
gives one finding per reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable

from chips.rules.clock import to_utc

FOUND = "found"
REPORTED = "reported"
COORDINATED = "coordinated"
RESOLVED = "resolved"
STATES: tuple[str, ...] = (FOUND, REPORTED, COORDINATED, RESOLVED)
NEXT_STATE = {FOUND: REPORTED, REPORTED: COORDINATED, COORDINATED: RESOLVED}

STATE_LABELS = {
    FOUND: ("Ditemukan", "Found"),
    REPORTED: ("Dilaporkan ke kepala puskesmas", "Reported to the head"),
    COORDINATED: ("Dikoordinasikan (desa, BAZNAS …)", "Coordinated (village, BAZNAS …)"),
    RESOLVED: ("Selesai", "Resolved"),
}

KINDS = {
    "unhealthy_house": ("Rumah tidak sehat", "Unhealthy house"),
    "no_latrine": ("Tidak ada jamban", "No latrine"),
    "nutrition": ("Kebutuhan gizi", "Nutrition need"),
}

OUTCOMES = {
    "renovated": ("Rumah direnovasi", "House renovated"),
    "latrine_built": ("Jamban dibangun", "Latrine built"),
    "food_aid": ("Bantuan makanan (rantang kasih)", "Food aid (rantang kasih)"),
    "insurance_enrolment": ("Didaftarkan JKN/PBI", "Enrolled in JKN/PBI insurance"),
}


class InvalidTransition(ValueError):
    """A follow-up was asked to move in a way the state machine does not allow."""


@dataclass(frozen=True)
class Step:
    state: str
    at: datetime  # aware UTC
    by: str
    note: str = ""


@dataclass(frozen=True)
class FollowUp:
    followup_id: str
    household_id: str
    village: str | None
    kind: str  # a key of KINDS
    history: tuple[Step, ...]  # oldest first; history[0] is the finding
    outcome: str | None = None  # a key of OUTCOMES, once resolved

    @property
    def state(self) -> str:
        return self.history[-1].state

    @property
    def found_at(self) -> datetime:
        return self.history[0].at

    @property
    def updated_at(self) -> datetime:
        return self.history[-1].at

    @property
    def is_open(self) -> bool:
        return self.state != RESOLVED


def open_followup(followup_id: str, household_id: str, village: str | None, kind: str, found_at: datetime, found_by: str, note: str = "") -> FollowUp:
    """A new follow-up in state ``found``."""
    if kind not in KINDS:
        raise InvalidTransition(f"unknown finding {kind!r}; known: {sorted(KINDS)}")
    return FollowUp(followup_id, household_id, village, kind, (Step(FOUND, to_utc(found_at), found_by, note),))


def advance(followup: FollowUp, to_state: str, at: datetime, by: str, outcome: str | None = None, note: str = "") -> FollowUp:
    """The follow-up one step further; raises :class:`InvalidTransition` otherwise."""
    if to_state not in STATES:
        raise InvalidTransition(f"unknown state {to_state!r}")
    expected = NEXT_STATE.get(followup.state)
    if expected is None:
        raise InvalidTransition(f"follow-up {followup.followup_id} is already resolved")
    if to_state != expected:
        raise InvalidTransition(f"follow-up {followup.followup_id} is {followup.state}: next is {expected}, not {to_state}")
    at = to_utc(at)
    if at < followup.updated_at:
        raise InvalidTransition(f"{to_state} at {at.isoformat()} is before the previous step ({followup.updated_at.isoformat()})")
    if not by:
        raise InvalidTransition("who made the step must be recorded")
    if to_state == RESOLVED:
        if outcome not in OUTCOMES:
            raise InvalidTransition(f"resolving needs an outcome: one of {sorted(OUTCOMES)}")
    elif outcome is not None:
        raise InvalidTransition("an outcome is only recorded when resolving")
    return replace(followup, history=followup.history + (Step(to_state, at, by, note),), outcome=outcome)


def allowed_next(followup: FollowUp) -> tuple[str, ...]:
    """What the board may offer as the next step (empty once resolved)."""
    nxt = NEXT_STATE.get(followup.state)
    return (nxt,) if nxt else ()


def kinds_from_form(followup_reasons: str) -> tuple[str, ...]:
    """The house-condition form's space-separated ``followup_reasons`` as finding kinds."""
    return tuple(k for k in followup_reasons.split() if k in KINDS)


def counts_by_village_state(followups: Iterable[FollowUp]) -> dict[tuple[str | None, str], int]:
    """(village, state) -> number of follow-ups."""
    return dict(Counter((f.village, f.state) for f in followups))


def outcome_counts(followups: Iterable[FollowUp]) -> dict[str, int]:
    """outcome -> number resolved with it (the 63 renovated / 23 latrines … of the seeds)."""
    return dict(Counter(f.outcome for f in followups if f.state == RESOLVED))
