from datetime import timedelta

import pytest
from sqlalchemy import update

from factories import draft_call, finalise
from hotline.accounts.models import Role
from hotline.calls import callers
from hotline.calls import service as calls
from hotline.calls.models import Call
from hotline.database import utcnow

SECRET = "test-secret-key-" + "x" * 32


@pytest.fixture
def old_call(session, make_user):
    """old_call(years_ago, phone=...) -> a finalised high-risk call with an addendum, ended that long ago."""
    counsellor = make_user(Role.counsellor, username="li")

    def make(years_ago: float = 4, phone: str | None = "138 0013 8000", notes: str = "He bought charcoal for tonight."):
        call = draft_call(session, counsellor, notes, call_type="about_self", caller_group="student",
                          concerns=["low_mood"], summary="Safety plan made with Wang Fang.",
                          interventions=["safety_plan"], region="Haidian")
        if phone:
            callers.link_caller(session=session, user=counsellor, call_id=call.id, identifier=phone, secret=SECRET)
            call = session.get(Call, call.id)
        call, _referral = finalise(session, counsellor, call)
        calls.add_addendum(session=session, user=counsellor, call_id=call.id, text="Mother phoned back later.")
        when = utcnow() - timedelta(days=365.25 * years_ago)
        session.execute(update(Call).where(Call.id == call.id).values(started_at=when, ended_at=when))
        session.commit()
        session.expire_all()
        return session.get(Call, call.id)

    return make
