"""The pages and exports as people use them: filters, bad input, de-identified CSV, audit."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.database import utcnow
from reports.factories import week_of_calls

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def week(session, make_user):
    return week_of_calls(session, make_user)


def rows_of(response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_dashboard_shows_every_chart_with_its_table(client, logged_in, week):
    logged_in(Role.supervisor)
    page = client.get("/reports?start=2026-03-01&end=2026-03-07")
    assert page.status_code == 200
    for key in ("per-day", "per-hour", "by-group", "by-concern", "by-level", "referrals", "follow-ups",
                "by-length"):
        assert f'data-testid="panel-{key}"' in page.text
    assert page.text.count("<svg") == 8 and page.text.count("<table") == 8
    assert 'data-testid="figure-calls">5<' in page.text
    assert 'data-testid="figure-repeat">80%<' in page.text
    assert 'data-testid="figure-distress-fell">67% <small>(2 of 3 calls rated twice or more)' in page.text
    hope = client.get("/reports?start=2026-03-01&end=2026-03-07&line=Hope+line").text
    assert 'data-testid="figure-distress-fell">50% <small>(1 of 2 calls' in hope
    empty = client.get("/reports?start=2026-01-01&end=2026-01-07").text
    assert 'data-testid="figure-distress-fell">–</dd>' in empty
    assert "Student" in page.text and "Anxiety or panic" in page.text


def test_dashboard_in_chinese(client, logged_in, week):
    logged_in(Role.admin)
    client.cookies.set("hotline_locale", "zh_CN")
    page = client.get("/reports?start=2026-03-01&end=2026-03-07&line=Hope+line")
    assert page.status_code == 200
    assert 'data-testid="figure-calls">4<' in page.text
    assert "按来电者群体" in page.text


@pytest.mark.parametrize("query, message", [
    ("start=2026-03-07&end=2026-03-01", "The start date is after the end date."),
    ("start=2015-01-01&end=2026-03-01", "Choose at most 5 years at a time."),
    ("end=2999-01-01", "The end date is in the future"),
    ("line=Nowhere", "Unknown line: Nowhere"),
    ("start=tomorrow", "Start is not a date"),
])
def test_bad_filters_get_a_message_and_a_422(client, logged_in, week, query, message):
    logged_in(Role.supervisor)
    page = client.get("/reports?" + query)
    assert page.status_code == 422
    assert message in page.text
    assert client.get("/reports/calls.csv?" + query).status_code == 422
    assert client.get("/reports/referrals.csv?" + query).status_code == 422


def test_call_export_is_de_identified_and_audited(client, logged_in, session, week):
    supervisor = logged_in(Role.supervisor)
    response = client.get("/reports/calls.csv?start=2026-03-01&end=2026-03-07")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = rows_of(response)
    header, body = rows[0], rows[1:]
    assert len(body) == 5
    assert "Age band" in header and not {"Notes", "Summary", "Caller", "Id", "Counsellor"} & set(header)
    text = response.content.decode()
    assert "secret" not in text and "x" * 64 not in text and "wang" not in text
    first = dict(zip(header, body[0], strict=True))
    assert first["Date"] == "2026-03-01" and first["Hour"] == "0" and first["Minutes"] == "70.0"
    judged = next(dict(zip(header, row, strict=True)) for row in body if row[header.index("Hour")] == "23")
    assert judged["Age band"] == "18–29" and judged["Risk level"] == "High risk"
    assert judged["Counsellor changed the level"] == "yes" and judged["Repeat caller"] == "yes"
    assert judged["Referral opened"] == "yes" and judged["Concerns"] == "Anxiety or panic; Insomnia"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "report_export")).one()
    assert (entry.actor_id, entry.target_type) == (supervisor.id, "calls")
    assert entry.detail == {"start": "2026-03-01", "end": "2026-03-07", "line": None}


def test_referral_export_has_deadlines_and_follow_ups(client, logged_in, session, week):
    logged_in(Role.admin)
    rows = rows_of(client.get("/reports/referrals.csv?start=2026-03-01&end=2026-03-07"))
    header, body = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [row["Risk level"] for row in body] == ["High risk", "Moderate risk", "Imminent risk"]
    assert body[0]["Minutes to acknowledge"] == "10.0" and body[0]["Acknowledged within deadline"] == "yes"
    assert body[0]["Follow-ups scheduled"] == "4" and body[0]["Follow-ups done"] == "2"
    assert body[2]["Acknowledged within deadline"] == "no" and body[2]["Minutes to acknowledge"] == ""
    assert "Resolution" not in header and "Reference number" not in header
    assert session.exec(select(AuditEntry).where(AuditEntry.target_type == "referrals")).one()


def test_monthly_summary_page_and_csv(client, logged_in, session, week):
    logged_in(Role.supervisor)
    page = client.get("/reports/summary?month=2026-03")
    assert page.status_code == 200 and 'data-testid="summary"' in page.text
    assert "Monthly summary: 2026-03" in page.text
    rows = rows_of(client.get("/reports/summary.csv?month=2026-03&line=Hope+line"))
    assert rows[0] == ["Section", "Item", "Count"]
    assert ["Calls", "All calls", "4"] in rows
    assert ["Caller group", "Student", "2"] in rows
    assert ["Follow-ups", "Done late", "1"] in rows
    assert ["Referrals acknowledged within deadline", "High risk", "1"] in rows
    assert ["Caller's distress", "Calls rated twice or more", "2"] in rows
    assert ["Caller's distress", "Lower at the end than at the start", "1"] in rows
    actions = [e.target_type for e in session.exec(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["summary", "summary"]
    assert client.get("/reports/summary?month=2999-01").status_code == 422


def test_a_counsellor_sees_their_own_month(client, session, week):
    from support import login

    assert login(client, week["counsellor"]).status_code == 303
    page = client.get("/reports/mine?month=2026-03")
    assert page.status_code == 200
    assert 'data-testid="my-calls">3<' in page.text and 'data-testid="my-heavy">1<' in page.text
    assert 'data-testid="my-reviews">1<' in page.text
    assert client.get("/reports/mine?month=March").status_code == 422
    assert client.get("/reports").status_code == 403


def test_a_coordinator_sees_staffing_for_the_month(client, logged_in, make_user, session):
    from hotline.demo import load_demo_roster

    logged_in(Role.coordinator, username="coordinator")
    make_user(Role.counsellor, username="counsellor")  # the demo roster asks for these accounts by name
    make_user(Role.supervisor, username="supervisor")
    load_demo_roster(session=session, password="x" * 12)
    page = client.get("/reports/staffing")
    assert page.status_code == 200, page.text
    assert 'data-testid="panel-staffing"' in page.text
    assert "Counsellor-hours needed" in page.text
    # every day of the month has a row, with 2 counsellors × 24 hours needed at least
    today = utcnow().astimezone(SHANGHAI).date()
    assert page.text.count(f"<th scope=\"row\">{today.strftime('%Y-%m')}-") >= 28
    assert client.get("/reports/staffing?line_id=999").status_code == 422
    assert client.get("/reports/staffing?month=2026-13").status_code == 422


def test_export_links_keep_the_filters(client, logged_in, week):
    logged_in(Role.supervisor)
    page = client.get("/reports?start=2026-03-01&end=2026-03-07&line=Hope+line")
    assert 'href="/reports/calls.csv?start=2026-03-01&amp;end=2026-03-07&amp;line=Hope+line"' in page.text
    rows = rows_of(client.get("/reports/calls.csv?start=2026-03-01&end=2026-03-07&line=Hope+line"))
    assert len(rows) == 1 + 4


def test_a_bad_month_is_answered_on_the_summary_form_with_what_was_typed(client, logged_in, week):
    logged_in(Role.supervisor)
    page = client.get("/reports/summary?month=2026-13&line=Hope+line")
    assert page.status_code == 422
    # the form is still there, holding the month as typed and the line chosen, with the message beside it
    assert 'name="month" value="2026-13" aria-invalid="true"' in page.text
    assert '<option value="Hope line" selected>' in page.text
    assert 'id="m-month-error"' in page.text and "YYYY-MM" in page.text
    assert "Monthly summary: " not in page.text  # no figures for a month that does not exist
