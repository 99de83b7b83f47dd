"""Where to refer: the directory on the call screen, searched in either script, and what the caller was given."""

import pytest

from calls.test_api import bearer
from hotline.accounts.models import Role
from hotline.calls import flows, service
from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.referrals import service as referrals
from hotline.referrals.models import Destination
from support import post_form

HX = {"HX-Request": "true"}


@pytest.fixture
def directory(session):
    places = [
        Destination(name="市精神卫生中心 · City Mental Health Centre", kind="psychiatric_hospital",
                    phone="010-00000001", hours="24h", coverage="全市"),
        Destination(name="社区心理服务站", kind="community_mental_health", phone="010-00000002",
                    hours="9:00–17:00", coverage="东城区"),
        Destination(name="Emergency 120", kind="emergency", phone="120", hours="24h"),
        Destination(name="旧的青少年热线", kind="other", phone="010-00000009", active=False),
    ]
    session.add_all(places)
    session.commit()
    return {d.name: d for d in places}


def names(found):
    return [d.name for d in found]


def test_the_directory_is_searched_in_either_script_and_any_case_emergency_first(session, directory):
    assert names(referrals.find_destinations(session=session)) == [
        "Emergency 120", "社区心理服务站", "市精神卫生中心 · City Mental Health Centre"]  # the retired one is gone
    # A counsellor typing Traditional characters finds the Simplified name, and the other way round.
    assert names(referrals.find_destinations(session=session, text="精神衛生")) == [
        "市精神卫生中心 · City Mental Health Centre"]
    assert names(referrals.find_destinations(session=session, text="東城")) == ["社区心理服务站"]
    assert names(referrals.find_destinations(session=session, text="mental HEALTH")) == [
        "市精神卫生中心 · City Mental Health Centre"]
    assert names(referrals.find_destinations(session=session, text="120")) == ["Emergency 120"]
    assert names(referrals.find_destinations(session=session, kind="community_mental_health")) == ["社区心理服务站"]
    assert referrals.find_destinations(session=session, text="青少年") == []
    with pytest.raises(InvalidInput):
        referrals.find_destinations(session=session, kind="spa")
    with pytest.raises(InvalidInput):
        referrals.find_destinations(session=session, text="x" * 101)


def test_what_the_caller_was_given_is_kept_once_and_only_on_ones_own_call(session, make_user, directory):
    counsellor = make_user(Role.counsellor)
    other = make_user(Role.counsellor)
    call, _ = service.start_call(session=session, counsellor=counsellor)
    clinic = directory["社区心理服务站"]
    first = referrals.give_destination(session=session, user=counsellor, call_id=call.id, destination_id=clinic.id)
    again = referrals.give_destination(session=session, user=counsellor, call_id=call.id, destination_id=clinic.id)
    assert again.id == first.id and again.at == first.at
    assert [d.name for _g, d in referrals.destinations_given(session=session, call=call)] == ["社区心理服务站"]
    with pytest.raises(InvalidInput):  # no longer in use
        referrals.give_destination(session=session, user=counsellor, call_id=call.id,
                                 destination_id=directory["旧的青少年热线"].id)
    with pytest.raises(InvalidInput):
        referrals.give_destination(session=session, user=counsellor, call_id=call.id, destination_id=10_000)
    with pytest.raises(Forbidden):
        referrals.give_destination(session=session, user=other, call_id=call.id, destination_id=clinic.id)
    flows.finalise_call(session=session, user=counsellor, call_id=call.id, version=call.version, incomplete=True)
    with pytest.raises(Conflict):
        referrals.give_destination(session=session, user=counsellor, call_id=call.id,
                                 destination_id=directory["Emergency 120"].id)


def test_the_call_screen_searches_the_directory_and_marks_what_was_given(client, logged_in, session, directory):
    logged_in(Role.counsellor)
    call_id = int(post_form(client, "/calls").headers["location"].rsplit("/", 1)[1])
    screen = client.get(f"/calls/{call_id}").text
    listed = screen.split('data-testid="destination-list"')[1].split("</ul>")[0]
    assert listed.index("Emergency 120") < listed.index("社区心理服务站") and "旧的青少年热线" not in listed

    found = client.get(f"/calls/{call_id}/destinations", params={"q": "東城區"}, headers=HX)
    assert found.status_code == 200 and found.text.lstrip().startswith('<ul id="destination-list"')
    assert "社区心理服务站" in found.text and "Emergency 120" not in found.text
    nothing = client.get(f"/calls/{call_id}/destinations", params={"q": "no such place"}, headers=HX)
    assert 'data-testid="destination-none"' in nothing.text
    bad = client.get(f"/calls/{call_id}/destinations", params={"kind": "spa"}, headers=HX)
    assert bad.status_code == 422 and "Unknown kind of destination." in bad.text
    # Without JavaScript the search shows the whole call screen, the search filled in.
    plain = client.get(f"/calls/{call_id}/destinations", params={"q": "東城區"})
    assert 'id="call-form"' in plain.text and 'value="東城區"' in plain.text

    clinic = directory["社区心理服务站"]
    given = post_form(client, f"/calls/{call_id}/destinations/{clinic.id}/given", headers=HX)
    assert given.status_code == 200 and f'id="destination-{clinic.id}"' in given.text
    assert 'data-testid="given"' in given.text and "Given to the caller at" in given.text
    assert client.get(f"/calls/{call_id}").text.count('data-testid="given"') == 1

    # The record keeps it with what was done.
    version = int(client.get(f"/calls/{call_id}").text.split('id="finalise-version" value="')[1].split('"')[0])
    assert post_form(client, f"/calls/{call_id}/finalise", {"version": version, "incomplete": "on"}).status_code \
        == 303
    record = client.get(f"/calls/{call_id}").text
    kept = record.split('data-testid="destinations-given"')[1].split("</dd>")[0]
    assert "社区心理服务站 (010-00000002)" in kept


def test_the_directory_and_giving_over_the_api(client, session, make_user, directory):
    counsellor = make_user(Role.counsellor)
    headers = bearer(session, counsellor)
    found = client.get("/api/v1/destinations", params={"q": "120"}, headers=headers)
    assert found.status_code == 200 and [d["phone"] for d in found.json()] == ["120"]
    call = client.post("/api/v1/calls", json={}, headers=headers).json()
    emergency = directory["Emergency 120"]
    given = client.post(f"/api/v1/calls/{call['id']}/destinations", json={"destination_id": emergency.id},
                        headers=headers)
    assert given.status_code == 201 and [g["name"] for g in given.json()] == ["Emergency 120"]
    refused = client.post(f"/api/v1/calls/{call['id']}/destinations", json={"destination_id": "x"}, headers=headers)
    assert refused.status_code == 422
    coordinator = make_user(Role.coordinator)
    assert client.get("/api/v1/destinations", headers=bearer(session, coordinator)).status_code == 403
