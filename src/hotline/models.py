"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from hotline.accounts.models import ApiToken, LoginAttempt, RecoveryCode, User, UserRole  # noqa: F401
from hotline.alerts.models import AlertChannel, AlertDelivery, AlertEscalation, LineAlertPolicy  # noqa: F401
from hotline.audit.models import AuditEntry  # noqa: F401
from hotline.calls.models import (  # noqa: F401
    Call,
    CallAddendum,
    CallAssessment,
    Caller,
    CallHandOver,
    CrisisTick,
    DestinationGiven,
)
from hotline.notifications.models import Notification  # noqa: F401
from hotline.referrals.models import (  # noqa: F401
    CallerAlert,
    CallReview,
    Debrief,
    Destination,
    FollowUp,
    Referral,
    ReferralEvent,
)
from hotline.reports import models as reports  # noqa: F401 - indexes only
from hotline.roster.models import (  # noqa: F401
    Assignment,
    Availability,
    CalendarFeed,
    Holiday,
    Line,
    RosterLimits,
    RosterPublication,
    Shift,
    ShiftRating,
    ShiftTemplate,
    StaffProfile,
    SwapRequest,
    TimeOff,
)
from hotline.rulebook.models import RuleFileReload, RuleSetRecord  # noqa: F401
from hotline.screening.models import DistressMark, Screening  # noqa: F401

metadata = SQLModel.metadata

# Expression indexes PostgreSQL reflects in its own spelling ('imminent'::text, = ANY (ARRAY[...])): autogenerate
# would see a change on every run. tests/test_query_plans.py checks instead that the queue reads its index.
_NOT_COMPARED = {"ix_referrals_queue"}


def compared_by_autogenerate(_object, name, type_, _reflected, _compare_to) -> bool:
    return not (type_ == "index" and name in _NOT_COMPARED)
