"""Finding calls: my calls, or everyone's for a supervisor (audited), by date, level, concern and words.
Notes are sealed, so words are matched after opening them, over a bounded number of calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, select

from hotline.accounts.models import Role, User
from hotline.audit import service as audit
from hotline.calls.choices import Concern
from hotline.calls.models import Call
from hotline.errors import Forbidden, InvalidInput
from hotline.i18n import _
from hotline.triage import RiskLevel


class CallSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_from: date | None = None
    date_to: date | None = None
    level: RiskLevel | None = None
    concern: Concern | None = None
    text: str | None = Field(default=None, max_length=200)
    everyone: bool = False


class SearchResults(list):
    """Calls found, newest first. Notes are encrypted, so words are matched in Python over at most
    `scan_limit` calls (newest first) that pass the other filters; `oldest_scanned` says where a text
    search stopped when it hit that bound, so the page can ask for a narrower date range."""

    scanned: int = 0
    oldest_scanned: datetime | None = None


TEXT_SEARCH_SCAN_LIMIT = 5_000


def search_calls(
    *, session: Session, user: User, query: CallSearch, tz, limit: int = 200, address: str | None = None,
    scan_limit: int = TEXT_SEARCH_SCAN_LIMIT,
) -> SearchResults:
    """My calls, or everyone's for a supervisor (audited), newest first."""
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidInput(_("The start date is after the end date."), field="date_from")
    conditions = []
    if query.everyone:
        if Role.supervisor not in user.roles:
            raise Forbidden(_("Only supervisors search everyone's calls."))
        audit.record(session=session, actor_id=user.id, action="call.search", target_type="call", address=address,
                     detail={"filters": query.model_dump(mode="json", exclude={"text"}),
                             "text_search": bool(query.text)})
    else:
        conditions.append(Call.counsellor_id == user.id)
    if query.date_from:
        conditions.append(Call.started_at >= datetime.combine(query.date_from, datetime.min.time(), tz))
    if query.date_to:
        end = datetime.combine(query.date_to + timedelta(days=1), datetime.min.time(), tz)
        conditions.append(Call.started_at < end)
    if query.level:
        conditions.append(
            or_(Call.override_level == query.level.value,
                (Call.override_level.is_(None)) & (Call.engine_level == query.level.value))
        )
    if query.concern:
        # Concerns are a JSON list of fixed words; the quoted word cannot match any other entry.
        conditions.append(cast(Call.concerns, String).like(f'%"{query.concern.value}"%'))
    newest_first = (col(Call.started_at).desc(), col(Call.id).desc())
    results = SearchResults()
    if not query.text:
        results.extend(session.exec(select(Call).where(*conditions).order_by(*newest_first).limit(limit)))
        return results
    needle = query.text.casefold()
    found: list[int] = []
    # Only the sealed columns are read and opened here; whole calls are loaded for the matches alone.
    rows = session.execute(
        select(Call.id, Call.started_at, Call.notes, Call.summary).where(*conditions).order_by(*newest_first)
        .limit(scan_limit + 1).execution_options(yield_per=500)
    )
    last_started = None
    for call_id, started_at, notes, summary in rows:
        if results.scanned == scan_limit:
            results.oldest_scanned = last_started  # more calls exist beyond the bound
            break
        results.scanned += 1
        last_started = started_at
        if needle in notes.casefold() or needle in summary.casefold():
            found.append(call_id)
            if len(found) == limit:
                break
    rows.close()
    if found:
        calls = {call.id: call for call in session.exec(select(Call).where(col(Call.id).in_(found)))}
        results.extend(calls[call_id] for call_id in found)
    return results
