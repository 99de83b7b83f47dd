"""Risk triage for hotline notes: a pure library (no web, no database).

    from hotline.triage import assess, Answers
    result = assess("来电者说今晚准备吃安眠药", Answers(plan=True))
    result.level, result.evidence, result.actions

Rules live in rules.toml beside this file; see its header for the format.
"""

from .engine import answer_rules, assess, default_rules, shipped_rules_file
from .findings import findings
from .models import (
    INSTRUMENT_FIELDS,
    PROTECTIVE_FIELDS,
    RISK_FACTOR_FIELDS,
    SCREENER_FIELDS,
    Action,
    Answers,
    Assessment,
    Discount,
    Domain,
    Evidence,
    RiskLevel,
    Subject,
)
from .rules import RuleFileError, RuleSet, load_rules, parse_rules

__all__ = [
    "INSTRUMENT_FIELDS",
    "PROTECTIVE_FIELDS",
    "RISK_FACTOR_FIELDS",
    "SCREENER_FIELDS",
    "Action",
    "answer_rules",
    "Answers",
    "Assessment",
    "Discount",
    "Domain",
    "Evidence",
    "RiskLevel",
    "RuleFileError",
    "RuleSet",
    "Subject",
    "assess",
    "default_rules",
    "findings",
    "shipped_rules_file",
    "load_rules",
    "parse_rules",
]
