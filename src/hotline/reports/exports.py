"""De-identified CSV exports: no notes, no summaries, no caller or record identifiers, ages as bands,
times to the hour. Rows stream from the database in batches, so a year's export never sits in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, exists, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from hotline.calls.choices import label
from hotline.calls.models import Call
from hotline.i18n import _
from hotline.referrals.choices import KIND_LABELS, STATUS_LABELS
from hotline.referrals.models import Destination, FollowUp, FollowUpStatus, Referral
from hotline.reports import service
from hotline.reports.service import Period

BATCH = 2000  # rows read from the database at a time


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def call_header() -> list[str]:
    return [_("Date"), _("Hour"), _("Weekday"), _("Minutes"), _("Line"), _("Call type"), _("Non-data reason"),
            _("Caller group"), _("Age band"), _("Gender"), _("Language"), _("Concerns"), _("Interventions"),
            _("Risk level"), _("Counsellor changed the level"), _("Repeat caller"), _("Referral opened")]


def call_rows(*, engine: Engine, period: Period, tz: ZoneInfo) -> Iterator[list]:
    since, until = period.bounds(tz)
    # A repeat caller has another call on record: one index lookup per row, not a count over every call.
    other = aliased(Call)
    repeat = exists().where(other.caller_id == Call.caller_id, other.id != Call.id)
    statement = (select(Call.started_at, Call.ended_at, Call.line, Call.call_type, Call.non_data_reason,
                        Call.caller_group, Call.age_band, Call.gender, Call.language, Call.concerns,
                        Call.interventions, Call.engine_level, Call.override_level,
                        and_(col(Call.caller_id).is_not(None), repeat), Referral.id)
                 .outerjoin(Referral, col(Referral.call_id) == Call.id)
                 .where(service.finished_calls_in(period, since, until)).order_by(Call.started_at))
    with Session(engine) as session:
        for (started, ended, line, call_type, reason, group, age, gender, language, concerns, interventions,
             engine_level, override, repeat_caller, referral_id) in session.execute(statement).yield_per(BATCH):
            local = started.astimezone(tz)
            minutes = round((ended - started).total_seconds() / 60, 1) if ended else None
            yield [local.date().isoformat(), local.hour, local.isoweekday(), minutes, line, label(call_type),
                   label(reason), label(group), label(age), label(gender), language,
                   "; ".join(label(c) for c in concerns or []), "; ".join(label(i) for i in interventions or []),
                   label(override or engine_level), _yes_no(bool(override) and override != engine_level),
                   _yes_no(bool(repeat_caller)), _yes_no(referral_id is not None)]


def referral_header() -> list[str]:
    return [_("Date opened"), _("Hour opened"), _("Risk level"), _("Status"), _("Minutes to acknowledge"),
            _("Acknowledged within deadline"), _("Destination type"), _("Date closed"), _("Follow-ups scheduled"),
            _("Follow-ups done")]


def referral_rows(*, engine: Engine, period: Period, tz: ZoneInfo) -> Iterator[list]:
    since, until = period.bounds(tz)
    follow_ups = (select(FollowUp.referral_id, func.count().label("scheduled"),
                         func.count(FollowUp.done_at).label("done"))
                  .where(FollowUp.status != FollowUpStatus.cancelled).group_by(FollowUp.referral_id).subquery())
    statement = (select(Referral.opened_at, Referral.level, Referral.status, Referral.acknowledged_at,
                        Referral.deadline_at, Destination.kind, Referral.closed_at, follow_ups.c.scheduled,
                        follow_ups.c.done)
                 .join(Call, col(Call.id) == Referral.call_id)
                 .outerjoin(Destination, col(Destination.id) == Referral.destination_id)
                 .outerjoin(follow_ups, follow_ups.c.referral_id == Referral.id)
                 .where(service.referrals_in(period, since, until)).order_by(Referral.opened_at))
    with Session(engine) as session:
        for opened, level, status, acked, deadline, kind, closed, scheduled, done in (
                session.execute(statement).yield_per(BATCH)):
            local = opened.astimezone(tz)
            wait = round((acked - opened).total_seconds() / 60, 1) if acked else None
            yield [local.date().isoformat(), local.hour, label(level), str(STATUS_LABELS.get(status, status)), wait,
                   _yes_no(acked is not None and deadline is not None and acked <= deadline),
                   str(KIND_LABELS.get(kind, kind or "")), closed.astimezone(tz).date().isoformat() if closed else "",
                   scheduled or 0, done or 0]


def summary_rows(summary: service.Summary, outcome_labels: dict, band_labels=None) -> Iterator[list]:
    """Section, item, count: one flat table a spreadsheet can pivot."""
    yield [_("Period"), f"{summary.period.first.isoformat()} – {summary.period.last.isoformat()}", ""]
    yield [_("Line"), summary.period.line or _("All lines"), ""]
    yield [_("Calls"), _("All calls"), summary.calls]
    for value, count in summary.by_group:
        yield [_("Caller group"), label_or_unrecorded(value), count]
    for value, count in summary.by_concern:
        yield [_("Concern"), label(value), count]
    for value, count in summary.by_level:
        yield [_("Risk level"), label(value), count]
    for row in summary.referrals:
        yield [_("Referrals opened"), label(row["level"]), row["opened"]]
        yield [_("Referrals closed"), label(row["level"]), row["closed"]]
        yield [_("Referrals acknowledged within deadline"), label(row["level"]), row["on_time"]]
    for name, count in summary.by_destination:
        yield [_("Referral destination"), name, count]
    for name, count in summary.given:
        yield [_("Given to callers during calls"), name, count]
    for outcome, count in summary.follow_ups.items():
        yield [_("Follow-ups"), str(outcome_labels[outcome]), count]
    yield [_("Caller's distress"), _("Calls rated twice or more"), summary.distress_rated]
    yield [_("Caller's distress"), _("Lower at the end than at the start"), summary.distress_fell]


def label_or_unrecorded(value: str) -> str:
    return _("Not recorded") if value == "not_recorded" else label(value)


def filename(kind: str, period: Period | tuple[date, date]) -> str:
    first, last = (period.first, period.last) if isinstance(period, Period) else period
    return f"hotline-{kind}-{first.isoformat()}-{last.isoformat()}.csv"
