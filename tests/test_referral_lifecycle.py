"""The referral state machine: every allowed and every refused transition, and how late or
out-of-order events are placed by their day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lake import referral_lifecycle as lifecycle
from lake.referral_lifecycle import NEXT, REPEATABLE, STEPS, Event, admit, first_break

DAY0 = date(2026, 1, 5)

# One way to reach each state (the steps in order); None is a referral with nothing recorded.
PATHS: dict[str | None, tuple[str, ...]] = {
    None: (),
    "referred": ("referred",),
    "accepted": ("referred", "accepted"),
    "declined": ("referred", "declined"),
    "investigation_opened": ("referred", "accepted", "investigation_opened"),
    "warrant": ("referred", "accepted", "investigation_opened", "warrant"),
    "arrest": ("referred", "accepted", "investigation_opened", "arrest"),
    "indictment": ("referred", "accepted", "investigation_opened", "indictment"),
    "prosecution": ("referred", "accepted", "investigation_opened", "arrest", "prosecution"),
    "conviction": (
        "referred",
        "accepted",
        "investigation_opened",
        "arrest",
        "prosecution",
        "conviction",
    ),
    "closed": ("referred", "closed"),
}


def _timeline(steps: tuple[str, ...]) -> list[Event]:
    return [Event(step, DAY0 + timedelta(days=i)) for i, step in enumerate(steps)]


def test_lif001_every_state_has_a_path_and_the_paths_walk():
    assert set(PATHS) == set(NEXT)
    for state, path in PATHS.items():
        assert first_break(_timeline(path)) is None, path
        assert lifecycle.state_of(_timeline(path)) == state


@pytest.mark.parametrize("state", list(NEXT), ids=lambda s: str(s))
@pytest.mark.parametrize("step", STEPS)
def test_lif002_each_step_after_each_state_is_allowed_exactly_when_declared(state, step):
    path = PATHS[state]
    history = _timeline(path)
    nxt = Event(step, DAY0 + timedelta(days=len(path)), key="new")
    refused = admit(history, [nxt])
    allowed = step in NEXT[state] and (step in REPEATABLE or step not in path)
    assert ("new" not in refused) == allowed, (state, step, refused)
    if not allowed:
        reason = refused["new"]
        assert reason.startswith("step: ")
        if state is None:
            assert "before the referral" in reason
        elif state == "closed":
            assert "after the case was closed" in reason


def test_lif003_allowed_after_offers_what_admit_accepts():
    for state, path in PATHS.items():
        offered = lifecycle.allowed_after(state, path)
        for step in STEPS:
            nxt = Event(step, DAY0 + timedelta(days=len(path)), key=step)
            assert (step in offered) == (step not in admit(_timeline(path), [nxt])), (state, step)


def test_lif004_a_milestone_happens_once_a_follow_up_seizure_many_times():
    path = PATHS["investigation_opened"]
    day = DAY0 + timedelta(days=10)
    steps = [Event("follow_up_seizure", day + timedelta(days=i), key=i) for i in range(3)]
    assert admit(_timeline(path), steps) == {}
    twice = [Event("warrant", day, key="a"), Event("warrant", day + timedelta(days=1), key="b")]
    assert admit(_timeline(path), twice) == {"b": "step: warrant already recorded"}


def test_lif005_a_batch_in_any_order_is_taken_in_the_order_things_happened():
    path = ("referred", "accepted", "investigation_opened", "warrant", "arrest")
    shuffled = list(reversed(_timeline(path)))
    keyed = [Event(e.step, e.on, key=i) for i, e in enumerate(shuffled)]
    assert admit([], keyed) == {}


def test_lif006_a_late_event_dated_between_recorded_steps_fits_where_its_day_puts_it():
    history = [
        Event("referred", DAY0),
        Event("accepted", DAY0 + timedelta(days=2)),
        Event("investigation_opened", DAY0 + timedelta(days=5)),
        Event("arrest", DAY0 + timedelta(days=40)),
    ]
    warrant = Event("warrant", DAY0 + timedelta(days=20), key="w")
    assert admit(history, [warrant]) == {}


def test_lif007_a_late_event_that_breaks_a_later_step_is_refused_with_both_days():
    history = [
        Event("referred", DAY0),
        Event("accepted", DAY0 + timedelta(days=2)),
        Event("investigation_opened", DAY0 + timedelta(days=5)),
        Event("arrest", DAY0 + timedelta(days=40)),
    ]
    closed = Event("closed", DAY0 + timedelta(days=30), key="c")
    reason = admit(history, [closed])["c"]
    assert reason.startswith("occurred_on: closed dated")
    assert (DAY0 + timedelta(days=40)).isoformat() in reason
    # a step dated before the referral itself would come first: before the referral
    early = Event("accepted", DAY0 - timedelta(days=1), key="e")
    assert admit(history, [early]) == {"e": "step: accepted before the referral"}


def test_lif008_nothing_follows_the_closing_and_nothing_precedes_the_referral():
    closed = _timeline(PATHS["closed"])
    later = Event("arrest", DAY0 + timedelta(days=9), key="x")
    assert admit(closed, [later]) == {"x": "step: arrest after the case was closed"}
    assert admit([], [Event("arrest", DAY0, key="y")]) == {"y": "step: arrest before the referral"}


def test_lif009_same_day_steps_follow_the_declared_order():
    same_day = [Event(s, DAY0, key=s) for s in ("arrest", "investigation_opened", "referred")]
    same_day.append(Event("accepted", DAY0, key="accepted"))
    assert admit([], same_day) == {}
