"""Erlang C: how many counsellors a line needs for the calls it expects. Pure; no web or database.

With calls arriving at random (Poisson) at λ per hour and lasting h minutes on average, the offered
traffic is A = λ·h/60 erlangs. With N counsellors (N > A) the chance a caller has to wait is Erlang C,

    C(N, A) = N·B(N, A) / (N − A·(1 − B(N, A)))      where B is Erlang B, computed by its recursion
    B(0, A) = 1,  B(n, A) = A·B(n−1, A) / (n + A·B(n−1, A))

(the recursion never forms A^N or N!, so it stays exact for large lines), and the share answered within
t seconds is  SL = 1 − C(N, A)·exp(−(N − A)·t / (h·60)).
"""

from __future__ import annotations

import math

MAX_SEATS = 10_000


def _check(calls_per_hour: float, handle_minutes: float) -> None:
    if not math.isfinite(calls_per_hour) or calls_per_hour < 0:
        raise ValueError("calls_per_hour must be a finite number, zero or more")
    if not math.isfinite(handle_minutes) or handle_minutes <= 0:
        raise ValueError("handle_minutes must be a finite number above zero")


def traffic(calls_per_hour: float, handle_minutes: float) -> float:
    """Offered load in erlangs: how many counsellors would be busy on average."""
    _check(calls_per_hour, handle_minutes)
    return calls_per_hour * handle_minutes / 60.0


def erlang_b(seats: int, load: float) -> float:
    blocking = 1.0
    for n in range(1, seats + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(seats: int, load: float) -> float:
    """Probability that a caller waits, with `seats` counsellors and `load` erlangs (1.0 if overloaded)."""
    if load <= 0:
        return 0.0
    if seats <= load:
        return 1.0
    blocking = erlang_b(seats, load)
    return seats * blocking / (seats - load * (1 - blocking))


def service_level(seats: int, calls_per_hour: float, handle_minutes: float, within_seconds: float = 60) -> float:
    """Share of calls answered within `within_seconds` with `seats` counsellors."""
    load = traffic(calls_per_hour, handle_minutes)
    if load == 0:
        return 1.0
    if seats <= load:
        return 0.0
    waits = erlang_c(seats, load)
    return 1.0 - waits * math.exp(-(seats - load) * within_seconds / (handle_minutes * 60.0))


def average_wait_seconds(seats: int, calls_per_hour: float, handle_minutes: float) -> float:
    """Average speed of answer: C(N, A)·h / (N − A), in seconds (infinite when overloaded)."""
    load = traffic(calls_per_hour, handle_minutes)
    if load == 0:
        return 0.0
    if seats <= load:
        return math.inf
    return erlang_c(seats, load) * handle_minutes * 60.0 / (seats - load)


def seats_needed(calls_per_hour: float, handle_minutes: float, target_share: float = 0.8,
                 within_seconds: float = 60) -> int:
    """The fewest counsellors answering `target_share` of calls within `within_seconds` (0 with no calls)."""
    _check(calls_per_hour, handle_minutes)
    if not 0 < target_share < 1:
        raise ValueError("target_share must be between 0 and 1 (exclusive)")
    if not math.isfinite(within_seconds) or within_seconds < 0:
        raise ValueError("within_seconds must be zero or more")
    load = traffic(calls_per_hour, handle_minutes)
    if load == 0:
        return 0
    seats = math.floor(load) + 1
    while service_level(seats, calls_per_hour, handle_minutes, within_seconds) < target_share:
        seats += 1
        if seats > MAX_SEATS:
            raise ValueError(f"more than {MAX_SEATS} seats needed; check the figures")
    return seats
