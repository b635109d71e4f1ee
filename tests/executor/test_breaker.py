"""The circuit breaker on a fake clock: threshold, 30/60/120 s cool-downs, half-open probe."""

from __future__ import annotations

import pytest

from services.executor import BreakerState, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(3, (30.0, 60.0, 120.0), clock)


def _trip(breaker: CircuitBreaker) -> None:
    while not breaker.record_failure():
        pass


def test_three_consecutive_failures_open_it_and_successes_reset_the_count() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    assert not breaker.record_failure() and not breaker.record_failure()
    breaker.record_success()
    assert not breaker.record_failure() and not breaker.record_failure()
    assert breaker.state is BreakerState.CLOSED and breaker.allow()
    assert breaker.record_failure()
    assert breaker.state is BreakerState.OPEN and not breaker.allow()
    assert breaker.retry_in_s() == pytest.approx(30.0)
    assert breaker.trips == 1


def test_cooldowns_grow_30_60_120_and_stay_at_120() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _trip(breaker)
    for cooldown in (30.0, 60.0, 120.0, 120.0):
        assert breaker.retry_in_s() == pytest.approx(cooldown)
        clock.now += cooldown - 0.001
        assert breaker.state is BreakerState.OPEN and not breaker.allow()
        clock.now += 0.001
        assert breaker.state is BreakerState.HALF_OPEN
        assert breaker.allow()  # the one probe …
        assert not breaker.allow()  # … and nobody else
        assert breaker.record_failure()  # a failed probe re-opens at once, one level up
    assert breaker.trips == 5


def test_a_successful_probe_closes_it_and_resets_the_level() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _trip(breaker)
    clock.now += 30
    assert breaker.allow()
    assert breaker.record_failure()  # second trip: 60 s
    clock.now += 60
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED and breaker.allow() and breaker.allow()
    _trip(breaker)
    assert breaker.retry_in_s() == pytest.approx(30.0)  # back to the first cool-down


def test_a_probe_that_learnt_nothing_frees_the_slot() -> None:
    clock = FakeClock()
    breaker = _breaker(clock)
    _trip(breaker)
    clock.now += 30
    assert breaker.allow() and not breaker.allow()
    breaker.release()  # e.g. the low-balance preflight refused it locally
    assert breaker.state is BreakerState.HALF_OPEN and breaker.allow()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(0, (30.0,), FakeClock())
    with pytest.raises(ValueError):
        CircuitBreaker(3, (), FakeClock())
