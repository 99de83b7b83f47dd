"""Coordinates for the small SVG charts the pages draw: pure arithmetic, no web or database."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 28, 10, 10, 22


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    label: str  # what the point's tooltip says, e.g. "12 min: 7"


@dataclass(frozen=True)
class Tick:
    at: float  # x or y in chart coordinates
    label: str
    anchor: str = "middle"  # SVG text-anchor: the outermost dates lean inwards so they are not clipped


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[Point, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _nice_step(span: float, most: int = 6) -> int:
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120):
        if span / step <= most:
            return step
    return math.ceil(span / most)


def _y(value: float, top_value: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * (value / top_value if top_value else 0)


def distress_curve(marks: list[tuple[float, int]], minutes: float | None = None,
                   describe: Callable[[float, int], str] = lambda m, level: f"{m:.0f} min: {level}") -> Chart:
    """marks: (minutes since the call started, distress 0-10). The x axis runs to `minutes` or the last mark;
    `describe` words each point's tooltip in the reader's language."""
    span = max([minutes or 0.0, *(m for m, _level in marks), 1.0])
    plot = WIDTH - LEFT - RIGHT

    def x(minute: float) -> float:
        return LEFT + plot * minute / span

    points = tuple(Point(x(m), _y(level, 10), level, describe(m, level)) for m, level in marks)
    step = _nice_step(span)
    x_ticks = tuple(Tick(x(m), str(m)) for m in range(0, int(span) + 1, step))
    y_ticks = tuple(Tick(_y(v, 10), str(v)) for v in (0, 5, 10))
    return Chart(WIDTH, HEIGHT, points, x_ticks, y_ticks)


def score_trend(scores: list[tuple[str, int]], max_total: int) -> Chart:
    """scores: (date label, total) oldest first, evenly spaced; y from 0 to the instrument's maximum."""
    plot = WIDTH - LEFT - RIGHT
    count = len(scores)

    def x(i: int) -> float:
        return LEFT + (plot * i / (count - 1) if count > 1 else plot / 2)

    points = tuple(Point(x(i), _y(total, max_total), total, f"{day}: {total}")
                   for i, (day, total) in enumerate(scores))
    # Label every date when they fit, else the first and the last.
    shown = range(count) if count <= 6 else (0, count - 1)
    def anchor(i: int) -> str:
        return "middle" if count == 1 else "start" if i == 0 else "end" if i == count - 1 else "middle"

    x_ticks = tuple(Tick(x(i), scores[i][0], anchor(i)) for i in shown)
    y_ticks = tuple(Tick(_y(v, max_total), str(v)) for v in (0, max_total // 2, max_total))
    return Chart(WIDTH, HEIGHT, points, x_ticks, y_ticks)
