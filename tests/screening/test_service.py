"""Screenings and distress marks through the service functions, and the reports figure."""

from datetime import timedelta

import pytest
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.calls import callers, flows
from hotline.calls import service as calls
from hotline.calls.models import Call, CallAssessment, CallUpdate
from hotline.database import utcnow
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.screening import service
from hotline.screening.models import DistressMark, Screening

SECRET = "s" * 40
PHQ9_ITEM9_TWO = [1, 2, 1, 1, 0, 1, 0, 0, 2]  # total 8, mild; item 9 "more than half the days"


@pytest.fixture
def counsellor(make_user):
    return make_user(Role.counsellor, username="mei")


def start(session, user, **fields):
    call, _created = calls.start_call(session=session, counsellor=user, **fields)
    return call


def finalise(session, user, call):
    call = session.get(Call, call.id)
    call, _ = flows.save_call(session=session, user=user, call_id=call.id, version=call.version,
                              changes=CallUpdate.parse({"call_type": "about_self", "caller_group": "student",
                                                        "concerns": ["low_mood"], "summary": "Talked it through.",
                                                        "interventions": ["listening"]}))
    call, _ = flows.finalise_call(session=session, user=user, call_id=call.id, version=call.version)
    return call


def count(session, table):
    return len(session.exec(select(table)).all())


def test_a_screening_is_scored_and_kept_with_the_call(session, counsellor):
    call = start(session, counsellor)
    screening, result = service.add_screening(session=session, user=counsellor, call_id=call.id,
                                              instrument_id="gad7", answers=[3, 3, 2, 2, 1, 1, 0])
    assert (screening.total, screening.band) == (12, "moderate") == (result.total, result.band.id)
    assert service.screenings_of(session=session, call=call)[0].answers == [3, 3, 2, 2, 1, 1, 0]
    assert session.get(Call, call.id).level.value == "none"  # GAD-7 carries no risk item


def test_phq9_item9_raises_the_call_to_low_with_evidence_and_history(session, counsellor):
    call = start(session, counsellor)
    service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id="phq9",
                          answers=PHQ9_ITEM9_TWO)
    call = session.get(Call, call.id)
    assert call.level.value == "low" and call.answers == {"phq9_item9": 2}
    assert any(e["rule_id"] == "answers.phq9_item9" for e in call.evidence)
    history = calls.assessment_history(session=session, call=call)
    assert [h.level for h in history] == ["low"]
    assert call.version == 1  # the browser's next autosave is not turned into a conflict


def test_a_later_calmer_phq9_does_not_erase_item9(session, counsellor):
    call = start(session, counsellor)
    service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id="phq9",
                          answers=PHQ9_ITEM9_TWO)
    service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id="phq9", answers=[0] * 9)
    assert session.get(Call, call.id).answers["phq9_item9"] == 2


def test_saving_the_call_form_keeps_the_screening_answer(session, counsellor):
    call = start(session, counsellor)
    service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id="phq9",
                          answers=PHQ9_ITEM9_TWO)
    call = session.get(Call, call.id)
    call, result = flows.save_call(session=session, user=counsellor, call_id=call.id, version=call.version,
                                   changes=CallUpdate.parse({"notes": "失眠两周", "answers": {"wish_dead": False}}))
    assert call.answers == {"phq9_item9": 2, "wish_dead": False}
    assert result.level.value == "low"


def test_phq9_without_item9_leaves_the_level_alone(session, counsellor):
    call = start(session, counsellor)
    service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id="phq9",
                          answers=[3, 3, 3, 3, 3, 3, 3, 3, 0])
    call = session.get(Call, call.id)
    assert call.level.value == "none" and not session.exec(select(CallAssessment)).all()


@pytest.mark.parametrize(
    "instrument_id, answers, message",
    [
        ("phq9", [0] * 8, "This screening has 9 questions; 8 answers were given."),
        ("phq9", [0] * 8 + [4], "Question 9: the answer must be between 0 and 3."),
        ("phq4", [0, 1, "x", 1], "Question 3: the answer must be a whole number."),
        ("beck", [0] * 21, "Unknown screening instrument: beck."),
    ],
)
def test_bad_screenings_are_refused_and_nothing_is_stored(session, counsellor, instrument_id, answers, message):
    call = start(session, counsellor)
    with pytest.raises(InvalidInput) as error:
        service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id=instrument_id,
                              answers=answers)
    assert error.value.message == message and error.value.status_code == 422
    assert count(session, Screening) == 0
    assert session.get(Call, call.id).answers == {}


def test_a_finalised_call_takes_no_screening_or_distress(session, counsellor):
    call = finalise(session, counsellor, start(session, counsellor))
    with pytest.raises(Conflict):
        service.add_screening(session=session, user=counsellor, call_id=call.id, instrument_id="phq9",
                              answers=PHQ9_ITEM9_TWO)
    with pytest.raises(Conflict):
        service.log_distress(session=session, user=counsellor, call_id=call.id, level=4)
    assert count(session, Screening) == count(session, DistressMark) == 0
    assert session.get(Call, call.id).level.value == "none"


def test_only_the_calls_counsellor_adds_to_it(session, counsellor, make_user):
    call = start(session, counsellor)
    other = make_user(Role.supervisor, username="lin")
    with pytest.raises(Forbidden):
        service.log_distress(session=session, user=other, call_id=call.id, level=3)
    with pytest.raises(NotFound):
        service.log_distress(session=session, user=counsellor, call_id=call.id + 99, level=3)


def test_distress_marks_in_order_and_refused_out_of_range(session, counsellor):
    call = start(session, counsellor)
    for level in (8, "6", 3):
        service.log_distress(session=session, user=counsellor, call_id=call.id, level=level)
    assert [m.level for m in service.distress_marks(session=session, call=call)] == [8, 6, 3]
    for bad in (11, -1, "x", "", None, True, 2.5):
        with pytest.raises(InvalidInput):
            service.log_distress(session=session, user=counsellor, call_id=call.id, level=bad)
    assert count(session, DistressMark) == 3


def mark(session, call, *levels, start_minutes=0):
    """Distress marks a minute apart, from `start_minutes` after the call started."""
    for i, level in enumerate(levels):
        session.add(DistressMark(call_id=call.id, level=level, by_id=call.counsellor_id,
                                 at=call.started_at + timedelta(minutes=start_minutes + i)))
    session.commit()


def test_distress_fell_share_counts_finished_calls_with_a_start_and_an_end(session, counsellor):
    now = utcnow()
    fell = start(session, counsellor, line="12356")
    rose = start(session, counsellor, line="12356")
    flat = start(session, counsellor, line="other")
    single = start(session, counsellor)
    ended_calm_after_a_peak = start(session, counsellor, line="other")
    unfinished = start(session, counsellor)
    mark(session, fell, 9, 7, 4)
    mark(session, rose, 3, 6)
    mark(session, flat, 5, 2, 5)
    mark(session, single, 2)
    mark(session, ended_calm_after_a_peak, 6, 10, 5)
    mark(session, unfinished, 9, 1)
    for call in (fell, rose, flat, single, ended_calm_after_a_peak):
        finalise(session, counsellor, call)
    window = (now - timedelta(hours=1), now + timedelta(hours=1))
    assert service.distress_fell_share(session, *window) == (4, 2)
    assert service.distress_fell_share(session, *window, line="12356") == (2, 1)
    assert service.distress_fell_share(session, *window, line="other") == (2, 1)
    assert service.distress_fell_share(session, now + timedelta(hours=1), now + timedelta(hours=2)) == (0, 0)


def test_marks_logged_at_the_same_moment_keep_their_order(session, counsellor):
    call = start(session, counsellor)
    at = call.started_at + timedelta(minutes=3)
    for level in (7, 2):
        session.add(DistressMark(call_id=call.id, level=level, by_id=counsellor.id, at=at))
    session.commit()
    finalise(session, counsellor, call)
    now = utcnow()
    assert service.distress_fell_share(session, now - timedelta(hours=1), now + timedelta(hours=1)) == (1, 1)


def test_caller_trend_spans_the_callers_calls_and_audits_other_counsellors(session, counsellor, make_user):
    colleague = make_user(Role.counsellor, username="wang")
    earlier = start(session, colleague)
    callers.link_caller(session=session, user=colleague, call_id=earlier.id, identifier="13900001111", secret=SECRET)
    service.add_screening(session=session, user=colleague, call_id=earlier.id, instrument_id="phq9",
                          answers=[3, 3, 3, 3, 3, 0, 0, 0, 0])
    finalise(session, colleague, earlier)
    now = start(session, counsellor)
    assert service.caller_trend(session=session, user=counsellor, call=now) == []  # not linked yet
    callers.link_caller(session=session, user=counsellor, call_id=now.id, identifier="139 0000 1111", secret=SECRET)
    service.add_screening(session=session, user=counsellor, call_id=now.id, instrument_id="phq9", answers=[1] * 9)
    trend = service.caller_trend(session=session, user=counsellor, call=session.get(Call, now.id))
    assert [(p.call_id, p.total, p.band) for p in trend] == [(earlier.id, 15, "moderately_severe"),
                                                              (now.id, 9, "mild")]
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "caller.screening_trend")).all()
    assert len(audit) == 1 and audit[0].actor_id == counsellor.id
