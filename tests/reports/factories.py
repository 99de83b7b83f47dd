"""A small week of calls, referrals and follow-ups whose figures are counted by hand in the tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hotline.accounts.models import Role
from hotline.calls.models import Call, Caller
from hotline.referrals.models import CallReview, FollowUp, Referral
from hotline.roster.models import Line
from hotline.screening.models import DistressMark

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 7)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def add_call(session, counsellor, started, minutes, *, caller=None, group=None, concerns=(), engine="none",
             override=None, line="Hope line", status="finalised", **fields) -> Call:
    call = Call(counsellor_id=counsellor.id, caller_id=caller.id if caller else None, status=status,
                started_at=started, ended_at=started + timedelta(minutes=minutes), caller_group=group,
                concerns=list(concerns), engine_level=engine, override_level=override, line=line,
                notes="secret note text", summary="secret summary", **fields)
    session.add(call)
    session.commit()
    return call


def week_of_calls(session, make_user) -> dict:
    """Times are UTC; the line is Asia/Shanghai (UTC+8), so some land on the next local day."""
    counsellor = make_user(Role.counsellor, username="wang")
    other = make_user(Role.counsellor, username="li")
    supervisor = make_user(Role.supervisor, username="sup")
    session.add_all([Line(name="Hope line"), Line(name="Other line")])
    x, y = Caller(identifier_hash="x" * 64), Caller(identifier_hash="y" * 64)
    session.add_all([x, y])
    session.commit()
    calls = [
        # Sunday 03-01 23:30 local, 10 min, judged high over the engine's moderate
        add_call(session, counsellor, utc(2026, 3, 1, 15, 30), 10, caller=x, group="student",
                 concerns=["anxiety", "insomnia"], engine="moderate", override="high", age_band="18_29"),
        # Monday 03-02 00:30 local, 3 min
        add_call(session, counsellor, utc(2026, 3, 1, 16, 30), 3, caller=x, group="student", concerns=["anxiety"]),
        # Tuesday 03-03 10:00 local, 45 min, no group recorded
        add_call(session, other, utc(2026, 3, 3, 2, 0), 45, caller=y, engine="moderate"),
        # Tuesday 03-03 10:30 local, 20 min, on the other line
        add_call(session, other, utc(2026, 3, 3, 2, 30), 20, group="medical_staff", concerns=["grief"],
                 engine="imminent", line="Other line"),
        # Sunday 03-01 00:00 local: the first moment of the period
        add_call(session, counsellor, utc(2026, 2, 28, 16, 0), 70, caller=y, group="elderly_alone",
                 concerns=["loneliness"], engine="low"),
    ]
    # Not counted: a draft, and a call one minute before the period starts (local time).
    add_call(session, counsellor, utc(2026, 3, 3, 5, 0), 5, status="draft", group="student")
    add_call(session, counsellor, utc(2026, 2, 28, 15, 59), 5, caller=y, group="student")

    high = Referral(call_id=calls[0].id, level="high", status="closed", opened_at=utc(2026, 3, 1, 15, 45),
                    opened_by_id=counsellor.id, deadline_at=utc(2026, 3, 1, 16, 0),
                    acknowledged_at=utc(2026, 3, 1, 15, 55), closed_at=utc(2026, 3, 1, 20, 0))
    moderate = Referral(call_id=calls[2].id, level="moderate", status="acknowledged",
                        opened_at=utc(2026, 3, 3, 2, 50), opened_by_id=other.id, deadline_at=utc(2026, 3, 4, 2, 50),
                        acknowledged_at=utc(2026, 3, 4, 3, 0))
    imminent = Referral(call_id=calls[3].id, level="imminent", status="new", opened_at=utc(2026, 3, 3, 2, 55),
                        opened_by_id=other.id, deadline_at=utc(2026, 3, 3, 2, 57))
    session.add_all([high, moderate, imminent])
    session.commit()
    session.add_all([
        # done 23:00 local on its day: on time
        FollowUp(referral_id=high.id, due_on=date(2026, 3, 2), status="done", done_at=utc(2026, 3, 2, 15, 0)),
        # done 00:30 local the day after: late (though still the same day in UTC)
        FollowUp(referral_id=high.id, due_on=date(2026, 3, 3), status="done", done_at=utc(2026, 3, 3, 16, 30)),
        FollowUp(referral_id=high.id, due_on=date(2026, 3, 4), status="due"),
        FollowUp(referral_id=high.id, due_on=date(2026, 3, 5), status="cancelled", cancelled_reason="moved"),
        FollowUp(referral_id=high.id, due_on=date(2026, 3, 20), status="due"),
    ])
    session.add(CallReview(call_id=calls[0].id, reviewer_id=supervisor.id, at=utc(2026, 3, 2, 1, 0),
                           comment="good call"))
    # Distress (0-10) as the counsellor rated it during the calls: fell on calls 0 and 3, rose on call 2,
    # rated once on call 1 (no change to measure).
    for call, levels in ((calls[0], (8, 6, 4)), (calls[1], (5,)), (calls[2], (5, 6)), (calls[3], (9, 3))):
        session.add_all([DistressMark(call_id=call.id, level=level, by_id=call.counsellor_id,
                                      at=call.started_at + timedelta(minutes=i)) for i, level in enumerate(levels)])
    session.commit()
    return {"counsellor": counsellor, "other": other, "supervisor": supervisor, "calls": calls}
