"""Counsellors from CSV (bad rows by line number, good rows only on confirm), the roster out as CSV and as a
whole-roster iCalendar file parsed back by the `icalendar` library, and the CLI import."""

import csv
import io
import re
from datetime import time, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import Session, select
from typer.testing import CliRunner

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.cli import app as cli
from hotline.database import make_engine
from hotline.errors import InvalidInput
from hotline.i18n import LOCALE_COOKIE
from hotline.roster import export, staff_import
from hotline.roster.assigning import assign
from hotline.roster.lines import generate_shifts
from hotline.roster.models import Availability, StaffProfile
from hotline.roster.people import set_profile
from hotline.roster.times import line_zone, local_moment
from roster.factories import MONDAY, make_line, three_shifts_a_day
from support import post_form

GOOD_AND_BAD = """username,display_name,extension,skills,languages,availability
c.new,新同事 New Colleague,8021,bereavement;children and adolescents,English,Mon 08:00-16:00; 周三 16:00-24:00
Bad Name!,Someone,8022,,,
c.ext,Extension Wrong,phone,,,
c.avail,Availability Wrong,8023,,,Funday 08:00-16:00
c.new,Twice,8024,,,
c.old,,8025,,,
admin.x,Admin Person,8026,,,
c.old,Old Hand,8027,medical staff,,
"""


def test_rows_with_problems_are_reported_by_line_number_and_nothing_is_written(session, make_user):
    make_user(Role.admin, username="admin.x")
    plan = staff_import.read_staff_csv(session=session, content=GOOD_AND_BAD.encode())
    assert [(e.line, e.message) for e in plan.errors] == [
        (3, "Bad Name! is not a username: 2 to 64 lower-case letters, digits, dot, dash or underscore."),
        (4, "A phone extension is digits only, at most 16."),
        (5, "Funday 08:00-16:00 is not availability such as Mon 08:00-16:00."),
        (6, "c.new is already on line 2."),
        (7, "Give a display name of at most 120 characters."),
        (8, "admin.x has an account that is neither counsellor nor supervisor; the roster does not change it."),
    ]
    assert [r.username for r in plan.rows] == ["c.new", "c.old"]
    new = plan.rows[0]
    assert new.skills == ["bereavement", "children and adolescents", "English"]
    assert new.availability == [(0, time(8), time(16)), (2, time(16), time(0))]
    assert accounts.find_user(session=session, username="c.new") is None  # checking writes nothing


def test_applying_creates_counsellors_without_a_usable_password_and_updates_others(session, make_user):
    old = make_user(Role.counsellor, username="c.old", display_name="Old Hand")
    session.add(Availability(user_id=old.id, weekday=4, start_time=time(8), end_time=time(12)))
    session.commit()
    plan = staff_import.read_staff_csv(session=session, content=GOOD_AND_BAD.encode())
    seen = []
    assert staff_import.apply_staff_import(session=session, plan=plan, actor=None, progress=seen.append) == (2, 1)
    assert [row.username for row in seen] == ["c.new", "admin.x", "c.old"]
    new = accounts.find_user(session=session, username="c.new")
    assert new.roles == {Role.counsellor} and new.display_name == "新同事 New Colleague"
    with pytest.raises(accounts.LoginFailed):  # nobody knows the password until an admin sets one
        accounts.authenticate(session=session, username="c.new", password="a guessed password", address="test")
    assert session.get(StaffProfile, new.id).phone_extension == "8021"
    assert session.get(StaffProfile, old.id).skills == ["medical staff"]
    windows = session.exec(select(Availability).where(Availability.user_id == old.id)).all()
    assert [(w.weekday, w.start_time) for w in windows] == [(4, time(8))]  # empty cell: left as it was


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty"),
    (b"name,phone\nx,y\n", "missing: username"),
    (b"\xff\xfe\x00\x00bad", "not text in UTF-8 or GBK"),
])
def test_a_file_that_cannot_be_read_says_why(session, content, message):
    with pytest.raises(InvalidInput, match=message):
        staff_import.read_staff_csv(session=session, content=content)


def test_a_gbk_file_from_excel_is_read(session):
    content = "用户名,姓名,分机\nc.gbk,王小明,8030\n".encode("gbk")
    plan = staff_import.read_staff_csv(session=session, content=content)
    assert [(r.username, r.display_name, r.extension) for r in plan.rows] == [("c.gbk", "王小明", "8030")]


def test_the_import_page_previews_then_imports_only_on_confirm(client, session, logged_in, make_user):
    make_user(Role.admin, username="admin.x")
    logged_in(Role.coordinator)
    preview = post_form(client, "/roster/import", {"content": GOOD_AND_BAD})
    assert preview.status_code == 200
    assert "2 rows can be imported; 6 rows have problems" in preview.text
    assert "<td>5</td><td>Funday 08:00-16:00 is not availability" in preview.text
    assert accounts.find_user(session=session, username="c.new") is None
    response = post_form(client, "/roster/import/apply", {"content": GOOD_AND_BAD})
    assert response.status_code == 303
    assert "Imported: 2 new counsellors" in client.get("/roster/import").text
    session.expire_all()
    assert accounts.find_user(session=session, username="c.new") is not None
    bad = post_form(client, "/roster/import", {"content": "no,header\n"})
    assert bad.status_code == 422 and "missing: username, display name" in bad.text


@pytest.mark.parametrize(("locale", "headers", "missing"), [
    ("en", ["username", "display name", "extension", "skills", "languages", "availability"], "username, display name"),
    ("zh_CN", ["用户名", "姓名", "分机号", "技能", "语言", "可值班时间"], "缺少：用户名, 姓名"),
    ("zh_Hant", ["使用者名稱", "姓名", "分機號", "技能", "語言", "可值班時間"], "缺少：使用者名稱, 姓名"),
])
def test_the_import_page_names_the_columns_in_the_readers_language_and_a_file_with_them_imports(
        client, session, logged_in, locale, headers, missing):
    logged_in(Role.coordinator)
    client.cookies.set(LOCALE_COOKIE, locale)
    page = client.get("/roster/import").text
    help_text = page.split('data-testid="import-columns">', 1)[1].split("</p>", 1)[0]
    shown = re.findall(r"<code>(.*?)</code>", help_text)
    assert shown[:6] == headers  # then the two required ones, then the other language's headers
    english = ["username", "display_name", "extension", "skills", "languages", "availability"]
    chinese = ["用户名", "姓名", "分机号", "技能", "语言", "可值班时间"]
    assert shown[8:] == (english if locale.startswith("zh") else chinese)
    example = re.search(r"(\S+ 08:00-16:00; \S+ 16:00-24:00)", help_text).group(1)  # Mon …, 周一 …, 週一 …
    for names in (headers, shown[8:]):  # the file may use the headers the page shows, in either language
        content = ",".join(names) + f"\nc.page,页面,8040,crisis,English,{example}\n"
        plan = staff_import.read_staff_csv(session=session, content=content)
        assert not plan.errors and plan.rows[0].availability == [(0, time(8), time(16)), (2, time(16), time(0))]
    bad = post_form(client, "/roster/import", {"content": "no,header\n"})
    assert missing in bad.text


def staffed_week(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=2)
    shifts = sorted(generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=2),
                    key=lambda s: s.starts_at)
    coordinator = make_user(Role.coordinator)
    li = make_user(Role.counsellor, username="li", display_name="=Li Na")  # a formula-looking name
    sup = make_user(Role.supervisor, username="wu", display_name="Wu Gang")
    set_profile(session=session, user=li, phone_extension="8012", skills=[])
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=li.id)
    assign(session=session, actor=coordinator, shift_id=shifts[1].id, user_id=sup.id, role="supervisor")
    return line, shifts


def test_the_roster_as_csv_lists_people_and_empty_seats_in_local_time(session, make_user):
    line, _shifts = staffed_week(session, make_user)
    tz = line_zone(line)
    text = export.roster_csv(session=session, line=line, start=local_moment(MONDAY, time(0), tz),
                             end=local_moment(MONDAY + timedelta(days=1), time(0), tz))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    day = [r for r in rows if r["shift"] == "Day"]
    assert [(r["start"], r["end"], r["role"], r["name"], r["extension"]) for r in day] == [
        ("08:00", "16:00", "counsellor", "'=Li Na", "8012"),
        ("08:00", "16:00", "supervisor", "Wu Gang", ""),
        ("08:00", "16:00", "counsellor", "", ""),  # the empty seat
    ]
    evening = [r for r in rows if r["shift"] == "Evening"]
    assert {r["end"] for r in evening} == {"24:00"} and len(evening) == 2
    assert {r["date"] for r in rows} == {MONDAY.isoformat()}


def test_the_whole_roster_as_icalendar_parses_back(session, make_user):
    line, shifts = staffed_week(session, make_user)
    tz = line_zone(line)
    body = export.roster_calendar(session=session, line=line, start=local_moment(MONDAY, time(0), tz),
                                  end=local_moment(MONDAY + timedelta(days=2), time(0), tz), domain="test")
    events = list(Calendar.from_ical(body).walk("VEVENT"))
    assert len(events) == 6
    day = next(e for e in events if str(e["uid"]) == f"shift-{shifts[1].id}@test")
    assert day.decoded("dtstart") == shifts[1].starts_at and day.decoded("dtend") == shifts[1].ends_at
    assert str(day["summary"]) == "Hope line · Day (1/2)"
    assert str(day["description"]) == "Counsellor: =Li Na\nSupervisor on call: Wu Gang"
    assert str(day["status"]) == "TENTATIVE"


def test_export_routes_give_files_and_refuse_a_bad_period(client, session, logged_in, make_user):
    logged_in(Role.coordinator)
    line, _shifts = staffed_week(session, make_user)
    response = client.get(f"/roster/lines/{line.id}/export.csv?start={MONDAY}&end={MONDAY}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"] and "'=Li Na" in response.text
    response = client.get(f"/roster/lines/{line.id}/export.ics?start={MONDAY}&end={MONDAY + timedelta(days=1)}")
    assert len(list(Calendar.from_ical(response.content).walk("VEVENT"))) == 6
    bad = client.get(f"/roster/lines/{line.id}/export.csv?start={MONDAY}&end={MONDAY - timedelta(days=1)}")
    assert bad.status_code == 422 and "The last day must be on or after the first day." in bad.text


def test_cli_checks_then_imports_with_apply(database_url, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    env = {"HOTLINE_DATABASE_URL": database_url, "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret"),
           "HOTLINE_DEFAULT_LOCALE": "en"}
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    engine = make_engine(database_url)
    with Session(engine) as fresh:
        accounts.create_user(session=fresh, username="admin.x", password="a very long password", roles=["admin"])
    checked = runner.invoke(cli, ["roster", "import", str(path)], env=env)
    assert checked.exit_code == 1
    assert "line 5: Funday 08:00-16:00 is not availability" in checked.output
    assert "2 good rows (2 new counsellors, 0 updates), 6 rows with problems" in checked.output
    assert "nothing written" in checked.output
    with Session(engine) as fresh:
        assert accounts.find_user(session=fresh, username="c.new") is None
    applied = runner.invoke(cli, ["roster", "import", str(path), "--apply"], env=env)
    assert "imported: 2 created, 0 updated" in applied.output
    with Session(engine) as fresh:
        assert accounts.find_user(session=fresh, username="c.old").display_name == "Old Hand"
    engine.dispose()
