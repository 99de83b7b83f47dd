import pytest

from hotline.accounts.models import Role
from hotline.calls import service as calls
from hotline.calls.service import CallUpdate
from hotline.referrals import service


@pytest.fixture
def flagged_call(session, make_user):
    """flagged_call("high") -> (call, referral): a finalised call at that level and the referral it opened."""
    counsellor = make_user(Role.counsellor, username="counsellor1")
    notes = {
        "moderate": "She has been thinking about ways to die but has no plan.",
        "high": "He has bought charcoal and plans to do it tonight.",
        "imminent": "She took an overdose of sleeping pills just now.",
    }

    def make(level="high", user=counsellor):
        call, _ = calls.start_call(session=session, counsellor=user)
        call, _ = calls.save_call(session=session, user=user, call_id=call.id, version=1, changes=CallUpdate.parse({
            "notes": notes[level], "call_type": "about_self", "caller_group": "general_public",
            "concerns": ["low_mood"], "summary": "Referred.", "interventions": ["safety_plan"]}))
        if call.level.value != level:
            call = calls.override_level(session=session, user=user, call_id=call.id, level=level,
                                        reason="test fixture sets the level")
        call, referral = calls.finalise_call(session=session, user=user, call_id=call.id, version=call.version)
        assert referral is not None and referral.level == level
        return call, referral

    return make


@pytest.fixture
def destination(session, make_user):
    admin = make_user(Role.admin, username="admin1")
    return service.save_destination(session=session, user=admin, name="Mental Health Centre",
                                    kind="psychiatric_hospital",
                                    phone="010-12345678", hours="24h", coverage="city")
