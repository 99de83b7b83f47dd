"""The fixed answer lists of the call form, with the words people see for each value."""

from enum import StrEnum

from hotline.i18n import _l
from hotline.triage import Discount, Domain, RiskLevel


class CallStatus(StrEnum):
    draft = "draft"
    finalised = "finalised"


class CallType(StrEnum):
    about_self = "about_self"
    about_other = "about_other"
    non_data = "non_data"


class NonDataReason(StrEnum):
    silent = "silent"
    hang_up = "hang_up"
    prank = "prank"
    wrong_number = "wrong_number"
    abusive = "abusive"
    test = "test"


class CallerGroup(StrEnum):
    not_disclosed = "not_disclosed"
    medical_staff = "medical_staff"
    community_worker = "community_worker"
    home_quarantine = "home_quarantine"
    confirmed_patient = "confirmed_patient"
    patient_family = "patient_family"
    bereaved = "bereaved"
    elderly_alone = "elderly_alone"
    student = "student"
    general_public = "general_public"
    other = "other"


class AgeBand(StrEnum):
    not_disclosed = "not_disclosed"
    under_18 = "under_18"
    age_18_29 = "18_29"
    age_30_44 = "30_44"
    age_45_59 = "45_59"
    age_60_74 = "60_74"
    age_75_plus = "75_plus"


class Gender(StrEnum):
    not_disclosed = "not_disclosed"
    female = "female"
    male = "male"
    other = "other"


class Concern(StrEnum):
    anxiety = "anxiety"
    low_mood = "low_mood"
    insomnia = "insomnia"
    grief = "grief"
    anger = "anger"
    family_conflict = "family_conflict"
    loneliness = "loneliness"
    health_fears = "health_fears"
    work_money = "work_money"
    violence = "violence"
    substance_use = "substance_use"
    psychotic_symptoms = "psychotic_symptoms"
    suicidal_thoughts = "suicidal_thoughts"
    other = "other"


class Intervention(StrEnum):
    listening = "listening"
    emotional_support = "emotional_support"
    psychoeducation = "psychoeducation"
    relaxation = "relaxation"
    screening = "screening"
    safety_plan = "safety_plan"
    referral = "referral"


class CrisisStep(StrEnum):
    """The imminent-risk checklist; each tick is kept with its time."""

    kept_on_line = "kept_on_line"
    location_obtained = "location_obtained"
    emergency_called = "emergency_called"
    supervisor_told = "supervisor_told"


LABELS = {
    CallStatus.draft: _l("In progress"),
    CallStatus.finalised: _l("Finalised"),
    CallType.about_self: _l("About themselves"),
    CallType.about_other: _l("About someone else"),
    CallType.non_data: _l("Non-data call"),
    NonDataReason.silent: _l("Silent"),
    NonDataReason.hang_up: _l("Hang-up"),
    NonDataReason.prank: _l("Prank"),
    NonDataReason.wrong_number: _l("Wrong number"),
    NonDataReason.abusive: _l("Abusive"),
    NonDataReason.test: _l("Test call"),
    CallerGroup.not_disclosed: _l("Not disclosed"),
    CallerGroup.medical_staff: _l("Medical staff"),
    CallerGroup.community_worker: _l("Community worker"),
    CallerGroup.home_quarantine: _l("In home quarantine"),
    CallerGroup.confirmed_patient: _l("Confirmed patient"),
    CallerGroup.patient_family: _l("Patient's family"),
    CallerGroup.bereaved: _l("Bereaved"),
    CallerGroup.elderly_alone: _l("Elderly, living alone"),
    CallerGroup.student: _l("Student"),
    CallerGroup.general_public: _l("General public"),
    CallerGroup.other: _l("Other"),
    AgeBand.under_18: _l("Under 18"),
    AgeBand.age_18_29: _l("18–29"),
    AgeBand.age_30_44: _l("30–44"),
    AgeBand.age_45_59: _l("45–59"),
    AgeBand.age_60_74: _l("60–74"),
    AgeBand.age_75_plus: _l("75 or older"),
    Gender.female: _l("Female"),
    Gender.male: _l("Male"),
    Concern.anxiety: _l("Anxiety or panic"),
    Concern.low_mood: _l("Low mood"),
    Concern.insomnia: _l("Insomnia"),
    Concern.grief: _l("Grief"),
    Concern.anger: _l("Anger"),
    Concern.family_conflict: _l("Family conflict"),
    Concern.loneliness: _l("Loneliness or isolation"),
    Concern.health_fears: _l("Health fears"),
    Concern.work_money: _l("Work or money"),
    Concern.violence: _l("Violence"),
    Concern.substance_use: _l("Substance use"),
    Concern.psychotic_symptoms: _l("Psychotic symptoms"),
    Concern.suicidal_thoughts: _l("Suicidal thoughts"),
    Intervention.listening: _l("Listening"),
    Intervention.emotional_support: _l("Emotional support"),
    Intervention.psychoeducation: _l("Psychoeducation"),
    Intervention.relaxation: _l("Relaxation or music"),
    Intervention.screening: _l("Screening test"),
    Intervention.safety_plan: _l("Safety plan"),
    Intervention.referral: _l("Referral"),
    CrisisStep.kept_on_line: _l("Caller kept on the line"),
    CrisisStep.location_obtained: _l("Location obtained"),
    CrisisStep.emergency_called: _l("120 / 110 called"),
    CrisisStep.supervisor_told: _l("Supervisor told"),
}
LABELS.update({
    RiskLevel.none: _l("No risk identified"),
    RiskLevel.low: _l("Low risk"),
    RiskLevel.moderate: _l("Moderate risk"),
    RiskLevel.high: _l("High risk"),
    RiskLevel.imminent: _l("Imminent risk"),
})

# The structured risk questions, in the order the call screen asks them (C-SSRS screener first).
ANSWER_LABELS = {
    "wish_dead": _l("Q1 In the past month, wished to be dead or not wake up?"),
    "suicidal_thoughts": _l("Q2 In the past month, had thoughts of killing themselves?"),
    "method_thoughts": _l("Q3 Thought about how they might do it?"),
    "intent": _l("Q4 Had some intention of acting on these thoughts?"),
    "plan": _l("Q5 Started to work out the details of how to do it, and intend to?"),
    "behaviour": _l("Q6 Ever done, started or prepared anything to end their life?"),
    "behaviour_past_3_months": _l("Q6 follow-up: was that within the past 3 months?"),
    "prior_attempt": _l("Earlier suicide attempt"),
    "access_to_means": _l("Has access to means"),
    "intoxicated": _l("Intoxicated now"),
    "isolated": _l("Isolated, alone"),
    "recent_loss": _l("Recent loss"),
    "harm_to_others_intent": _l("Intends to harm someone else"),
    "hearing_voices": _l("Hears voices telling them to act"),
    "experiencing_violence": _l("Experiencing violence or abuse"),
    "support_present": _l("Someone supportive is present"),
    "future_plans": _l("Has plans for the future"),
    "reasons_for_living": _l("Names reasons for living"),
    "ambivalence": _l("Ambivalent about dying"),
    "phq9_item9": _l("PHQ-9 item 9: thoughts of being better off dead or of hurting oneself"),
}


# Kept apart from LABELS: a domain ("violence") shares its word with a concern but means something else.
DOMAIN_LABELS = {
    Domain.suicide: _l("Suicide"),
    Domain.self_harm: _l("Self-harm"),
    Domain.harm_to_others: _l("Harm to others"),
    Domain.violence: _l("Violence or abuse against the caller"),
    Domain.psychosis: _l("Psychotic symptoms"),
    Domain.intoxication: _l("Intoxication or overdose"),
}
DISCOUNT_LABELS = {
    Discount.negated: _l("not counted: denied or negated"),
    Discount.past: _l("history: counted lower"),
    Discount.intensifier: _l("not counted: a figure of speech"),
    Discount.reported: _l("counted low: someone else's story or the news"),
    Discount.hesitant: _l("counted lower: holding back"),
    Discount.dream: _l("counted moderate at most: in a dream"),
}


def domain_label(value) -> str:
    return str(DOMAIN_LABELS.get(value, value or ""))


def discount_label(value) -> str:
    return str(DISCOUNT_LABELS.get(value, value or ""))


def label(value) -> str:
    """The words for a choice value, in the reader's language. Shared values ("other") read alike."""
    if value is None:
        return ""
    return str(LABELS.get(value, value))
