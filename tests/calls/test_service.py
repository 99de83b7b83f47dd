"""Every state change of a call, through the service functions."""

import pytest
from sqlmodel import select

from hotline.accounts.models import Role
from hotline.audit.models import AuditEntry
from hotline.calls import callers, flows, search, service
from hotline.calls.models import Call, CallAssessment, Caller, CallUpdate
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.referrals.models import Referral

SECRET = "s" * 40


@pytest.fixture
def counsellor(make_user):
    return make_user(Role.counsellor, username="mei")


def start(session, user):
    call, created = service.start_call(session=session, counsellor=user)
    assert created
    return call


def save(session, user, call, **fields):
    return flows.save_call(session=session, user=user, call_id=call.id, version=call.version,
                             changes=CallUpdate.parse(fields))


def complete_fields(**extra):
    return {"call_type": "about_self", "caller_group": "medical_staff", "concerns": ["anxiety"],
            "summary": "Talked through night-shift worries; feels calmer.", **extra}


def test_a_new_call_is_a_draft_at_version_1_with_no_risk(session, counsellor):
    call = start(session, counsellor)
    assert call.is_draft and call.version == 1
    assert call.level.value == "none"


def test_only_people_who_take_calls_can_start_one(session, make_user):
    with pytest.raises(Forbidden):
        service.start_call(session=session, counsellor=make_user(Role.coordinator))


def test_saving_bumps_the_version_and_assesses_the_notes(session, counsellor):
    call = start(session, counsellor)
    call, result = save(session, counsellor, call, notes="来电者说今晚准备吃安眠药，药已经买好了。")
    assert call.version == 2
    assert result.level.value in ("high", "imminent")
    assert call.engine_level == result.level.value
    assert call.rules_version == result.rules_version
    assert any(item["text"] for item in call.evidence)
    history = session.exec(select(CallAssessment).where(CallAssessment.call_id == call.id)).all()
    assert [h.source for h in history] == ["engine"]


def test_answers_alone_raise_the_level(session, counsellor):
    call = start(session, counsellor)
    call, result = save(session, counsellor, call, answers={"plan": True, "intent": True})
    assert result.level.value == "high"


def test_a_stale_version_saves_nothing(session, counsellor):
    call = start(session, counsellor)
    save(session, counsellor, call, notes="first tab")
    with pytest.raises(service.StaleVersion) as conflict:
        flows.save_call(session=session, user=counsellor, call_id=call.id, version=1,
                          changes=CallUpdate.parse({"notes": "second tab"}))
    assert conflict.value.status_code == 409
    assert conflict.value.call.notes == "first tab"
    session.expire_all()
    assert session.get(Call, call.id).notes == "first tab"


def test_only_given_fields_change(session, counsellor):
    call = start(session, counsellor)
    call, _ = save(session, counsellor, call, notes="kept", region="Wuhan")
    call, _ = save(session, counsellor, call, region="Hubei")
    assert call.notes == "kept" and call.region == "Hubei"


@pytest.mark.parametrize(
    "fields",
    [{"notes": "x" * 100_001}, {"caller_group": "aliens"}, {"concerns": ["boredom"]}, {"mood_end": 11},
     {"answers": {"plan": True, "favourite_colour": True}}, {"unknown_field": 1}],
)
def test_bad_input_is_refused_whole(session, counsellor, fields):
    call = start(session, counsellor)
    with pytest.raises(InvalidInput):
        save(session, counsellor, call, **fields)
    session.expire_all()
    assert session.get(Call, call.id).version == 1


def test_someone_elses_call_cannot_be_saved_or_read(session, counsellor, make_user):
    call = start(session, counsellor)
    other = make_user(Role.counsellor)
    with pytest.raises(Forbidden):
        save(session, other, call, notes="not mine")
    with pytest.raises(Forbidden):
        service.read_call(session=session, user=other, call_id=call.id)
    with pytest.raises(NotFound):
        service.read_call(session=session, user=other, call_id=99999)


def test_a_supervisor_reading_a_call_is_audited(session, counsellor, make_user):
    call = start(session, counsellor)
    supervisor = make_user(Role.supervisor)
    service.read_call(session=session, user=counsellor, call_id=call.id)
    reads = select(AuditEntry).where(AuditEntry.target_type == "call")
    assert session.exec(reads).all() == []
    service.read_call(session=session, user=supervisor, call_id=call.id, address="10.1.1.1")
    entry = session.exec(reads).one()
    assert (entry.actor_id, entry.action, entry.target_id, entry.address) == (supervisor.id, "call.read", call.id,
                                                                              "10.1.1.1")


def test_finalise_lists_every_missing_field(session, counsellor):
    call = start(session, counsellor)
    with pytest.raises(service.MissingFields) as missing:
        flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert set(missing.value.problems) == {"call_type", "caller_group", "concerns", "summary"}
    call, _ = save(session, counsellor, call, call_type="about_self")
    with pytest.raises(service.MissingFields) as missing:
        flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert set(missing.value.problems) == {"caller_group", "concerns", "summary"}


def test_finalised_low_risk_call_is_read_only_and_opens_no_referral(session, counsellor):
    call = start(session, counsellor)
    call, _ = save(session, counsellor, call, notes="Worried about her parents in quarantine.", **complete_fields())
    call, referral = flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert not call.is_draft and call.ended_at is not None and referral is None
    with pytest.raises(Conflict):
        save(session, counsellor, call, notes="changed later")


def test_high_risk_call_opens_a_referral_at_its_level(session, counsellor):
    call = start(session, counsellor)
    call, _ = save(session, counsellor, call, notes="He has bought charcoal and plans to do it tonight.",
                   **complete_fields(interventions=["safety_plan", "referral"]))
    call, referral = flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert referral is not None and referral.level == call.level.value
    assert referral.status == "new"
    assert session.exec(select(Referral)).one().call_id == call.id


def test_override_to_moderate_opens_a_referral_and_both_levels_are_kept(session, counsellor):
    call = start(session, counsellor)
    call, _ = save(session, counsellor, call, notes="Feels trapped at home.", **complete_fields(
        interventions=["listening"]))
    engine_level = call.engine_level
    with pytest.raises(InvalidInput):
        flows.override_level(session=session, user=counsellor, call_id=call.id, level="moderate", reason="")
    call = flows.override_level(session=session, user=counsellor, call_id=call.id, level="moderate",
                                  reason="Voice flat, gave away her cat last week")
    assert call.level.value == "moderate" and call.engine_level == engine_level
    _, referral = flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert referral is not None and referral.level == "moderate"
    sources = [a.source for a in service.assessment_history(session=session, call=call)]
    assert "override" in sources and sources[-1] == "final"


def test_moderate_call_needs_interventions_recorded(session, counsellor):
    call = start(session, counsellor)
    call, _ = save(session, counsellor, call, answers={"method_thoughts": True, "suicidal_thoughts": True},
                   **complete_fields())
    assert call.level.value == "moderate"
    with pytest.raises(service.MissingFields) as missing:
        flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version)
    assert set(missing.value.problems) == {"interventions"}


def test_save_and_end_closes_an_abandoned_call_marked_incomplete(session, counsellor):
    call = start(session, counsellor)
    call, referral = flows.finalise_call(session=session, user=counsellor, call_id=call.id,
                                           version=call.version, incomplete=True)
    assert call.ended_incomplete and not call.is_draft and referral is None


def test_non_data_call_ends_in_one_step(session, counsellor):
    call = start(session, counsellor)
    call = flows.end_non_data_call(session=session, user=counsellor, call_id=call.id, version=1, reason="silent")
    assert not call.is_draft and call.call_type == "non_data" and call.non_data_reason == "silent"
    with pytest.raises(InvalidInput):
        flows.end_non_data_call(session=session, user=counsellor, call_id=start(session, counsellor).id,
                                  version=1, reason="bored")


def test_crisis_ticks_keep_their_time_once(session, counsellor):
    call = start(session, counsellor)
    first = flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="emergency_called")
    again = flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="emergency_called")
    assert first.id == again.id and first.at is not None
    with pytest.raises(InvalidInput):
        flows.tick_crisis_step(session=session, user=counsellor, call_id=call.id, step="pray")


def test_addenda_only_after_the_call_ends(session, counsellor):
    call = start(session, counsellor)
    with pytest.raises(Conflict):
        service.add_addendum(session=session, user=counsellor, call_id=call.id, text="later")
    call, _ = flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=1, incomplete=True)
    entry = service.add_addendum(session=session, user=counsellor, call_id=call.id, text="Called back, safe.")
    assert entry.author_id == counsellor.id
    assert call.notes == ""


def test_repeat_caller_is_matched_by_keyed_hash_only(session, counsellor, make_user):
    first = start(session, counsellor)
    callers.link_caller(session=session, user=counsellor, call_id=first.id, identifier="138 0013 8000", secret=SECRET)
    save(session, counsellor, first, **complete_fields())
    flows.finalise_call(session=session, user=counsellor, call_id=first.id, version=2)
    other = make_user(Role.counsellor)
    second = start(session, other)
    caller = callers.link_caller(session=session, user=other, call_id=second.id, identifier="+86 138-0013-8000",
                                 secret=SECRET)
    assert "13800138000" not in caller.identifier_hash
    assert session.exec(select(Caller)).one().id == caller.id
    session.refresh(second)
    history = callers.caller_history(session=session, user=other, call=second)
    assert [c.id for c in history] == [first.id]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "caller.history")).one().actor_id == other.id


def test_the_phone_system_opens_a_call_once_per_its_id(session, counsellor):
    call, created = service.start_call(session=session, counsellor=counsellor, external_id="pbx-1", seat="3")
    again, created_again = service.start_call(session=session, counsellor=counsellor, external_id="pbx-1")
    assert created and not created_again and again.id == call.id


def test_search_my_calls_and_everyones(session, counsellor, make_user):
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    mine = start(session, counsellor)
    save(session, counsellor, mine, notes="insomnia for weeks", concerns=["insomnia"])
    other = make_user(Role.counsellor)
    theirs = start(session, other)
    save(session, other, theirs, notes="insomnia and grief", concerns=["grief"])
    found = search.search_calls(session=session, user=counsellor, query=search.CallSearch(text="INSOMNIA"), tz=tz)
    assert [c.id for c in found] == [mine.id]
    with pytest.raises(Forbidden):
        search.search_calls(session=session, user=counsellor, query=search.CallSearch(everyone=True), tz=tz)
    supervisor = make_user(Role.supervisor)
    found = search.search_calls(session=session, user=supervisor,
                                 query=search.CallSearch(everyone=True, concern="grief"), tz=tz)
    assert [c.id for c in found] == [theirs.id]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "call.search")).one()
    import datetime

    with pytest.raises(InvalidInput):
        search.search_calls(session=session, user=counsellor, tz=tz, query=search.CallSearch(
            date_from=datetime.date(2026, 5, 2), date_to=datetime.date(2026, 5, 1)))


def test_a_draft_is_handed_over_with_its_notes_and_the_first_counsellor_can_no_longer_write(
        session, counsellor, make_user):
    from hotline.notifications.models import Notification

    colleague = make_user(Role.counsellor, username="zhou")
    call, _ = save(session, counsellor, start(session, counsellor), notes="来电者说今晚不想活了")
    version_before = call.version
    handed = service.hand_over_call(session=session, user=counsellor, call_id=call.id, to_username="zhou",
                                    reason="my shift ended")
    assert handed.counsellor_id == colleague.id and handed.notes == "来电者说今晚不想活了"
    assert handed.version == version_before + 1
    # A save still coming from the first counsellor's screen is refused, saying who has the call now.
    with pytest.raises(service.CallHandedOver, match="handed over to zhou") as refused:
        flows.save_call(session=session, user=counsellor, call_id=call.id, version=handed.version,
                          changes=CallUpdate.parse({"notes": "overwritten"}))
    assert refused.value.extra == {"handed_over_to": "zhou"}
    # Someone who never held it is only told it is not theirs.
    stranger = make_user(Role.counsellor, username="stranger")
    with pytest.raises(Forbidden) as not_theirs:
        flows.save_call(session=session, user=stranger, call_id=call.id, version=handed.version,
                          changes=CallUpdate.parse({"notes": "overwritten"}))
    assert not isinstance(not_theirs.value, service.CallHandedOver)
    [move] = service.hand_overs(session=session, call=call)
    assert (move.from_user_id, move.to_user_id, move.by_id) == (counsellor.id, colleague.id, counsellor.id)
    flows.save_call(session=session, user=colleague, call_id=call.id, version=handed.version,
                      changes=CallUpdate.parse({"notes": handed.notes + " 已联系家人"}))
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "call.hand_over")).one()
    assert (entry.actor_id, entry.target_id, entry.reason) == (counsellor.id, call.id, "my shift ended")
    assert entry.detail == {"from_user": counsellor.id, "to_user": colleague.id}
    told = session.exec(select(Notification).where(Notification.user_id == colleague.id)).one()
    assert told.link == f"/calls/{call.id}" and "不想活" not in str(told.params)


def test_who_may_hand_a_call_over_and_to_whom(session, counsellor, make_user):
    other = make_user(Role.counsellor, username="other")
    supervisor = make_user(Role.supervisor, username="lead")
    make_user(Role.coordinator, username="rota")
    call, _ = save(session, counsellor, start(session, counsellor), notes="worried about exams")
    with pytest.raises(Forbidden):  # another counsellor cannot take it
        service.hand_over_call(session=session, user=other, call_id=call.id, to_username="other")
    for nobody in ("rota", "no-such-person", counsellor.username):
        with pytest.raises(InvalidInput):
            service.hand_over_call(session=session, user=counsellor, call_id=call.id, to_username=nobody)
    # A supervisor takes a call over (an imminent call, say) without asking the counsellor.
    taken = service.hand_over_call(session=session, user=supervisor, call_id=call.id, to_username="lead")
    assert taken.counsellor_id == supervisor.id
    flows.finalise_call(session=session, user=supervisor, call_id=call.id, version=taken.version, incomplete=True)
    with pytest.raises(Conflict):
        service.hand_over_call(session=session, user=supervisor, call_id=call.id, to_username="other")


def test_two_phone_events_racing_for_one_id_make_one_call(engine, session, counsellor, monkeypatch):
    """Both look the id up before either has inserted it: the one that loses the insert answers with the
    winner's call instead of a unique-constraint error."""
    import threading

    from sqlmodel import Session as DbSession

    both_looked = threading.Barrier(2, timeout=20)
    look_up = service._call_with_external_id
    waited = threading.local()

    def look_up_then_wait(session, external_id):
        found = look_up(session, external_id)
        if not getattr(waited, "once", False):  # each event's first look-up: neither has inserted yet
            waited.once = True
            both_looked.wait()
        return found

    monkeypatch.setattr(service, "_call_with_external_id", look_up_then_wait)
    results, errors = [], []

    def phone_event():
        try:
            with DbSession(engine, expire_on_commit=False) as own:
                call, created = service.start_call(session=own, counsellor=own.get(type(counsellor), counsellor.id),
                                                   external_id="pbx-race")
                results.append((call.id, created))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=phone_event) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len({call_id for call_id, _created in results}) == 1
    assert sorted(created for _id, created in results) == [False, True]
    assert len(session.exec(select(Call).where(Call.external_id == "pbx-race")).all()) == 1


def test_a_race_lost_to_another_counsellor_is_a_conflict(session, counsellor, make_user, monkeypatch):
    other = make_user(Role.counsellor)
    theirs, _created = service.start_call(session=session, counsellor=other, external_id="pbx-theirs")
    look_up = service._call_with_external_id
    looks = []

    def first_look_too_early(session, external_id):  # just before the other counsellor's call was inserted
        looks.append(external_id)
        return None if len(looks) == 1 else look_up(session, external_id)

    monkeypatch.setattr(service, "_call_with_external_id", first_look_too_early)
    with pytest.raises(Conflict):
        service.start_call(session=session, counsellor=counsellor, external_id="pbx-theirs")
    assert looks == ["pbx-theirs", "pbx-theirs"]
    assert session.get(Call, theirs.id).counsellor_id == other.id
