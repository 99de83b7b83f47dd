"""Live updates: announced with the transaction, delivered to watchers in this process or (PostgreSQL) any worker."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import Session

from factories import finished_call
from hotline.accounts.models import Role
from hotline.calls import flows
from hotline.calls import service as calls
from hotline.calls.models import CallUpdate
from hotline.live import service as live
from hotline.live.service import hub
from hotline.referrals import service as referrals
from support import PASSWORD, PG_URL, wait_until_serving

SECRET = "live-test-secret-" + "s" * 32


def _watch_while(engine, topics, action, wait=5.0):
    """Watch `topics`, run `action` in a worker thread (as a request would), return what arrived."""

    async def scenario():
        watcher = await hub.watch(topics, engine.url)
        try:
            await asyncio.to_thread(action)
            received = []
            try:
                while True:
                    received.append(await asyncio.wait_for(watcher.queue.get(), timeout=wait if not received
                                                           else 0.3))
            except TimeoutError:
                return received
        finally:
            hub.stop(watcher)

    return asyncio.run(scenario())


def test_a_claim_is_announced_to_queue_watchers(engine, flagged_call, make_user):
    _call, referral = flagged_call("high")
    supervisor = make_user(Role.supervisor)

    def claim():
        with Session(engine, expire_on_commit=False) as session:
            referrals.claim(session=session, user=supervisor, referral_id=referral.id)

    received = _watch_while(engine, {live.QUEUE_TOPIC}, claim)
    assert {"topic": "queue", "referral": referral.id, "what": "claimed"} in received


def test_nothing_is_announced_when_the_change_is_rolled_back(engine):
    def change_then_roll_back():
        with Session(engine, expire_on_commit=False) as session:
            live.announce(session, live.QUEUE_TOPIC, referral=999, what="claimed")
            session.rollback()

    assert _watch_while(engine, {live.QUEUE_TOPIC}, change_then_roll_back, wait=1.0) == []


def test_a_risk_level_change_is_announced_on_that_call_only(engine, make_user):
    counsellor = make_user(Role.counsellor)
    with Session(engine, expire_on_commit=False) as session:
        call, _ = calls.start_call(session=session, counsellor=counsellor)
        other, _ = calls.start_call(session=session, counsellor=counsellor)

    def saves():
        with Session(engine, expire_on_commit=False) as session:
            version = 1
            for notes in ("Caller cannot sleep.", "Caller cannot sleep, worried about work.",
                          "He has bought charcoal and plans to do it tonight."):
                saved, _ = flows.save_call(session=session, user=counsellor, call_id=call.id, version=version,
                                           changes=CallUpdate.parse({"notes": notes}))
                version = saved.version
            flows.save_call(session=session, user=counsellor, call_id=other.id, version=1,
                            changes=CallUpdate.parse({"notes": "She took an overdose of sleeping pills just now."}))

    received = _watch_while(engine, {live.call_topic(call.id)}, saves)
    # The first two saves leave the level at none: only the third is announced, and not the other call.
    assert received == [{"topic": f"call:{call.id}", "call": call.id, "level": "high"}]


def test_a_hand_over_is_announced_on_the_call_and_to_the_queue(engine, make_user):
    counsellor = make_user(Role.counsellor)
    supervisor = make_user(Role.supervisor, username="lead")
    with Session(engine, expire_on_commit=False) as session:
        quiet = calls.start_call(session=session, counsellor=counsellor)[0]
        urgent = calls.start_call(session=session, counsellor=counsellor)[0]
        # Imminent risk while the caller is on the line puts the call in the supervisors' queue at once.
        flows.save_call(session=session, user=counsellor, call_id=urgent.id, version=1,
                        changes=CallUpdate.parse({"notes": "She took an overdose of sleeping pills just now."}))

    def hand_over_both():
        with Session(engine, expire_on_commit=False) as session:
            for call in (quiet, urgent):
                flows.hand_over_call(session=session, user=supervisor, call_id=call.id, to_username="lead")

    topics = {live.call_topic(quiet.id), live.call_topic(urgent.id), live.QUEUE_TOPIC}
    received = _watch_while(engine, topics, hand_over_both, wait=2.0)
    assert received == [
        {"topic": f"call:{quiet.id}", "call": quiet.id, "what": "handed_over"},  # no referral: not the queue
        {"topic": f"call:{urgent.id}", "call": urgent.id, "what": "handed_over"},
        {"topic": "queue", "call": urgent.id, "what": "handed_over"},
    ]


def test_finalising_a_flagged_call_tells_the_queue(engine, make_user):
    counsellor = make_user(Role.counsellor)

    def take_a_call():
        with Session(engine, expire_on_commit=False) as session:
            finished_call(session, counsellor, "He has bought charcoal and plans to do it tonight.",
                          summary="Referred.")

    received = _watch_while(engine, {live.QUEUE_TOPIC}, take_a_call)
    assert [(m["what"], m["level"]) for m in received] == [("opened", "high")]


def test_the_board_of_calls_in_progress_hears_every_call_start_change_and_end(engine, make_user):
    counsellor = make_user(Role.counsellor)

    def a_call():
        with Session(engine, expire_on_commit=False) as session:
            finished_call(session, counsellor, "He has bought charcoal.", incomplete=True)

    received = _watch_while(engine, {live.LINE_TOPIC}, a_call)
    assert [m.get("what") or m.get("level") for m in received] == ["started", "high", "ended"]
    assert len({m["call"] for m in received}) == 1


# --- real worker processes ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def workers(database_url: str, count: int):
    """`count` uvicorn worker processes on their own loopback ports, sharing one database and secret."""
    env = {**os.environ, "HOTLINE_DATABASE_URL": database_url, "HOTLINE_SECRET_KEY": SECRET,
           "HOTLINE_DEFAULT_LOCALE": "en"}
    ports = [_free_port() for _ in range(count)]
    processes = [subprocess.Popen([sys.executable, "-m", "uvicorn", "hotline.asgi:app", "--host", "127.0.0.1",
                                   "--port", str(port), "--log-level", "warning"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            wait_until_serving(base, process, why_not=lambda p=process: p.stderr.read().decode()[-2000:])
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _log_in(client: httpx.Client, base: str, username: str) -> str:
    page = client.get(base + "/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    response = client.post(base + "/login", data={"username": username, "password": PASSWORD, "csrftoken": token})
    assert response.status_code == 303, response.text
    return token


def _next_event(lines, name: str) -> dict:
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == name:
            return json.loads(line.split(":", 1)[1])
    raise AssertionError(f"the stream ended before a {name} event")


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals for the workers")
@pytest.mark.own_process
def test_an_update_through_one_worker_reaches_a_page_served_by_another(database_url, engine, flagged_call,
                                                                       make_user):
    """On PostgreSQL two workers, each with its own listening connection; on SQLite the one worker."""
    _call, referral = flagged_call("imminent")
    make_user(Role.supervisor, username="watcher")
    make_user(Role.supervisor, username="claimer")
    with workers(database_url, 2 if PG_URL else 1) as bases:
        acting, watching = bases[0], bases[-1]
        with httpx.Client(timeout=10, follow_redirects=False) as claimer, \
                httpx.Client(timeout=10, follow_redirects=False) as watcher:
            token = _log_in(claimer, acting, "claimer")
            _log_in(watcher, acting, "watcher")  # the session is in the cookie: any worker accepts it
            assert f'data-referral="{referral.id}"' in watcher.get(watching + "/referrals").text
            with watcher.stream("GET", watching + "/live/queue") as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                assert stream.headers["x-accel-buffering"] == "no"  # nginx passes each event on at once
                lines = stream.iter_lines()
                _next_event(lines, "ready")
                claimed = claimer.post(acting + f"/referrals/{referral.id}/claim", data={"csrftoken": token})
                assert claimed.status_code == 303
                began = time.monotonic()
                change = _next_event(lines, "change")
                assert change == {"topic": "queue", "referral": referral.id, "what": "claimed"}
                assert time.monotonic() - began < 3
            # What the browser then fetches from its own worker shows the new owner.
            page = watcher.get(watching + "/referrals", headers={"HX-Request": "true"}).text
            row = page[page.index(f'data-referral="{referral.id}"'):]
            assert "claimer" in row[:row.index("</tr>")]


@pytest.mark.own_process
def test_a_counsellors_save_reaches_a_supervisor_watching_the_call_on_another_worker(database_url, engine,
                                                                                      make_user):
    counsellor = make_user(Role.counsellor, username="counsellor1")
    make_user(Role.supervisor, username="watcher")
    with Session(engine, expire_on_commit=False) as session:
        call, _ = calls.start_call(session=session, counsellor=counsellor)
    with workers(database_url, 2 if PG_URL else 1) as bases:
        acting, watching = bases[0], bases[-1]
        with httpx.Client(timeout=10, follow_redirects=False) as typist, \
                httpx.Client(timeout=10, follow_redirects=False) as watcher:
            token = _log_in(typist, acting, "counsellor1")
            _log_in(watcher, watching, "watcher")
            with watcher.stream("GET", watching + f"/live/calls/{call.id}") as stream:
                lines = stream.iter_lines()
                _next_event(lines, "ready")
                saved = typist.post(acting + f"/calls/{call.id}/save",
                                    headers={"HX-Request": "true", "X-CSRFToken": token},
                                    files=[("form", (None, "call")), ("version", (None, "1")),
                                           ("notes", (None, "She took an overdose of sleeping pills just now."))])
                assert saved.status_code == 200, saved.text
                assert _next_event(lines, "change") == {"topic": f"call:{call.id}", "call": call.id,
                                                        "level": "imminent"}
            banner = watcher.get(watching + f"/calls/{call.id}/banner", headers={"HX-Request": "true"})
            assert 'data-level="imminent"' in banner.text


def test_a_counsellor_cannot_watch_someone_elses_call(client, session, make_user, logged_in):
    owner = make_user(Role.counsellor)
    call, _ = calls.start_call(session=session, counsellor=owner)
    logged_in(Role.counsellor)
    assert client.get(f"/live/calls/{call.id}").status_code == 403
    assert client.get(f"/calls/{call.id}/banner").status_code == 403
    assert client.get("/live/queue").status_code == 403
    assert client.get("/live/calls/99999").status_code == 404
