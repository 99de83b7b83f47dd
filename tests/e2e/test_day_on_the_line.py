"""A night on the line, as a hotline manager would recognise it, in Chromium, in two languages at once.

The coordinator staffs tonight's shift and publishes it; counsellor A (Chinese) takes an everyday call
about epidemic anxiety and a silent call; counsellor B (English) takes a call that turns imminent while she
types, works the crisis checklist, and the supervisor (Chinese) sees it in the queue while the caller is
still on the line, claims it, refers to 120, closes it with follow-ups; B is offered a debrief; the
coordinator sees B's load; the dashboard counts all three calls. Every check is on what a person sees.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.pages import log_in, started_call

pytestmark = pytest.mark.e2e
LINE_ZONE = ZoneInfo("Asia/Shanghai")  # the demo's and the settings' default line timezone


def saved(page):
    expect(page.locator("#save-status")).to_have_class(re.compile(r"\bok\b"), timeout=10_000)


def assign(page, name, role="counsellor"):
    value = page.locator(f'#assign-user option[data-name="{name}"]').get_attribute("value")
    page.select_option("#assign-user", value)
    page.check(f'input[name=role][value="{role}"]')
    page.click("[data-testid=assign-form] button[type=submit]")
    expect(page.locator("[data-testid=shift-panel]")).to_contain_text(name)


def free_for_tonight(base, usernames, start, end):
    """The demo rotation has these people on the demo line one shift in five, so depending on the
    hour the test runs, tonight's shift would book them twice (and the console rightly refuses). A
    coordinator would take them off the other shift first; so does this, through the roster service."""
    from sqlmodel import Session, col, select

    from hotline.accounts import service as accounts
    from hotline.roster.assigning import unassign
    from hotline.roster.models import Assignment, Shift

    with Session(base.engine) as session:
        for username in usernames:
            user = accounts.find_user(session=session, username=username)
            clashing = session.exec(select(Assignment.id).join(Shift, col(Shift.id) == Assignment.shift_id).where(
                Assignment.user_id == user.id, Shift.starts_at < end, Shift.ends_at > start)).all()
            for assignment_id in clashing:
                unassign(session=session, assignment_id=assignment_id)


def staff_tonight(page, base):
    """The coordinator opens a line for tonight: one shift from this hour, two counsellors and a supervisor."""
    now = datetime.now(LINE_ZONE)
    start = now.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=8)
    free_for_tonight(base, ["counsellor", "c.chen", "supervisor"], start, end)
    page.goto(base + "/roster")
    page.fill("#line-name", "夜间热线 Night line")
    page.click("form[action='/roster/lines'] button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("夜间热线 Night line")
    page.fill("#t-name", "今晚 Tonight")
    page.fill("#t-start", start.strftime("%H:%M"))
    page.fill("#t-end", end.strftime("%H:%M"))
    for day in range(7):
        if day != now.weekday():
            page.uncheck(f'input[name=weekdays][value="{day}"]')
    page.fill("#t-seats", "2")
    page.check("input[name=supervisor_required]")
    page.click("[data-testid=template-form] button[type=submit]")
    expect(page.locator("[data-testid=templates]")).to_contain_text("今晚 Tonight")
    page.fill("#g-first", now.date().isoformat())
    page.click("[data-testid=generate-form] button[type=submit]")

    # the week grid: tonight's shift is empty and the checks say so
    expect(page.locator("[data-testid=roster-problems]")).to_contain_text("咨询员席位 2 个，仅排了 0 人")
    page.locator("[data-testid=shift-card][data-shift-name='今晚 Tonight'] [data-testid=open-shift]").click()
    expect(page.locator("#assign-user")).to_be_visible()
    assign(page, "Demo counsellor · 示例咨询员")
    assign(page, "陈静 Chen Jing")
    assign(page, "Demo supervisor · 示例督导", role="supervisor")
    # a 24-hour line staffed for one evening has empty hours the rest of the week: publish anyway, with why
    page.fill("#publish-reason", "今晚先排这一班，其余时段明天补 / tonight first, the rest tomorrow")
    page.click("[data-testid=publish-form] button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("已发布")


def test_a_night_on_the_line(live_server, new_page):
    coordinator = new_page("zh-CN")
    log_in(coordinator, live_server, "coordinator")
    staff_tonight(coordinator, live_server)
    coordinator.goto(live_server + "/roster")
    on_now = coordinator.locator("[data-testid=on-now]")
    for name in ("Demo counsellor · 示例咨询员", "陈静 Chen Jing", "Demo supervisor · 示例督导"):
        expect(on_now).to_contain_text(name)

    supervisor = new_page("zh-CN")
    log_in(supervisor, live_server, "supervisor")
    supervisor.goto(live_server + "/reports")
    calls_before = int(supervisor.inner_text("[data-testid=figure-calls]"))
    supervisor.goto(live_server + "/referrals")
    queued_before = supervisor.locator("tr[data-referral]").count()

    # Counsellor A, in Chinese: an everyday call about the epidemic, then a silent one.
    a = new_page("zh-CN")
    log_in(a, live_server, "counsellor")
    a.goto(live_server + "/calls")
    expect(a.locator("[data-testid=shift-status]")).to_have_text("你现在在班。")
    started_call(a, live_server)
    a.click("#notes")
    a.keyboard.type("来电者居家隔离第五天，担心父母被感染，晚上睡不好，说累死了。聊完后情绪平稳一些。", delay=2)
    saved(a)
    expect(a.locator("#risk-banner")).to_have_attribute("data-level", re.compile("none|low"))
    a.check("input[name=call_type][value=about_self]")
    a.select_option("#caller_group", "home_quarantine")
    a.check("input[name=concerns][value=anxiety]")
    a.check("input[name=interventions][value=psychoeducation]")
    a.fill("#summary", "倾听与心理教育，介绍了放松方法。")
    saved(a)
    a.click("[data-testid=finalise]")
    expect(a.locator("body")).to_contain_text("已结束")
    started_call(a, live_server)
    a.select_option("#non-data-reason", "silent")
    a.click("form[action$='/non-data'] button[type=submit]")
    today = a.locator("[data-testid=today]")
    expect(today).to_contain_text("无声来电")
    expect(today.locator("tbody tr")).to_have_count(2)

    # Counsellor B, in English: a call that turns imminent while she types.
    b = new_page("en-GB")
    log_in(b, live_server, "c.chen")
    call_path = started_call(b, live_server)
    b.click("#notes")
    b.keyboard.type("Nurse on the COVID ward, exhausted, her father died last month. ", delay=2)
    saved(b)
    expect(b.locator("#risk-banner")).to_have_attribute("data-level", re.compile("none|low|moderate"))
    b.keyboard.type("She says she has the pills in her hand right now and is going to take them all.", delay=2)
    expect(b.locator("#risk-banner")).to_have_attribute("data-level", "imminent")
    checklist = b.locator("[data-testid=crisis-checklist]")
    expect(checklist).to_be_visible()

    # The supervisor sees it without reloading, while the caller is still on the line.
    expect(supervisor.locator("tr[data-referral]")).to_have_count(queued_before + 1, timeout=8000)
    row = supervisor.locator("tr[data-referral]").first
    expect(row).to_have_attribute("data-level", "imminent")
    expect(row.locator("[data-testid=on-the-line]")).to_have_text("来电者仍在线")

    # B works the checklist: each tick is kept with its time.
    for step in ("kept_on_line", "location_obtained", "emergency_called", "supervisor_told"):
        checklist.locator(f"form:has(input[name=step][value={step}]) button").click()
        expect(checklist.locator(f"form:has(input[name=step][value={step}])")).to_have_count(0)
    expect(checklist.locator(".tick.done")).to_have_count(4)

    row.locator("form[action$='/claim'] button").click()
    supervisor.wait_for_url(re.compile(r".*/referrals/\d+$"))
    expect(supervisor.locator("[data-testid=owner]")).to_contain_text("Demo supervisor")
    expect(supervisor.locator("[data-testid=on-the-line]")).to_be_visible()
    supervisor.click("form[data-step=in_progress] button")
    emergency = supervisor.locator("#destination option", has_text="Emergency 120").get_attribute("value")
    supervisor.select_option("#destination", emergency)
    supervisor.fill("#reference", "120-0423")
    supervisor.click("form[data-step=referred] button")

    # B ends the call; the supervisor closes the referral and the follow-ups are scheduled.
    b.check("input[name=call_type][value=about_self]")
    b.select_option("#caller_group", "medical_staff")
    b.check("input[name=concerns][value=suicidal_thoughts]")
    b.check("input[name=interventions][value=safety_plan]")
    b.fill("#summary", "Stayed on the line until 120 arrived.")
    saved(b)
    b.click("[data-testid=finalise]")
    expect(b.locator("body")).to_contain_text("Finalised")
    supervisor.reload()
    expect(supervisor.locator("[data-testid=on-the-line]")).to_have_count(0)
    supervisor.click("form[data-step=closed] button")
    expect(supervisor.locator("[data-testid=referral-status]")).to_have_text("已关闭")
    expect(supervisor.locator("[data-testid=follow-ups] li")).to_have_count(5)
    expect(supervisor.locator("[data-testid=timeline]")).to_contain_text("120-0423")

    # B is offered a debrief; the coordinator sees her load.
    b.goto(live_server + "/calls")
    expect(b.locator("[data-testid=debriefs]")).to_contain_text("Debrief after a hard call")
    coordinator.goto(live_server + "/roster/wellbeing")
    b_row = coordinator.locator("[data-testid=wellbeing] tr[data-user='c.chen']")
    expect(b_row.locator("td").nth(2)).to_have_text("1")
    a_row = coordinator.locator("[data-testid=wellbeing] tr[data-user='counsellor']")
    expect(a_row.locator("td").nth(2)).to_have_text("0")
    assert call_path.startswith("/calls/")

    # The night is in the line's figures: three calls more on the dashboard (the last 30 days by default).
    supervisor.goto(live_server + "/reports")
    expect(supervisor.locator("[data-testid=figure-calls]")).to_have_text(str(calls_before + 3))
