"""Counsellors and their availability from a CSV file: read every row first, report bad rows by line
number, and apply the good rows only when the person says so (the page's confirm button, the CLI's --apply).

Columns (a header row is required; English or Chinese names, Simplified or Traditional; only username and
display_name must be there): username, display_name, extension, skills, languages, availability; the import
page names them in the reader's language (column_name), and each name it shows is read here.
Lists are separated by ";". Availability looks like "Mon 08:00-16:00; Wed 16:00-24:00" (or 周一 / 週一
08:00-16:00). An empty cell leaves what is stored as it is. New people get a counsellor account with no
usable password: an admin sets one. Excel in China often saves CSV as GBK, so that encoding is
accepted as well as UTF-8."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from sqlmodel import Session, col, delete

from hotline.accounts import service as accounts
from hotline.accounts.models import Role, User, UserRole
from hotline.accounts.service import USERNAME_PATTERN
from hotline.audit.service import record
from hotline.errors import HotlineError, InvalidInput
from hotline.i18n import _, pgettext
from hotline.roster.models import Availability, StaffProfile
from hotline.roster.times import parse_time

MAX_BYTES = 900_000  # under the request body limit, with room for the form around it
MAX_ROWS = 5000
MAX_SKILLS, SKILL_MAX = 12, 40
COLUMNS = {  # accepted header (lower case, spaces as "_") -> column
    "username": "username", "用户名": "username", "账号": "username",
    "使用者名稱": "username", "用戶名": "username", "賬號": "username", "帳號": "username",
    "display_name": "display_name", "name": "display_name", "姓名": "display_name",
    "extension": "extension", "phone_extension": "extension", "分机": "extension", "分机号": "extension",
    "分機": "extension", "分機號": "extension",
    "skills": "skills", "技能": "skills", "专长": "skills", "專長": "skills",
    "languages": "languages", "语言": "languages", "語言": "languages",
    "availability": "availability", "可值班时间": "availability", "可用时间": "availability",
    "可值班時間": "availability", "可用時間": "availability",
}
COLUMN_ORDER = ("username", "display_name", "extension", "skills", "languages", "availability")
REQUIRED = ("username", "display_name")
WEEKDAYS = {**{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
            **{name: i for i, name in enumerate("一二三四五六日")}, "天": 6}
WINDOW = re.compile(r"^\s*(?:星期|周|週|禮拜|礼拜)?(\w+?)\.?\s+(\d{1,2}:\d{2})\s*[-–~至]\s*(\d{1,2}:\d{2})\s*$")


def column_name(column: str) -> str:
    """A column's header as the import page names it, in the reader's language; COLUMNS reads every one."""
    names = {"username": pgettext("import column", "username"),
             "display_name": pgettext("import column", "display name"),
             "extension": pgettext("import column", "extension"),
             "skills": pgettext("import column", "skills"),
             "languages": pgettext("import column", "languages"),
             "availability": pgettext("import column", "availability")}
    return names[column]


def _column(header: str) -> str | None:
    return COLUMNS.get(re.sub(r"[\s-]+", "_", header.strip().lower()))
LIST_SPLIT = re.compile(r"[;；|]")


@dataclass
class StaffRow:
    line: int
    username: str
    display_name: str
    extension: str | None
    skills: list[str]
    availability: list[tuple[int, time, time]] | None  # None: leave what is stored
    exists: bool


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class StaffImport:
    rows: list[StaffRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(_("The file is not text in UTF-8 or GBK; save it from your spreadsheet as CSV."))


def _items(cell: str) -> list[str]:
    return [item.strip() for item in LIST_SPLIT.split(cell or "") if item.strip()]


def _availability(cell: str) -> list[tuple[int, time, time]]:
    windows = []
    for item in _items(cell):
        match = WINDOW.match(item)
        day = match.group(1) if match else ""
        weekday = WEEKDAYS.get(day.lower()[:3] if day.isascii() else day)
        if not match or weekday is None:
            raise InvalidInput(_("%(value)s is not availability such as Mon 08:00-16:00.", value=item[:40]))
        start = parse_time(match.group(2), field="availability")
        end = parse_time(match.group(3), field="availability")
        if start == end:
            raise InvalidInput(_("%(value)s ends when it starts.", value=item[:40]))
        windows.append((weekday, start, end))
    return windows


def _row(session: Session, number: int, values: dict[str, str], seen: dict[str, int]) -> StaffRow:
    given = (values.get("username") or "").strip()
    username = given.lower()
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(_("%(value)s is not a username: 2 to 64 lower-case letters, digits, dot, dash or "
                             "underscore.", value=given[:64] or "—"))
    if username in seen:
        raise InvalidInput(_("%(name)s is already on line %(line)s.", name=username, line=seen[username]))
    display_name = (values.get("display_name") or "").strip()
    if not display_name or len(display_name) > 120:
        raise InvalidInput(_("Give a display name of at most 120 characters."))
    extension = (values.get("extension") or "").strip() or None
    if extension and (len(extension) > 16 or not re.fullmatch(r"[0-9#*+ -]+", extension)):
        raise InvalidInput(_("A phone extension is digits only, at most 16."))
    skills = list(dict.fromkeys(_items(values.get("skills", "")) + _items(values.get("languages", ""))))
    if len(skills) > MAX_SKILLS or any(len(s) > SKILL_MAX for s in skills):
        raise InvalidInput(_("At most %(count)s skills and languages, each at most %(max)s characters.",
                             count=MAX_SKILLS, max=SKILL_MAX))
    cell = (values.get("availability") or "").strip()
    availability = _availability(cell) if cell else None
    user = accounts.find_user(session=session, username=username)
    if user is not None and not user.has_any(Role.counsellor, Role.supervisor):
        raise InvalidInput(_("%(name)s has an account that is neither counsellor nor supervisor; the roster "
                             "does not change it.", name=username))
    return StaffRow(number, username, display_name, extension, skills, availability, user is not None)


def read_staff_csv(*, session: Session, content: bytes | str) -> StaffImport:
    """Every row checked, nothing written. A file that cannot be read at all raises InvalidInput."""
    if len(content) > MAX_BYTES:
        raise InvalidInput(_("The file is too large: at most %(max)s kB. Split it.", max=MAX_BYTES // 1000))
    text = decode(content)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise InvalidInput(_("The file is empty; the first line must name the columns."))
    columns = [_column(name) for name in header]
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise InvalidInput(_("The first line must name the columns; missing: %(columns)s.",
                             columns=", ".join(column_name(column) for column in missing)))
    result, seen = StaffImport(), {}
    for cells in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            raise InvalidInput(_("The file has more than %(max)s rows. Split it.", max=MAX_ROWS))
        if len(cells) > len(columns):
            result.errors.append(RowError(number, _("This row has %(have)s cells but the header names %(want)s.",
                                                    have=len(cells), want=len(columns))))
            continue
        values = {column: cell for column, cell in zip(columns, cells, strict=False) if column}
        try:
            row = _row(session, number, values, seen)
        except HotlineError as error:
            result.errors.append(RowError(number, str(error.message)))
            continue
        seen[row.username] = number
        result.rows.append(row)
    return result


def apply_staff_import(*, session: Session, plan: StaffImport, actor: User | None,
                       progress: Callable[[StaffRow], None] | None = None) -> tuple[int, int]:
    """Write the good rows; returns (accounts created, people updated). Each row is saved on its own, so
    a long import that stops half-way keeps what it finished and can simply be run again."""
    created = updated = 0
    unusable = None
    for row in plan.rows:
        user = accounts.find_user(session=session, username=row.username)
        if user is None:
            # A real Argon2 hash of a random password nobody ever sees, so a login attempt costs the same as
            # for anyone else; one hash for the whole file, because hashing per person took ~0.5 s each.
            unusable = unusable or accounts.hash_password(secrets.token_urlsafe(32))
            user = User(username=row.username, display_name=row.display_name, password_hash=unusable)
            user.role_links = [UserRole(role=Role.counsellor.value)]
            session.add(user)
            session.flush()
            created += 1
        else:
            updated += 1
        profile = session.get(StaffProfile, user.id) or StaffProfile(user_id=user.id)
        profile.phone_extension = row.extension
        profile.skills = row.skills
        session.add(profile)
        if row.availability is not None:
            session.exec(delete(Availability).where(col(Availability.user_id) == user.id))
            for weekday, start, end in row.availability:
                session.add(Availability(user_id=user.id, weekday=weekday, start_time=start, end_time=end))
        session.commit()
        if progress:
            progress(row)
    record(session=session, actor_id=actor.id if actor else None, action="roster.staff_import",
           target_type="user", detail={"created": created, "updated": updated, "bad_rows": len(plan.errors)})
    return created, updated
