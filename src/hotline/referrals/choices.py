from hotline.i18n import _l
from hotline.referrals.models import DestinationKind, FollowUpStatus, ReferralStatus

STATUS_LABELS = {
    ReferralStatus.new: _l("New"),
    ReferralStatus.acknowledged: _l("Acknowledged"),
    ReferralStatus.in_progress: _l("In progress"),
    ReferralStatus.referred: _l("Referred onward"),
    ReferralStatus.resolved: _l("Resolved"),
    ReferralStatus.closed: _l("Closed"),
}
KIND_LABELS = {
    DestinationKind.psychiatric_hospital: _l("Psychiatric hospital"),
    DestinationKind.emergency: _l("Emergency 120 / 110"),
    DestinationKind.community_mental_health: _l("Community mental-health service"),
    DestinationKind.school: _l("School"),
    DestinationKind.social_work: _l("Social work"),
    DestinationKind.other: _l("Other"),
}
FOLLOW_UP_LABELS = {
    FollowUpStatus.due: _l("Due"),
    FollowUpStatus.done: _l("Done"),
    FollowUpStatus.cancelled: _l("Cancelled"),
}
EVENT_LABELS = {
    "opened": _l("opened"),
    "claimed": _l("claimed"),
    "released": _l("released"),
    "reassigned": _l("handed to"),
    "status": _l("moved to"),
    "follow_up": _l("follow-up call made"),
    "follow_up_cancelled": _l("follow-up cancelled"),
    "level_raised": _l("risk rose during the call"),
    "alerted": _l("was alerted"),
    "alert_posted": _l("alert posted"),
    "alert_delivered": _l("alert delivered"),
    "alert_failed": _l("alert not delivered"),
}
