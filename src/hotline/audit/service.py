from sqlmodel import Session

from hotline.audit.models import AuditEntry


def record(
    *,
    session: Session,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None = None,
    address: str | None = None,
    reason: str | None = None,
    detail: dict | None = None,
    commit: bool = True,
) -> AuditEntry:
    """Add one entry. `detail` must never carry note text or caller identifiers."""
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                       address=(address or "")[:64] or None, reason=reason, detail=detail or {})
    session.add(entry)
    if commit:
        session.commit()
    return entry
