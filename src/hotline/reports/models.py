"""Reports add no tables, only the indexes their GROUP BYs need on other domains' tables."""

from sqlalchemy import Index

from hotline.calls.models import Call
from hotline.referrals.models import FollowUp

calls = Call.__table__
# Covers the dashboard's passes over a period's finished calls, so they read the index, not the rows.
CALLS_FOR_REPORTS = Index("ix_calls_reports", calls.c.status, calls.c.started_at, calls.c.line, calls.c.caller_group,
                          calls.c.engine_level, calls.c.override_level, calls.c.ended_at, calls.c.caller_id)
FOLLOW_UPS_BY_DUE_DAY = Index("ix_follow_ups_due_on", FollowUp.__table__.c.due_on)
