"""An admin uploads a candidate rule file, sees its effect on recent calls, and publishes it with a reason."""

from importlib import resources

import pytest

import factories
from hotline.accounts.models import Role
from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.rulebook import service
from hotline.triage import default_rules
from support import csrf_token, post_form


def shipped() -> str:
    return resources.files("hotline.triage").joinpath("rules.toml").read_text(encoding="utf-8")


def stricter() -> bytes:
    """The shipped rules with one more imminent phrase: "ate the whole pack"."""
    text = shipped().replace('"took a whole bottle",', '"took a whole bottle", "ate the whole pack",', 1)
    assert text != shipped()
    return text.encode("utf-8")


def ended_half_way(session, user, notes):
    call, _referral = factories.finished_call(session, user, notes, incomplete=True)
    return call


def test_upload_replay_publish_and_every_worker_picks_it_up(session, engine, make_user):
    admin = make_user(Role.admin)
    counsellor = make_user(Role.counsellor)
    changed = ended_half_way(session, counsellor, "She says she ate the whole pack an hour ago.")
    ended_half_way(session, counsellor, "Worried about exams.")
    worker_a = service.ActiveRules(engine=engine, refresh_seconds=0)
    worker_b = service.ActiveRules(engine=engine, refresh_seconds=0)
    record = service.upload_rule_set(session=session, user=admin, content=stricter(), filename="stricter.toml")
    assert record.status == "candidate" and worker_a.current.version == default_rules().version

    _, replayed, changes = service.replay(session=session, user=admin, record_id=record.id,
                                         active=worker_a.current)
    assert replayed == 2
    assert [(c.call_id, c.before, c.after, c.direction) for c in changes] == [(changed.id, "none", "imminent", "up")]
    assert any("ate the whole pack" in item for item in changes[0].evidence_after)

    with pytest.raises(InvalidInput):
        service.publish_rule_set(session=session, user=admin, record_id=record.id, reason="")
    service.publish_rule_set(session=session, user=admin, record_id=record.id, reason="Add overdose wording")
    assert worker_a.current.version == worker_b.current.version == record.version
    with pytest.raises(Conflict):
        service.publish_rule_set(session=session, user=admin, record_id=record.id, reason="again")


@pytest.mark.parametrize(("content", "needle"), [
    (b"", "empty"),
    (b"[[rule]\nnot toml", "rules.toml"),
    (shipped().replace('id = "suicide.intent"', 'id = "suicide.passive_wish"').encode(), "suicide.passive_wish"),
    (b"\xff\xfe", "rules.toml"),
])
def test_a_bad_rule_file_is_refused_naming_the_problem(session, make_user, content, needle):
    admin = make_user(Role.admin)
    with pytest.raises(InvalidInput) as refused:
        service.upload_rule_set(session=session, user=admin, content=content, filename="rules.toml")
    assert needle in str(refused.value.message)


def test_only_admins_change_rules(session, make_user):
    with pytest.raises(Forbidden):
        service.upload_rule_set(session=session, user=make_user(Role.supervisor), content=stricter(), filename="x")


def test_rule_set_pages(client, logged_in):
    logged_in(Role.admin)
    assert "No uploaded rule sets" in client.get("/triage/rule-sets").text
    upload = {"X-CSRFToken": csrf_token(client), "HX-Request": "true"}
    bad = client.post("/triage/rule-sets", files={"file": ("bad.toml", b"[[rule]]\nid = 1\n", "text/plain")},
                      headers=upload)
    assert bad.status_code == 422 and "bad.toml" in bad.text
    good = client.post("/triage/rule-sets", files={"file": ("stricter.toml", stricter(), "text/plain")},
                       headers=upload)
    assert good.status_code == 200 and good.headers["HX-Redirect"].startswith("/triage/rule-sets/")
    pasted = post_form(client, "/triage/rule-sets", {"content": stricter().decode()})
    assert pasted.status_code == 303
    page = client.get(good.headers["HX-Redirect"]).text
    assert 'data-testid="replay-summary"' in page and "Publish" in page
    published = post_form(client, good.headers["HX-Redirect"] + "/publish", {"reason": "More overdose wording"})
    assert published.status_code == 303
    assert "in force" in client.get("/triage/rule-sets").text


def test_a_file_upload_carries_the_csrf_token_as_a_field_or_a_header_or_is_refused_not_crashed(client, logged_in):
    logged_in(Role.admin)
    as_field = client.post("/triage/rule-sets", files={"file": ("x.toml", stricter(), "text/plain")},
                           data={"csrftoken": csrf_token(client)})
    assert as_field.status_code == 303  # a browser without script sends the token in the form
    response = client.post("/triage/rule-sets", files={"file": ("x.toml", stricter(), "text/plain")},
                           headers={"X-CSRFToken": "forged"})
    assert response.status_code == 403
    response = client.post("/triage/rule-sets", files={"file": ("x.toml", stricter(), "text/plain")},
                           data={"csrftoken": "forged"})
    assert response.status_code == 403
