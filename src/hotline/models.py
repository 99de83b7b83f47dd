"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from sqlmodel import SQLModel

from hotline.accounts.models import ApiToken, LoginAttempt, RecoveryCode, User, UserRole  # noqa: F401
from hotline.audit.models import AuditEntry  # noqa: F401
from hotline.calls.models import Call, CallAddendum, CallAssessment, Caller, CrisisTick  # noqa: F401
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
from hotline.rulebook.models import RuleSetRecord  # noqa: F401
from hotline.screening.models import DistressMark, Screening  # noqa: F401

metadata = SQLModel.metadata
