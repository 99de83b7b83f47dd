"""Real receivers for alerts: a local HTTP server standing in for the robots and the pager gateway, an SMTP
server (aiosmtpd) for e-mail; and a night on a line with two supervisors on call."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline.accounts.models import Role
from hotline.roster.models import Assignment, Line, Shift, ShiftRole, ShiftStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
LINE = "希望热线"


@dataclass
class Received:
    path: str
    query: dict
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the server got, and what it answers next (status, JSON), the last answer repeating."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict]] = field(default_factory=lambda: [(200, {"errcode": 0, "code": 0})])
    arrived: threading.Event = field(default_factory=threading.Event)

    def next_answer(self) -> tuple[int, dict]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def receiver():
    """A real HTTP server on a free loopback port, in a thread."""
    holder: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            got = holder["receiver"]
            got.requests.append(Received(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                         {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)))
            status, answer = got.next_answer()
            body = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            got.arrived.set()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield holder["receiver"]
    server.shutdown()
    server.server_close()


def three_in_the_morning() -> datetime:
    """03:00 in Shanghai on the night after today, whatever today is."""
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(3, 0), tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def clock():
    """The clock at 03:00 tonight, standing still until the test moves it (clock.shift(minutes))."""
    with time_machine.travel(three_in_the_morning(), tick=False) as traveller:
        yield traveller


@dataclass
class Night:
    line: Line
    first: object  # the supervisor on shift longest: alerted first
    second: object
    coordinator: object
    admin: object
    counsellor: object


@pytest.fixture
def night(session, make_user, clock):
    """The line 希望热线 at 03:00: a night shift (22:00-08:00) with a counsellor and supervisor Bai on it,
    and supervisor Chen on a shift that began at midnight; a coordinator and an admin at home."""
    now = datetime.now(UTC)
    line = Line(name=LINE)
    session.add(line)
    session.commit()
    first = make_user(Role.supervisor, username="bai", display_name="白督导")
    second = make_user(Role.supervisor, username="chen", display_name="陈督导")
    coordinator = make_user(Role.coordinator, username="coord", display_name="周协调")
    admin = make_user(Role.admin, username="boss", display_name="管理员")
    counsellor = make_user(Role.counsellor, username="li", display_name="李咨询师")
    night_shift = Shift(line_id=line.id, name="Night", starts_at=now - timedelta(hours=5),
                        ends_at=now + timedelta(hours=5), status=ShiftStatus.published)
    late_shift = Shift(line_id=line.id, name="Late", starts_at=now - timedelta(hours=3),
                       ends_at=now + timedelta(hours=5), status=ShiftStatus.published)
    session.add_all([night_shift, late_shift])
    session.commit()
    session.add_all([Assignment(shift_id=night_shift.id, user_id=first.id, role=ShiftRole.supervisor),
                     Assignment(shift_id=night_shift.id, user_id=counsellor.id, role=ShiftRole.counsellor),
                     Assignment(shift_id=late_shift.id, user_id=second.id, role=ShiftRole.supervisor)])
    session.commit()
    return Night(line, first, second, coordinator, admin, counsellor)
