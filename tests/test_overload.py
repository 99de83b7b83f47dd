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


def _while_full(app, client, call, token, refused):
    """Runs `refused(asgi)` while the worker's BOUND places are held by saves whose bodies have not arrived
    yet; then lets the held saves finish."""
    release = anyio.Event()

    async def scenario():
        reading = [anyio.Event() for _ in range(BOUND)]

        def held_body(n: int):
            async def body():
                reading[n].set()
                await release.wait()
                yield f"version={call['version']}&notes=held+save+{n}".encode()
            return body()

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     cookies=client.cookies) as asgi:
            async def save(n: int):
                await asgi.post(f"/calls/{call['id']}/save", content=held_body(n),
                                headers={"X-CSRFToken": token, "HX-Request": "true",
                                         "Content-Type": "application/x-www-form-urlencoded"})

            async with anyio.create_task_group() as group:
                for n in range(BOUND):
                    group.start_soon(save, n)
                with anyio.fail_after(30):
                    for event in reading:
                        await event.wait()
                try:
                    return await refused(asgi)
                finally:
                    release.set()

    return anyio.run(scenario)


def test_a_storm_of_refusals_speaks_each_readers_language_and_fills_no_log(settings, engine, client, logged_in,
                                                                           caplog):
    """A refusal is made once per language and sent as the same bytes after that: a counsellor reading
    Chinese must still get Chinese after an English reader was refused (and the reverse), a refused page
    still offers the language switch back to that page, and a storm of refusals is one log line with its
    count, not a line each."""
    logged_in(Role.counsellor)
    token = csrf_token(client)
    call = client.post("/api/v1/calls", json={}, headers={"X-CSRFToken": token}).json()
    app = create_app(settings, engine)
    save = {"X-CSRFToken": token, "HX-Request": "true"}

    async def refused(asgi):
        answers = {}
        for round_ in range(3):  # the second and third rounds are sent the bytes made in the first
            for language in ("en", "zh-CN"):
                answers[round_, language, "save"] = await asgi.post(
                    f"/calls/{call['id']}/save", data={"version": "1", "notes": "x"},
                    headers={**save, "Accept-Language": language})
                answers[round_, language, "page"] = await asgi.get(
                    "/calls/new?q=<b>", headers={"Accept-Language": language})
                answers[round_, language, "api"] = await asgi.patch(
                    f"/api/v1/calls/{call['id']}", json={"version": 1, "notes": "x"},
                    headers={"X-CSRFToken": token, "Accept-Language": language})
        return answers

    with caplog.at_level("INFO", logger="hotline.request"):
        answers = _while_full(app, client, call, token, refused)

    for (round_, language, kind), answer in answers.items():
        assert answer.status_code == 503, (round_, language, kind)
        assert answer.headers["retry-after"] == "2"
        if kind == "api":
            detail = answer.json()["detail"]
            assert (BUSY_ZH in detail) if language == "zh-CN" else ("very busy" in detail)
            continue
        assert (BUSY_ZH in answer.text) if language == "zh-CN" else ("very busy" in answer.text)
        assert (BUSY_ZH in answer.text) != ("very busy" in answer.text)
        if kind == "save":  # the call screen shows it in its message area, as any other error
            assert answer.headers["hx-retarget"] == "#flash"
            assert "<html" not in answer.text
        else:
            assert f'lang="{"zh-CN" if language == "zh-CN" else "en"}"' in answer.text
            assert 'name="next" value="/calls/new"' in answer.text
    refusals = [r for r in caplog.records if r.name == "hotline.request" and getattr(r, "status", None) == 503]
    assert len(refusals) == 1 and refusals[0].refused == 1  # the first at once; the other 17 wait their turn


def test_refusals_are_logged_together_at_most_every_ten_seconds(caplog):
    from hotline.logs import RefusalTally

    moment = [1000.0]
    tally = RefusalTally(every=10, clock=lambda: moment[0])
    with caplog.at_level("INFO", logger="hotline.request"):
        for _ in range(500):
            tally.refused()
            moment[0] += 0.01  # 100 a second for 5 s
        moment[0] += 6
        tally.flush_if_due()  # the next request after the storm writes what it counted
        tally.flush_if_due()
    assert [r.refused for r in caplog.records] == [1, 499]
