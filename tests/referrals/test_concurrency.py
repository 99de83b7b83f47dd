"""Fifty supervisors claim the same referral at the same moment: exactly one wins."""

import threading

from sqlmodel import Session, select

from hotline.accounts.models import Role
from hotline.database import make_engine
from hotline.errors import Conflict
from hotline.referrals import service
from hotline.referrals.models import Referral, ReferralEvent

CLAIMANTS = 50


def test_fifty_simultaneous_claims_have_exactly_one_winner(database_url, engine, flagged_call, make_user):
    _, referral = flagged_call("imminent")
    supervisors = [make_user(Role.supervisor, username=f"sup{i:02d}") for i in range(CLAIMANTS)]
    # One connection per claimant, so they really race instead of queueing for the pool.
    racing = make_engine(database_url, pool_size=CLAIMANTS, max_overflow=0)
    barrier = threading.Barrier(CLAIMANTS)
    winners, refused, failures = [], [], []

    def claim(user):
        with Session(racing, expire_on_commit=False) as session:
            user = session.get(type(user), user.id)
            barrier.wait(timeout=30)
            try:
                service.claim(session=session, user=user, referral_id=referral.id)
                winners.append(user.id)
            except Conflict as conflict:
                refused.append(conflict.extra.get("owner"))
            except Exception as error:  # noqa: BLE001 - a crash here is the failure being tested for
                failures.append(repr(error))

    threads = [threading.Thread(target=claim, args=(user,)) for user in supervisors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    racing.dispose()

    assert failures == []
    assert len(winners) == 1 and len(refused) == CLAIMANTS - 1
    with Session(engine) as session:
        owner = session.get(Referral, referral.id).owner_id
        claims = session.exec(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id,
                                                          ReferralEvent.kind == "claimed")).all()
    assert owner == winners[0] and len(claims) == 1
    winner_name = next(u.username for u in supervisors if u.id == winners[0])
    assert set(refused) == {winner_name}  # everyone else is told who has it
