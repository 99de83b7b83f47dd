"""Past its bound of requests in flight a worker refuses at once with a translated 503 and Retry-After,
instead of queueing work nobody will wait for; what it accepted still finishes (issue #22)."""

import time

import anyio
import httpx
import pytest
from sqlmodel import Session

from hotline.accounts.models import Role
from hotline.app import create_app
from hotline.calls.models import Call
from support import csrf_token

BOUND = 2
BUSY_ZH = "系统此刻非常繁忙"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"max_in_flight": BOUND})


def test_a_request_past_the_bound_is_refused_at_once_and_the_held_ones_finish(settings, engine, client,
                                                                              logged_in):
    logged_in(Role.counsellor)
    token = csrf_token(client)
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
    app = create_app(settings, engine)
    release = anyio.Event()
    answers: dict[str, httpx.Response] = {}

    async def scenario():
        reading = [anyio.Event() for _ in range(BOUND)]

        def held_body(n: int):
            async def body():
                reading[n].set()  # the route is reading this save: it holds a place
                await release.wait()
                yield f"version={call['version']}&notes=held+save+{n}".encode()
            return body()

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     cookies=client.cookies) as asgi:
            async def save(n: int):
                answers[f"held {n}"] = await asgi.post(
                    f"/calls/{call['id']}/save", content=held_body(n),
                    headers={"X-CSRFToken": token, "HX-Request": "true",
                             "Content-Type": "application/x-www-form-urlencoded"})

            async with anyio.create_task_group() as group:
                for n in range(BOUND):
                    group.start_soon(save, n)
                with anyio.fail_after(30):
                    for event in reading:
                        await event.wait()
                began = time.perf_counter()
                answers["page"] = await asgi.get("/calls", headers={"Accept-Language": "zh-CN"})
                answers["api"] = await asgi.patch(f"/api/v1/calls/{call['id']}",
                                                  json={"version": call["version"], "notes": "refused"},
                                                  headers={"X-CSRFToken": token})
                answers["refused in"] = time.perf_counter() - began
                answers["health"] = await asgi.get("/healthz")
                release.set()
            answers["after"] = await asgi.get("/calls")

    anyio.run(scenario)

    # Generous slack for a shared machine: a refusal is a counter check, a queued request took seconds.
    assert answers["refused in"] < 1.0
    page, api = answers["page"], answers["api"]
    assert page.status_code == 503 and BUSY_ZH in page.text
    assert page.headers["retry-after"] == "2"
    assert page.headers["content-security-policy"]  # refusals carry the security headers too
    assert api.status_code == 503 and "very busy" in api.json()["detail"]
    assert api.headers["retry-after"] == "2"
    assert answers["health"].status_code == 200  # a busy worker is still alive to its load balancer

    # Both held saves were finished: one wrote its notes, the other met the new version (the usual conflict).
    codes = sorted(answers[f"held {n}"].status_code for n in range(BOUND))
    assert codes == [200, 409]
    with Session(engine) as session:
        assert session.get(Call, call["id"]).notes.startswith("held save")
    assert answers["after"].status_code == 200  # places are given back


def test_a_save_that_waited_too_long_for_a_thread_is_refused_when_its_turn_comes(settings, engine, client,
                                                                                  logged_in, monkeypatch):
    """The count bounds how many wait; max_queue_wait_ms bounds how long. With one worker thread held by a
    slow save, the next save waits past the bound and is refused when it gets the thread, before writing
    anything; its retry, after Retry-After, is saved."""
    settings = settings.model_copy(update={"max_in_flight": 100, "max_queue_wait_ms": 200})
    logged_in(Role.counsellor)
    token = csrf_token(client)
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
    app = create_app(settings, engine)

    from hotline.calls import flows
    real_save = flows.save_call
    holding = []

    def slow_first_save(**kwargs):
        if not holding:
            holding.append(True)
            time.sleep(0.8)  # holds the only worker thread: the next request queues behind it
        return real_save(**kwargs)

    monkeypatch.setattr(flows, "save_call", slow_first_save)
    answers: dict[str, httpx.Response] = {}
    headers = {"X-CSRFToken": token, "HX-Request": "true", "Accept-Language": "zh-CN"}

    async def scenario():
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     cookies=client.cookies) as asgi:
            async def save(name: str, notes: str, version: int):
                answers[name] = await asgi.post(f"/calls/{call['id']}/save", headers=headers,
                                                data={"version": str(version), "notes": notes})

            async with anyio.create_task_group() as group:
                group.start_soon(save, "slow", "first save", call["version"])
                await anyio.sleep(0.1)
                group.start_soon(save, "late", "waited too long", call["version"] + 1)
            answers["retry"] = await asgi.post(f"/calls/{call['id']}/save", headers=headers,
                                               data={"version": str(call["version"] + 1), "notes": "the retry"})

    anyio.run(scenario)

    assert answers["slow"].status_code == 200
    late = answers["late"]
    assert late.status_code == 503 and BUSY_ZH in late.text
    assert late.headers["retry-after"] == "2"
    assert answers["retry"].status_code == 200
    with Session(engine) as session:
        assert session.get(Call, call["id"]).notes == "the retry"  # the refused save wrote nothing


def test_a_slow_upload_is_not_a_wait_for_the_server(settings, engine, client, logged_in):
    """A counsellor on a weak connection whose save takes longer to arrive than the bound is not refused:
    the wait that counts starts when the body is in."""
    settings = settings.model_copy(update={"max_in_flight": 100, "max_queue_wait_ms": 200})
    logged_in(Role.counsellor)
    token = csrf_token(client)
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
    app = create_app(settings, engine)

    async def trickle():
        yield f"version={call['version']}&notes=typed+on+a+bad+line".encode()[:10]
        await anyio.sleep(0.6)
        yield f"version={call['version']}&notes=typed+on+a+bad+line".encode()[10:]

    async def scenario():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     cookies=client.cookies) as asgi:
            return await asgi.post(f"/calls/{call['id']}/save", content=trickle(),
                                   headers={"X-CSRFToken": token, "HX-Request": "true",
                                            "Content-Type": "application/x-www-form-urlencoded"})

    assert anyio.run(scenario).status_code == 200
    with Session(engine) as session:
        assert session.get(Call, call["id"]).notes == "typed on a bad line"
