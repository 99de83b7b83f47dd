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


def load_demo_users(*, session: Session, password: str) -> list[tuple[str, list[Role]]]:
    """Create the demo users, or reset their password and roles if they exist already."""
    made = []
    for username, display_name, roles in DEMO_USERS:
        user = service.find_user(session=session, username=username)
        if user is None:
            service.create_user(session=session, username=username, display_name=display_name,
                                password=password, roles=roles)
        else:
            service.set_password(session=session, user=user, new_password=password)
            service.set_roles(session=session, user=user, roles=roles)
            service.set_active(session=session, user=user, active=True)
        made.append((username, roles))
    load_demo_roster(session=session, password=password)
    load_demo_destinations(session=session)
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

    from hotline.roster import service as roster
    from hotline.roster.models import Line

    if session.exec(select(Line).where(Line.name == DEMO_LINE)).first() is not None:
        return
    people = {}
    for username, display_name, roles, extension, skills in DEMO_STAFF:
        user = service.find_user(session=session, username=username) or service.create_user(
            session=session, username=username, display_name=display_name, password=password, roles=roles)
        roster.set_profile(session=session, user=user, phone_extension=extension, skills=skills)
        people[username] = user
    counsellors = [service.find_user(session=session, username="counsellor")] + [
        people[name] for name, *_rest in DEMO_STAFF if name.startswith("c.")]
    supervisors = [service.find_user(session=session, username="supervisor")] + [
        people[name] for name, *_rest in DEMO_STAFF if name.startswith("s.")]
    coordinator = service.find_user(session=session, username="coordinator")

    line = roster.create_line(session=session, name=DEMO_LINE, timezone="Asia/Shanghai", open_24h=True)
    for name, start, end, colour in (("夜班 Night", time(0), time(8), "#3b4a8f"), ("白班 Day", time(8), time(16),
                                     "#1e7a46"), ("晚班 Evening", time(16), time(0), "#c2410c")):
        roster.create_template(session=session, line_id=line.id, name=name, start=start, end=end,
                               weekdays=list(range(7)), seats=2, colour=colour)
    tz = roster.line_zone(line)
    today = today or datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    shifts = sorted(roster.generate_shifts(session=session, line_id=line.id, first_day=monday, days=35),
                    key=lambda shift: shift.starts_at)
    # Ten counsellors two at a time and five supervisors one at a time: everyone works one 8-hour shift in
    # five (8 hours on, 32 off), so nobody is over 40 hours a week or short of rest.
    for index, shift in enumerate(shifts):
        seats = counsellors[(2 * index) % 10], counsellors[(2 * index + 1) % 10]
        for seat, person in enumerate(seats):
            if seat == 1 and index % 17 == 7:
                continue  # a counsellor seat left empty
            roster.assign(session=session, actor=coordinator, shift_id=shift.id, user_id=person.id)
        if index % 29 != 13:  # a few hours without a supervisor on call
            roster.assign(session=session, actor=coordinator, shift_id=shift.id,
                          user_id=supervisors[index % 5].id, role="supervisor")
    for week in range(2):
        start = roster.local_moment(monday + timedelta(days=7 * week), time(0), tz)
        roster.publish(session=session, actor=coordinator, line_id=line.id, start=start, end=start + timedelta(days=7),
                       reason="示例数据：故意留了几个空缺 / demo data: gaps left on purpose")
