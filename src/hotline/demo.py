"""Demo accounts for trying the console. Never used outside `hotline demo`."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from hotline.accounts import service
from hotline.accounts.models import Role

DEMO_USERS = (
    ("counsellor", "Demo counsellor · 示例咨询员", [Role.counsellor]),
    ("coordinator", "Demo coordinator · 示例协调员", [Role.coordinator]),
    ("supervisor", "Demo supervisor · 示例督导", [Role.supervisor]),
    ("admin", "Demo administrator · 示例管理员", [Role.admin]),
    ("lead", "Demo lead (supervisor + coordinator) · 示例组长", [Role.supervisor, Role.coordinator]),
)


def demo_password(configured: str | None) -> str:
    return configured or secrets.token_urlsafe(9)


def load_demo_users(*, session: Session, password: str) -> list[tuple[str, list[Role]]]:
    """Create the demo users, or reset their password and roles if they exist already."""
    made = []
    for username, display_name, roles in DEMO_USERS:
        user = service.find_user(session=session, username=username)
        if user is None:
            service.create_user(session=session, username=username, display_name=display_name,
                                password=password, roles=roles)
        else:
            service.set_password(session=session, user=user, new_password=password)
            service.set_roles(session=session, user=user, roles=roles)
            service.set_active(session=session, user=user, active=True)
        made.append((username, roles))
    return made
