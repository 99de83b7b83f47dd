"""Coordinators delete templates, holidays and shifts (with confirmation, saying what happens to the people
on them) and edit staff profiles."""

from datetime import timedelta

from sqlmodel import select

from hotline.accounts.models import Role
from hotline.roster.assigning import assign
from hotline.roster.lines import add_holiday, generate_shifts, list_templates
from hotline.roster.models import Assignment, Holiday, Shift, ShiftTemplate, StaffProfile
from hotline.roster.shifts import ShiftHasPeople, delete_shift
from roster.factories import MONDAY, make_line, three_shifts_a_day
from support import post_form


def test_deleting_a_shift_with_people_needs_confirmation_naming_them(client, session, logged_in, make_user):
    coordinator = logged_in(Role.coordinator)
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    shift = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=1)[0]
    li = make_user(Role.counsellor, display_name="Li Na")
    assign(session=session, actor=coordinator, shift_id=shift.id, user_id=li.id)
    shift_id = shift.id
    page = client.get(f"/roster/lines/{line.id}/week?start={MONDAY}&shift={shift.id}")
    assert "Delete it and take Li Na off it" in page.text
    refused = post_form(client, f"/roster/shifts/{shift.id}/delete")
    assert refused.status_code == 422 and "Tick the box to confirm deleting this shift." in refused.text
    session.expire_all()
    assert session.get(Shift, shift_id) is not None
    response = post_form(client, f"/roster/shifts/{shift_id}/delete", {"confirm": "on"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Shift, shift_id) is None
    assert session.exec(select(Assignment).where(Assignment.user_id == li.id)).first() is None


def test_the_service_refuses_to_drop_people_silently(session, make_user):
    line = make_line(session)
    three_shifts_a_day(session, line, seats=1)
    shift = generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=1)[0]
    coordinator, li = make_user(Role.coordinator), make_user(Role.counsellor, display_name="Li Na")
    assign(session=session, actor=coordinator, shift_id=shift.id, user_id=li.id)
    try:
        delete_shift(session=session, shift_id=shift.id)
        raise AssertionError("deleted a shift with people on it")
    except ShiftHasPeople as refused:
        assert refused.message == "On this shift: Li Na. Deleting it takes them off; tick the box to confirm."
    assert session.get(Shift, shift.id) is not None


def test_deleting_a_template_keeps_its_shifts_and_holidays_can_be_removed(client, session, logged_in):
    logged_in(Role.coordinator)
    line = make_line(session)
    three_shifts_a_day(session, line)
    generate_shifts(session=session, line_id=line.id, first_day=MONDAY, days=1)
    holiday = add_holiday(session=session, line_id=line.id, day=MONDAY + timedelta(days=3), name="Rest day")
    template = list_templates(session=session, line_id=line.id)[0]
    template_id, holiday_id = template.id, holiday.id
    refused = post_form(client, f"/roster/templates/{template.id}/delete")
    assert refused.status_code == 422 and "Tick the box to confirm deleting the template" in refused.text
    response = post_form(client, f"/roster/templates/{template.id}/delete", {"confirm": "on"})
    assert response.status_code == 303
    assert "Shifts already made from it stay" in client.get(response.headers["location"]).text
    session.expire_all()
    assert session.get(ShiftTemplate, template_id) is None
    assert len(session.exec(select(Shift).where(Shift.line_id == line.id)).all()) == 3
    assert post_form(client, f"/roster/holidays/{holiday_id}/delete").status_code == 303
    session.expire_all()
    assert session.get(Holiday, holiday_id) is None
    missing = post_form(client, "/roster/holidays/999999/delete")
    assert missing.status_code == 404 and "There is no such holiday." in missing.text


def test_coordinator_edits_a_counsellors_extension_and_skills(client, session, logged_in, make_user):
    logged_in(Role.coordinator)
    li = make_user(Role.counsellor, display_name="Li Na")
    assert "Li Na" in client.get("/roster/staff").text
    response = post_form(client, f"/roster/staff/{li.id}", {"phone_extension": "8012",
                                                            "skills": "bereavement, English；medical staff"})
    assert response.status_code == 303
    session.expire_all()
    profile = session.get(StaffProfile, li.id)
    assert (profile.phone_extension, profile.skills) == ("8012", ["bereavement", "English", "medical staff"])
    bad = post_form(client, f"/roster/staff/{li.id}", {"phone_extension": "call me"})
    assert bad.status_code == 422 and "A phone extension is digits only" in bad.text
    many = post_form(client, f"/roster/staff/{li.id}", {"skills": ",".join(f"s{i}" for i in range(13))})
    assert many.status_code == 422 and "At most 12 skills" in many.text
    admin = make_user(Role.admin)
    assert post_form(client, f"/roster/staff/{admin.id}", {}).status_code == 404
