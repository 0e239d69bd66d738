"""A referral's life as one declared state machine: which step may follow which, checked the
same way for a partner's batch, a step an investigator records and the demo generator.

A referral is the events recorded for it (``referral_events``), taken in the order they happened
(their day, then the steps' order below for steps of one day), never in the order they arrived.
Its *state* is the last milestone reached; ``follow_up_seizure`` is not a milestone: it may
happen any number of times while an investigation is under way and leaves the state as it was.
Every other step happens at most once.

``docs/DATA.md`` documents the same machine for people; ``tests/test_referral_lifecycle.py``
walks every allowed and every refused transition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

# In the order a case moves through them; same-day steps are taken in this order.
STEPS: tuple[str, ...] = (
    "referred",
    "accepted",
    "declined",
    "investigation_opened",
    "follow_up_seizure",
    "warrant",
    "arrest",
    "indictment",
    "prosecution",
    "conviction",
    "closed",
)
RANK = {step: i for i, step in enumerate(STEPS)}
REPEATABLE = frozenset({"follow_up_seizure"})
UNDER_INVESTIGATION = ("investigation_opened", "warrant", "arrest", "indictment")

# state (the last milestone) -> the steps that may come next. None: nothing recorded yet.
NEXT: dict[str | None, frozenset[str]] = {
    None: frozenset({"referred"}),
    "referred": frozenset({"accepted", "declined", "closed"}),
    "accepted": frozenset({"investigation_opened", "closed"}),
    "declined": frozenset({"closed"}),
    # an arrest may come without a warrant (a controlled delivery), and a sealed indictment
    # before the arrest; each still happens once
    "investigation_opened": frozenset(
        {"follow_up_seizure", "warrant", "arrest", "indictment", "closed"}
    ),
    "warrant": frozenset({"follow_up_seizure", "arrest", "indictment", "closed"}),
    "arrest": frozenset({"follow_up_seizure", "indictment", "prosecution", "closed"}),
    "indictment": frozenset({"follow_up_seizure", "arrest", "prosecution", "closed"}),
    "prosecution": frozenset({"conviction", "closed"}),
    "conviction": frozenset({"closed"}),
    "closed": frozenset(),
}
TERMINAL = frozenset({"closed"})
# A case is open until it is declined or closed: a declined one waits only for its closing.
DONE = frozenset({"declined", "closed"})

# What people read: names, never the codes.
LABELS = {
    "referred": "Referred",
    "accepted": "Accepted",
    "declined": "Declined",
    "investigation_opened": "Investigation opened",
    "follow_up_seizure": "Follow-up seizure",
    "warrant": "Warrant",
    "arrest": "Arrest",
    "indictment": "Indictment",
    "prosecution": "Prosecution",
    "conviction": "Conviction",
    "closed": "Closed",
}
# The funnel from a referral to a conviction (the seizure comes before it).
FUNNEL: tuple[str, ...] = (
    "referred",
    "accepted",
    "investigation_opened",
    "warrant",
    "arrest",
    "prosecution",
    "conviction",
)


@dataclass(frozen=True)
class Event:
    """One step of one referral, as far as the machine cares."""

    step: str
    on: date
    key: object = None  # the caller's handle on the event (a row number, an id)

    @property
    def order(self) -> tuple[int, int]:
        return (self.on.toordinal(), RANK.get(self.step, len(STEPS)))


def allowed_after(state: str | None, reached: Iterable[str] = ()) -> list[str]:
    """The steps that may be recorded next, in order (for a form's choices)."""
    done = set(reached)
    return [
        s for s in STEPS if s in NEXT.get(state, frozenset()) and (s in REPEATABLE or s not in done)
    ]


def state_of(events: Sequence[Event]) -> str | None:
    """The last milestone of a valid timeline (follow-up seizures do not move it)."""
    state = None
    for event in sorted(events, key=lambda e: e.order):
        if event.step not in REPEATABLE:
            state = event.step
    return state


def _refusal(step: str, state: str | None, reached: set[str]) -> str | None:
    """Why ``step`` may not follow ``state`` (None: it may)."""
    if step not in RANK:
        return f"step: {step!r} is not a known step"
    if state is None:
        return None if step == "referred" else f"step: {LABELS[step].lower()} before the referral"
    if state in TERMINAL:
        return f"step: {LABELS[step].lower()} after the case was closed"
    if step in reached and step not in REPEATABLE:
        return f"step: {LABELS[step].lower()} already recorded"
    if step not in NEXT[state]:
        return f"step: {LABELS[step].lower()} may not follow {LABELS[state].lower()}"
    return None


def first_break(events: Sequence[Event]) -> tuple[int, str] | None:
    """Walk a timeline in the order its events happened: (index in that order, reason) of the
    first event the machine refuses, or None when every step may follow the one before."""
    state: str | None = None
    reached: set[str] = set()
    for i, event in enumerate(sorted(events, key=lambda e: e.order)):
        reason = _refusal(event.step, state, reached)
        if reason is not None:
            return i, reason
        reached.add(event.step)
        if event.step not in REPEATABLE:
            state = event.step
    return None


def admit(history: Sequence[Event], candidates: Sequence[Event]) -> dict[object, str]:
    """Which of ``candidates`` may join ``history`` (the steps already accepted), taken in the
    order they happened: each is tried in turn, and kept when the timeline with it still walks.

    Returns the refused candidates' keys with their reasons. A candidate dated before a step
    already recorded is placed where its date puts it: it is refused only if the timeline no
    longer walks (an arrest dated before the warrant that must precede it in this case, a
    closing dated before a later arrest).
    """
    timeline = list(history)
    refused: dict[object, str] = {}
    for candidate in sorted(candidates, key=lambda e: e.order):
        trial = sorted([*timeline, candidate], key=lambda e: e.order)
        broken = first_break(trial)
        if broken is None:
            timeline = trial
            continue
        index, reason = broken
        culprit = trial[index]
        if culprit is not candidate:  # a step already recorded no longer fits after it
            reason = (
                f"occurred_on: {LABELS.get(candidate.step, candidate.step).lower()} dated "
                f"{candidate.on.isoformat()} does not fit before the "
                f"{LABELS[culprit.step].lower()} of {culprit.on.isoformat()}"
            )
        refused[candidate.key] = reason
    return refused
