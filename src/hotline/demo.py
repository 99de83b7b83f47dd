"""Demo accounts for trying the console. Never used outside `hotline demo`."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from hotline.accounts import service
from hotline.accounts.models import Role

DEMO_USERS = (
    ("counsellor", "Demo counsellor · 示例咨询员", [Role.counsellor]),
    ("coordinator", "Demo coordinator · 示例协调员", [Role.coordinator]),
    ("supervisor", "Demo supervisor · 示例督导", [Role.supervisor]),
    ("admin", "Demo administrator · 示例管理员", [Role.admin]),
    ("lead", "Demo lead (supervisor + coordinator) · 示例组长", [Role.supervisor, Role.coordinator]),
)


def demo_password(configured: str | None) -> str:
    return configured or secrets.token_urlsafe(9)


def load_demo_users(*, session: Session, password: str) -> list[tuple[str, list[Role], bool]]:
    """Create the demo users that do not exist yet. Existing accounts are left as they are (a second
    `hotline demo` must not lock out whoever changed a demo password). Each entry: name, roles, new."""
    made = []
    for username, display_name, roles in DEMO_USERS:
        user = service.find_user(session=session, username=username)
        if user is None:
            service.create_user(session=session, username=username, display_name=display_name,
                                password=password, roles=roles)
            made.append((username, roles, True))
        else:
            made.append((username, list(user.roles), False))
    load_demo_roster(session=session, password=password)
    load_demo_destinations(session=session)
    load_demo_history(session=session)
    return made


DEMO_DESTINATIONS = (  # name, kind, phone, hours, coverage
    ("市精神卫生中心 · City Mental Health Centre", "psychiatric_hospital", "010-00000001", "24h", "全市 · city"),
    ("急救中心 120 · Emergency 120", "emergency", "120", "24h", "全市 · city"),
    ("公安 110 · Police 110", "emergency", "110", "24h", "全市 · city"),
    ("社区心理服务站 · Community counselling", "community_mental_health", "010-00000002", "9:00–17:00", "东城区"),
)


def load_demo_destinations(*, session: Session) -> None:
    """Referral destinations for the demo, added once (names are fictional, numbers placeholders)."""
    from sqlmodel import select

    from hotline.referrals.models import Destination

    existing = {d.name for d in session.exec(select(Destination))}
    for name, kind, phone, hours, coverage in DEMO_DESTINATIONS:
        if name not in existing:
            session.add(Destination(name=name, kind=kind, phone=phone, hours=hours, coverage=coverage))
    session.commit()


# --- a month of roster for one 24-hour line, with a few gaps left on purpose -------------------------

DEMO_LINE = "希望热线 · Hope line"
DEMO_STAFF = (  # username, display name, roles, phone extension, skills
    ("c.wang", "王芳 Wang Fang", [Role.counsellor], "8011", ["children and adolescents"]),
    ("c.li", "李强 Li Qiang", [Role.counsellor], "8012", ["medical staff"]),
    ("c.zhang", "张敏 Zhang Min", [Role.counsellor], "8013", ["bereavement"]),
    ("c.liu", "刘洋 Liu Yang", [Role.counsellor], "8014", []),
    ("c.chen", "陈静 Chen Jing", [Role.counsellor], "8015", ["English"]),
    ("c.yang", "杨磊 Yang Lei", [Role.counsellor], "8016", []),
    ("c.zhao", "赵丽 Zhao Li", [Role.counsellor], "8017", ["children and adolescents"]),
    ("c.huang", "黄涛 Huang Tao", [Role.counsellor], "8018", []),
    ("c.zhou", "周婷 Zhou Ting", [Role.counsellor], "8019", ["bereavement"]),
    ("s.wu", "吴刚 Wu Gang", [Role.supervisor], "8091", []),
    ("s.xu", "徐慧 Xu Hui", [Role.supervisor], "8092", []),
    ("s.sun", "孙博 Sun Bo", [Role.supervisor], "8093", []),
    ("s.ma", "马琳 Ma Lin", [Role.supervisor], "8094", []),
)


def load_demo_roster(*, session: Session, password: str, today=None) -> None:
    """A 24-hour line with night, day and evening shifts for this month, two counsellors and a supervisor
    on each, published for the first two weeks. A few seats and supervisor hours are left empty so the
    checks have something to show. Does nothing if the demo line exists already."""
    from datetime import datetime, time, timedelta

    from sqlmodel import select

    from hotline.roster.assigning import assign, publish
    from hotline.roster.lines import create_line, create_template, generate_shifts
    from hotline.roster.models import Line
    from hotline.roster.people import set_profile
    from hotline.roster.times import line_zone, local_moment

    if session.exec(select(Line).where(Line.name == DEMO_LINE)).first() is not None:
        return
    people = {}
    for username, display_name, roles, extension, skills in DEMO_STAFF:
        user = service.find_user(session=session, username=username) or service.create_user(
            session=session, username=username, display_name=display_name, password=password, roles=roles)
        set_profile(session=session, user=user, phone_extension=extension, skills=skills)
        people[username] = user
    counsellors = [service.find_user(session=session, username="counsellor")] + [
        people[name] for name, *_rest in DEMO_STAFF if name.startswith("c.")]
    supervisors = [service.find_user(session=session, username="supervisor")] + [
        people[name] for name, *_rest in DEMO_STAFF if name.startswith("s.")]
    coordinator = service.find_user(session=session, username="coordinator")

    line = create_line(session=session, name=DEMO_LINE, timezone="Asia/Shanghai", open_24h=True)
    for name, start, end, colour in (("夜班 Night", time(0), time(8), "#3b4a8f"), ("白班 Day", time(8), time(16),
                                     "#1e7a46"), ("晚班 Evening", time(16), time(0), "#c2410c")):
        create_template(session=session, line_id=line.id, name=name, start=start, end=end,
                        weekdays=list(range(7)), seats=2, colour=colour)
    tz = line_zone(line)
    today = today or datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    shifts = sorted(generate_shifts(session=session, line_id=line.id, first_day=monday, days=35),
                    key=lambda shift: shift.starts_at)
    # Ten counsellors two at a time and five supervisors one at a time: everyone works one 8-hour shift in
    # five (8 hours on, 32 off), so nobody is over 40 hours a week or short of rest.
    for index, shift in enumerate(shifts):
        seats = counsellors[(2 * index) % 10], counsellors[(2 * index + 1) % 10]
        for seat, person in enumerate(seats):
            if seat == 1 and index % 17 == 7:
                continue  # a counsellor seat left empty
            assign(session=session, actor=coordinator, shift_id=shift.id, user_id=person.id)
        if index % 29 != 13:  # a few hours without a supervisor on call
            assign(session=session, actor=coordinator, shift_id=shift.id,
                   user_id=supervisors[index % 5].id, role="supervisor")
    for week in range(2):
        start = local_moment(monday + timedelta(days=7 * week), time(0), tz)
        publish(session=session, actor=coordinator, line_id=line.id, start=start, end=start + timedelta(days=7),
                reason="示例数据：故意留了几个空缺 / demo data: gaps left on purpose")


# --- two months of finished calls, so every report has something to draw ----------------------------

DEMO_HISTORY_RULES = "demo-history"


def load_demo_history(*, session: Session, days: int = 60, today=None, seed: int = 20261123) -> int:
    """A few hundred finished calls on the demo line between `days` and 8 days ago, with their assessments,
    referrals (all closed, so the live queue stays as it was) and follow-ups (done or cancelled). Older
    than a week, so this week's wellbeing counts and today's call list are untouched. Added once."""
    import random
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from sqlmodel import select

    from hotline.calls.models import Call, CallAssessment, Caller
    from hotline.referrals.models import CallReview, Destination, FollowUp, Referral

    if session.exec(select(Call.id).where(Call.rules_version == DEMO_HISTORY_RULES)).first() is not None:
        return 0
    rng = random.Random(seed)
    tz = ZoneInfo("Asia/Shanghai")
    today = today or datetime.now(tz).date()
    takers = [u for u in (service.find_user(session=session, username=name)
                          for name, *_rest in DEMO_STAFF if name.startswith("c.")) if u]
    takers.append(service.find_user(session=session, username="counsellor"))
    reviewer = service.find_user(session=session, username="supervisor")
    destinations = [d.id for d in session.exec(select(Destination))]
    callers = [Caller(identifier_hash=f"{rng.getrandbits(256):064x}") for _n in range(40)]
    session.add_all(callers)
    session.flush()
    groups = ["general_public", "student", "not_disclosed", "patient_family", "medical_staff", "elderly_alone",
              "bereaved"]
    concerns = ["anxiety", "low_mood", "insomnia", "family_conflict", "loneliness", "work_money", "grief",
                "suicidal_thoughts"]
    made = 0
    for back in range(days, 7, -1):
        day = today - timedelta(days=back)
        for _n in range(rng.randint(3, 10)):
            hour = rng.choices(range(24), weights=[3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 4, 4, 5, 5, 5, 5, 6, 7, 8, 8, 7,
                                                   5])[0]
            started = datetime.combine(day, time(hour, rng.randrange(60)), tz).astimezone(UTC)
            ended = started + timedelta(minutes=min(120.0, max(1.0, rng.lognormvariate(2.5, 0.6))))
            non_data = rng.random() < 0.12
            level = "none" if non_data else rng.choices(["none", "low", "moderate", "high", "imminent"],
                                                        [60, 20, 12, 6, 2])[0]
            counsellor = rng.choice(takers)
            call = Call(counsellor_id=counsellor.id, status="finalised", line=DEMO_LINE, started_at=started,
                        ended_at=ended, updated_at=ended, call_type="non_data" if non_data else "about_self",
                        non_data_reason="hang_up" if non_data else None,
                        caller_id=rng.choice(callers).id if rng.random() < 0.5 else None,
                        caller_group=None if non_data else rng.choice(groups),
                        age_band=None if non_data else rng.choice(["18_29", "30_44", "45_59", "not_disclosed"]),
                        concerns=[] if non_data else sorted(set(rng.sample(concerns, rng.randint(1, 2)))),
                        engine_level=level, rules_version=DEMO_HISTORY_RULES,
                        summary="示例来电 · demo call")
            session.add(call)
            session.flush()
            session.add(CallAssessment(call_id=call.id, at=ended, source="final", level=level, engine_level=level,
                                       rules_version=DEMO_HISTORY_RULES, by_id=counsellor.id))
            made += 1
            if level in ("moderate", "high", "imminent"):
                minutes = {"moderate": 24 * 60, "high": 15, "imminent": 2}[level]
                acknowledged = ended + timedelta(minutes=minutes * rng.uniform(0.2, 1.4))
                closed = ended + timedelta(days=rng.uniform(0.5, 3))
                referral = Referral(call_id=call.id, level=level, status="closed", opened_at=ended,
                                    opened_by_id=counsellor.id, deadline_at=ended + timedelta(minutes=minutes),
                                    owner_id=reviewer.id, acknowledged_at=acknowledged, closed_at=closed,
                                    destination_id=rng.choice(destinations) if destinations else None)
                session.add(referral)
                session.flush()
                for after in (1, 7) if level != "moderate" else (7,):
                    due = closed.astimezone(tz).date() + timedelta(days=after)
                    if due >= today:
                        continue
                    late = rng.random() < 0.2
                    if rng.random() < 0.1:
                        session.add(FollowUp(referral_id=referral.id, due_on=due, status="cancelled",
                                             cancelled_reason="示例 · demo"))
                    else:
                        done = datetime.combine(due + timedelta(days=2 if late else 0), time(15), tz)
                        session.add(FollowUp(referral_id=referral.id, due_on=due, status="done",
                                             done_at=done.astimezone(UTC), by_id=reviewer.id))
                if rng.random() < 0.5:
                    session.add(CallReview(call_id=call.id, reviewer_id=reviewer.id, at=closed,
                                           comment="示例督导意见 · demo review"))
    session.commit()
    return made
