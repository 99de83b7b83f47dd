"""Fill a database with a realistic year of a hotline's work, fast.

    python bench/seed.py --database-url sqlite:////tmp/year.sqlite3 --calls 500000
    python bench/seed.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --calls 1000000

Migrates the database, loads the demo users (password --password), then adds a year of rosters on two
lines and N calls over the last 365 days: busier evenings, quieter small hours, weekday swings, lengths
around 15 minutes, one in seven a non-data call, repeat callers, an assessment per call, referrals for
moderate risk and above (acknowledged mostly within the deadline, most closed) and their follow-ups (done,
late, cancelled or overdue). Rows go in by COPY on PostgreSQL and by batched executemany on SQLite.
Random but repeatable (--seed). Refuses a database that already has calls unless --append.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, insert, text, update
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hotline.accounts.models import Role, User, UserRole  # noqa: E402
from hotline.calls.choices import CallerGroup, Concern, Intervention  # noqa: E402
from hotline.calls.models import Call, CallAssessment, Caller  # noqa: E402
from hotline.database import alembic_config, make_engine  # noqa: E402
from hotline.demo import DEMO_LINE, load_demo_users  # noqa: E402
from hotline.referrals.models import Destination, FollowUp, Referral  # noqa: E402
from hotline.roster.lines import create_line, create_template, generate_shifts, list_templates  # noqa: E402
from hotline.roster.models import Assignment, Line, Shift  # noqa: E402
from hotline.roster.times import line_zone, parse_time  # noqa: E402

BATCH = 20_000
SECOND_LINE = "夜间热线 · Night line"
# Share of the day's calls in each local hour: quiet at dawn, busiest in the late evening.
HOURLY = [3, 2, 1.5, 1, 1, 1, 1.5, 2.5, 4, 5, 5, 5, 4.5, 4.5, 5, 5, 5, 5.5, 6, 7, 8, 8, 7, 5]
WEEKDAY = [1.05, 1.0, 1.0, 1.0, 1.05, 0.9, 0.95]  # Monday first
GROUPS = [(CallerGroup.general_public, 35), (CallerGroup.student, 18), (CallerGroup.not_disclosed, 12),
          (CallerGroup.patient_family, 8), (CallerGroup.medical_staff, 6), (CallerGroup.elderly_alone, 6),
          (CallerGroup.bereaved, 4), (CallerGroup.confirmed_patient, 3), (CallerGroup.home_quarantine, 3),
          (CallerGroup.community_worker, 2), (CallerGroup.other, 3)]
CONCERNS = [(Concern.anxiety, 25), (Concern.low_mood, 20), (Concern.insomnia, 12), (Concern.family_conflict, 10),
            (Concern.loneliness, 9), (Concern.work_money, 8), (Concern.health_fears, 7), (Concern.grief, 5),
            (Concern.anger, 4), (Concern.suicidal_thoughts, 4), (Concern.violence, 2), (Concern.substance_use, 2),
            (Concern.psychotic_symptoms, 1), (Concern.other, 3)]
LEVELS = [("none", 62), ("low", 20), ("moderate", 12), ("high", 5), ("imminent", 1)]
AGES = ["not_disclosed", "under_18", "18_29", "30_44", "45_59", "60_74", "75_plus"]
ACK_MINUTES = {"imminent": 2, "high": 15, "moderate": 24 * 60}
FOLLOW_UP_DAYS = {"imminent": (1, 7, 30, 90, 365), "high": (1, 7, 30, 90, 365), "moderate": (7,)}


def weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


class Loader:
    """Bulk inserts: COPY on PostgreSQL, executemany through SQLAlchemy Core on SQLite."""

    def __init__(self, engine):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def put(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        if self.postgres:
            raw = self.engine.raw_connection()
            try:
                with raw.cursor() as cursor, cursor.copy(
                        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                                        for v in (row[c] for c in columns)])
                raw.commit()
            finally:
                raw.close()
        else:
            with self.engine.begin() as connection:
                connection.execute(insert(table), rows)

    def next_id(self, table) -> int:
        with self.engine.connect() as connection:
            return (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1

    def fix_sequences(self, *tables) -> None:
        if not self.postgres:
            return
        with self.engine.begin() as connection:
            for table in tables:
                sql = (f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our own tables
                       f"(SELECT coalesce(max(id), 1) FROM {table.name}))")
                connection.execute(text(sql))


def year_of_rosters(session: Session, lines: list[Line], counsellors: list[User], supervisors: list[User],
                    first_day: date, loader: Loader) -> int:
    """Three 8-hour shifts a day on each line for the year, two counsellors and a supervisor on each."""
    for line in lines:
        if not list_templates(session=session, line_id=line.id):
            for name, start, end in (("夜班 Night", "00:00", "08:00"), ("白班 Day", "08:00", "16:00"),
                                     ("晚班 Evening", "16:00", "00:00")):
                create_template(session=session, line_id=line.id, name=name,
                                start=parse_time(start, field="start"),
                                end=parse_time(end, field="end"), weekdays=list(range(7)), seats=2)
        for offset in range(0, 392, 56):  # the service makes at most 62 days at a time
            generate_shifts(session=session, line_id=line.id, first_day=first_day + timedelta(days=offset),
                            days=56)
    staffed = select(Assignment.shift_id).distinct()
    empty = list(session.exec(select(Shift).where(Shift.id.not_in(staffed)).order_by(Shift.starts_at)))
    rows = []
    for index, shift in enumerate(empty):
        for seat in range(2):
            person = counsellors[(2 * index + seat) % len(counsellors)]
            rows.append({"shift_id": shift.id, "user_id": person.id, "role": "counsellor",
                         "assigned_at": shift.starts_at - timedelta(days=14), "assigned_by_id": None})
        rows.append({"shift_id": shift.id, "user_id": supervisors[index % len(supervisors)].id, "role": "supervisor",
                     "assigned_at": shift.starts_at - timedelta(days=14), "assigned_by_id": None})
    loader.put(Assignment.__table__, rows)
    with loader.engine.begin() as connection:
        connection.execute(update(Shift.__table__).where(Shift.__table__.c.starts_at < datetime.now(UTC))
                           .values(status="published"))
    return len(empty)


def call_times(rng: random.Random, count: int, start: datetime, days: int, tz) -> list[datetime]:
    """`count` start times over `days` days, shaped by hour of day and day of week (line's clock)."""
    day_weights = [WEEKDAY[(start + timedelta(days=d)).astimezone(tz).weekday()] for d in range(days)]
    chosen_days = rng.choices(range(days), weights=day_weights, k=count)
    hours = rng.choices(range(24), weights=HOURLY, k=count)
    midnight = datetime.combine(start.astimezone(tz).date(), datetime.min.time(), tz)
    times = [(midnight + timedelta(days=d, hours=h, seconds=rng.randrange(3600))).astimezone(UTC)
             for d, h in zip(chosen_days, hours, strict=True)]
    times.sort()
    return times


def seed(url: str, calls: int, *, password: str, rng: random.Random, append: bool = False, quiet: bool = False) -> dict:
    began = time.perf_counter()
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    loader = Loader(engine)
    tz = datetime.now().astimezone().tzinfo
    with Session(engine, expire_on_commit=False) as session:
        existing = session.exec(select(func.count()).select_from(Call)).one()
        if existing and not append:
            raise SystemExit(f"{existing:,} calls are there already; pass --append to add more")
        load_demo_users(session=session, password=password)
        main_line = session.exec(select(Line).where(Line.name == DEMO_LINE)).one()
        tz = line_zone(main_line)
        night = session.exec(select(Line).where(Line.name == SECOND_LINE)).first() or create_line(
            session=session, name=SECOND_LINE, timezone=main_line.timezone)
        people = list(session.exec(select(User, UserRole.role).join(UserRole, UserRole.user_id == User.id)))
        counsellors = [user for user, role in people if role == Role.counsellor]
        supervisors = [user for user, role in people if role == Role.supervisor]
        destinations = [d.id for d in session.exec(select(Destination))]
        today = datetime.now(tz).date()
        shifts = year_of_rosters(session, [main_line, night], counsellors, supervisors,
                                 today - timedelta(days=365), loader)

    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    times = call_times(rng, calls, start, 365, tz)
    groups, group_weights = weighted(GROUPS)
    concerns, concern_weights = weighted(CONCERNS)
    levels, level_weights = weighted(LEVELS)
    interventions = list(Intervention)

    # Repeat callers: a pool a fifth the size of the calls, some of them calling often.
    caller_count = max(1, calls // 5)
    first_caller = loader.next_id(Caller.__table__)
    caller_ids = list(range(first_caller, first_caller + caller_count))
    caller_weights = list(itertools.accumulate(1.0 / (1 + i % 997) ** 0.8 for i in range(caller_count)))
    for offset in range(0, caller_count, BATCH):
        loader.put(Caller.__table__, [{"id": caller_id, "identifier_hash": f"{rng.getrandbits(256):064x}",
                                       "created_at": start} for caller_id in caller_ids[offset:offset + BATCH]])

    call_id = loader.next_id(Call.__table__)
    assessment_id = loader.next_id(CallAssessment.__table__)
    referral_id = loader.next_id(Referral.__table__)
    totals = {"calls": 0, "assessments": 0, "referrals": 0, "follow_ups": 0, "callers": caller_count,
              "shifts staffed": shifts}
    columns = [BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(TextColumn("calls"), *columns, disable=quiet) as progress:
        task = progress.add_task("calls", total=calls)
        for offset in range(0, calls, BATCH):
            call_rows, assessment_rows, referral_rows, follow_up_rows = [], [], [], []
            batch = times[offset:offset + BATCH]
            callers = iter(rng.choices(caller_ids, cum_weights=caller_weights, k=len(batch)))
            for started in batch:
                minutes = min(180.0, max(0.5, rng.lognormvariate(2.5, 0.7)))
                ended = started + timedelta(minutes=minutes)
                non_data = rng.random() < 0.14
                level = "none" if non_data else rng.choices(levels, level_weights)[0]
                override = None
                if level != "none" and rng.random() < 0.05:
                    override, level = level, rng.choice(levels)  # the counsellor judged it differently
                engine_level = level
                final = override or engine_level
                counsellor = rng.choice(counsellors)
                call_rows.append({
                    "id": call_id, "counsellor_id": counsellor.id,
                    "caller_id": next(callers) if rng.random() < 0.6 else None,
                    "status": "finalised", "version": 3, "form_version": 1,
                    "line": SECOND_LINE if started.astimezone(tz).hour < 7 and rng.random() < 0.5 else DEMO_LINE,
                    "seat": None, "external_id": None, "started_at": started, "ended_at": ended, "updated_at": ended,
                    "ended_incomplete": False, "call_type": "non_data" if non_data else "about_self",
                    "non_data_reason": rng.choice(["silent", "hang_up", "prank", "wrong_number"]) if non_data else None,
                    "caller_group": None if non_data else rng.choices(groups, group_weights)[0].value,
                    "age_band": None if non_data else rng.choice(AGES), "gender": None if non_data else
                    rng.choice(["female", "male", "not_disclosed"]), "region": None, "language": "zh",
                    "concerns": [] if non_data else sorted({c.value for c in rng.choices(
                        concerns, concern_weights, k=rng.randint(1, 3))}),
                    "interventions": [] if non_data else [rng.choice(interventions).value], "answers": {},
                    "notes": "", "engine_level": engine_level, "engine_score": 0.0, "evidence": [],
                    "rules_version": "bench", "override_level": override,
                    "override_reason": "bench: counsellor's judgement" if override else None,
                    "supervisor_consulted": final in ("high", "imminent"), "summary": "", "callback_needed": False,
                    "callback_ok": False, "follow_up_date": None, "mood_start": None, "mood_end": None,
                })
                assessment_rows.append({
                    "id": assessment_id, "call_id": call_id, "at": ended, "source": "final", "level": final,
                    "engine_level": engine_level, "score": 0.0, "rules_version": "bench", "reason": None,
                    "by_id": counsellor.id, "evidence": []})
                assessment_id += 1
                if final in ACK_MINUTES:
                    deadline = ended + timedelta(minutes=ACK_MINUTES[final])
                    waited = timedelta(minutes=ACK_MINUTES[final] * rng.uniform(0.1, 1.3))
                    acknowledged = ended + waited if ended + waited < now else None
                    closed = ended + timedelta(days=rng.uniform(0.5, 10))
                    closed = closed if closed < now and acknowledged else None
                    referral_rows.append({
                        "id": referral_id, "call_id": call_id, "level": final,
                        "status": "closed" if closed else ("acknowledged" if acknowledged else "new"),
                        "opened_at": ended, "opened_by_id": counsellor.id, "deadline_at": deadline,
                        "owner_id": rng.choice(supervisors).id if acknowledged else None,
                        "acknowledged_at": acknowledged,
                        "destination_id": rng.choice(destinations) if closed and destinations and rng.random() < 0.6
                        else None, "reference_number": None, "resolution": None, "closed_at": closed, "version": 3})
                    for days in FOLLOW_UP_DAYS[final] if closed else ():
                        due = closed.astimezone(tz).date() + timedelta(days=days)
                        row = {"referral_id": referral_id, "due_on": due, "status": "due", "call_id": None,
                               "done_at": None, "cancelled_reason": None, "by_id": None}
                        if due < now.astimezone(tz).date():
                            roll = rng.random()
                            if roll < 0.75:
                                done = datetime.combine(due, datetime.min.time(), tz) + timedelta(
                                    hours=rng.uniform(9, 20) + (24 * rng.randint(1, 3) if roll > 0.65 else 0))
                                row.update(status="done", done_at=done.astimezone(UTC))
                            elif roll < 0.85:
                                row.update(status="cancelled", cancelled_reason="bench")
                        follow_up_rows.append(row)
                    referral_id += 1
                call_id += 1
            loader.put(Call.__table__, call_rows)
            loader.put(CallAssessment.__table__, assessment_rows)
            loader.put(Referral.__table__, referral_rows)
            loader.put(FollowUp.__table__, follow_up_rows)
            totals["calls"] += len(call_rows)
            totals["assessments"] += len(assessment_rows)
            totals["referrals"] += len(referral_rows)
            totals["follow_ups"] += len(follow_up_rows)
            progress.advance(task, len(call_rows))
    loader.fix_sequences(Caller.__table__, Call.__table__, CallAssessment.__table__, Referral.__table__)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    totals["seconds"] = round(time.perf_counter() - began, 1)
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="sqlite:////path/file.sqlite3 or postgresql+psycopg://…")
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--password", default="bench password 1", help="password of the demo users")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--append", action="store_true", help="add to a database that has calls already")
    args = parser.parse_args()
    if not 1 <= args.calls <= 5_000_000:
        parser.error("--calls must be between 1 and 5,000,000")
    totals = seed(args.database_url, args.calls, password=args.password, rng=random.Random(args.seed),
                  append=args.append)
    print(", ".join(f"{value:,} {name}" for name, value in totals.items() if name != "seconds"),
          f"in {totals['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
