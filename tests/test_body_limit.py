"""The request body limit (HOTLINE_MAX_BODY_BYTES) holds for a chunked body too, which has no Content-Length:
the bytes are counted as they arrive and the request is refused with the translated 413 as soon as they pass
the limit, without the rest being read."""

import os
import socket
import subprocess
import sys

import anyio
import httpx
import pytest
from alembic import command
from sqlmodel import Session

from hotline.accounts import service as accounts
from hotline.accounts.models import Role
from hotline.calls.models import Call
from hotline.database import alembic_config, make_engine
from support import PASSWORD, csrf_token, fresh_database, wait_until_serving

LIMIT = 512 * 1024  # the shipped rule file (~270 KB) fits
CHUNK = 16 * 1024
TOO_LARGE_ZH = "提交的内容过大"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"max_body_bytes": LIMIT})


def bearer(session, user) -> dict:
    return {"Authorization": "Bearer " + accounts.issue_token(session=session, user=user)}


def in_chunks(head: bytes, *, filler: int = 0, tail: bytes = b"", size: int = CHUNK):
    """A generator body (sent chunked, without Content-Length): head, `filler` spaces, tail."""
    for start in range(0, len(head), size):
        yield head[start:start + size]
    for start in range(0, filler, size):
        yield b" " * min(size, filler - start)
    yield tail


def rule_upload(token: str, *, padding: int = 0) -> tuple[bytes, str]:
    """A multipart upload of a rule file the console accepts, with a comment of `padding` bytes in it."""
    from importlib import resources

    rules = resources.files("hotline.triage").joinpath("rules.toml").read_text(encoding="utf-8")
    rules = rules.replace('"took a whole bottle",', '"took a whole bottle", "ate the whole pack",', 1)
    content = ("#" + "x" * padding + "\n" + rules).encode() if padding else rules.encode()
    boundary = "limitboundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrftoken"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rules.toml"\r\n'
            f"Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_chunked_form_over_the_limit_gets_the_translated_413_page_or_fragment(client, logged_in):
    logged_in(Role.admin)
    form = f"csrftoken={csrf_token(client)}&username=big1&roles=counsellor&password=".encode()
    for htmx in (False, True):
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "zh-CN"}
        if htmx:
            headers["HX-Request"] = "true"
        response = client.post("/admin/users", content=in_chunks(form, filler=3 * LIMIT), headers=headers)
        assert "content-length" not in response.request.headers  # sent chunked
        assert response.status_code == 413
        assert TOO_LARGE_ZH in response.text and "Traceback" not in response.text
        assert ("<html" in response.text) is not htmx
        assert response.headers.get("HX-Retarget") == ("#flash" if htmx else None)
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "big1" not in client.get("/admin/users").text


def test_a_chunked_api_body_over_the_limit_gets_a_translated_json_413(client, session, make_user):
    headers = {**bearer(session, make_user(Role.counsellor)), "Content-Type": "application/json",
               "Accept-Language": "zh-CN"}
    response = client.post("/api/v1/calls", content=in_chunks(b'{"line": "12356"', filler=2 * LIMIT, tail=b"}"),
                           headers=headers)
    assert response.status_code == 413 and TOO_LARGE_ZH in response.json()["detail"]


def test_a_chunked_upload_under_the_limit_is_read_whole(client, session, make_user, logged_in):
    headers = {**bearer(session, make_user(Role.counsellor)), "Content-Type": "application/json"}
    started = client.post("/api/v1/calls", content=in_chunks(b'{"line": "12356"', filler=LIMIT // 2, tail=b"}"),
                          headers=headers)
    assert started.status_code == 201  # the closing brace came last: the whole body was read
    assert session.get(Call, started.json()["id"]).line == "12356"
    logged_in(Role.admin)
    body, content_type = rule_upload(csrf_token(client))
    assert LIMIT // 2 < len(body) < LIMIT
    uploaded = client.post("/triage/rule-sets", content=in_chunks(body), headers={"Content-Type": content_type})
    assert uploaded.status_code == 303, uploaded.text
    assert uploaded.headers["location"].startswith("/triage/rule-sets/")


def test_an_over_limit_body_is_refused_without_being_read_to_the_end(app, client, logged_in):
    """Counted on the ASGI app itself: once the limit is passed, no further chunk is asked for."""
    logged_in(Role.admin)
    token = csrf_token(client)
    upload, upload_type = rule_upload(token, padding=40 * LIMIT)
    form = f"csrftoken={token}&username=big2&roles=counsellor&password=".encode()
    cases = {
        # a file upload, its token in the header: the route's form parser reads it
        "upload": ("/triage/rule-sets", upload,
                   {"Content-Type": upload_type, "X-CSRFToken": token, "HX-Request": "true"}),
        # a form whose token is in the body: the CSRF check reads it
        "form": ("/admin/users", form + b"x" * 40 * LIMIT, {"Content-Type": "application/x-www-form-urlencoded"}),
    }
    for name, (url, body, headers) in cases.items():
        sent = 0

        async def chunks(body=body):
            nonlocal sent
            for start in range(0, len(body), CHUNK):
                sent += len(body[start:start + CHUNK])
                yield body[start:start + CHUNK]

        async def post(url=url, headers=headers) -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                         cookies=client.cookies) as asgi:
                return await asgi.post(url, content=chunks(), headers=headers)

        response = anyio.run(post)
        assert response.status_code == 413, (name, response.text)
        assert sent <= LIMIT + CHUNK, f"{name}: read {sent} bytes of {len(body)} against a limit of {LIMIT}"
        assert response.headers["connection"] == "close"  # the server stops reading the rest


def test_an_over_long_content_length_is_still_refused_before_reading(client, logged_in):
    logged_in(Role.admin)
    response = client.post("/admin/users", content=b"x" * (LIMIT + 1),
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "X-CSRFToken": csrf_token(client), "Accept-Language": "zh-CN"})
    assert response.status_code == 413 and TOO_LARGE_ZH in response.text


# --- a real uvicorn server ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def small_limit_server(tmp_path):
    """`uvicorn hotline.asgi:app` in its own process with a 256 KiB body limit, and a counsellor's API token."""
    with fresh_database(tmp_path) as url:
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        with Session(engine) as session:
            user = accounts.create_user(session=session, username="mei", password=PASSWORD, roles=["counsellor"])
            token = accounts.issue_token(session=session, user=user)
        engine.dispose()
        port = _free_port()
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_SECRET_KEY": "limit-test-" + "k" * 32,
               "HOTLINE_SECRET_KEY_FILE": str(tmp_path / "secret"), "HOTLINE_MAX_BODY_BYTES": str(LIMIT),
               "HOTLINE_DEFAULT_LOCALE": "zh_CN"}
        log = tmp_path / "server.log"
        with open(log, "wb") as log_file:
            server = subprocess.Popen([sys.executable, "-m", "uvicorn", "hotline.asgi:app", "--host", "127.0.0.1",
                                       "--port", str(port), "--log-level", "warning"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=log_file)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base, server, why_not=lambda: log.read_text()[-2000:])
            yield base, {"Authorization": "Bearer " + token, "Content-Type": "application/json"}, log
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.mark.own_process
def test_a_real_server_reads_a_chunked_body_under_the_limit_and_stops_one_over_it(small_limit_server):
    base, headers, log = small_limit_server
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        started = client.post("/api/v1/calls",
                              content=in_chunks(b'{"line": "12356"', filler=LIMIT // 2, tail=b"}"))
        assert started.status_code == 201  # the closing brace came last: the whole body was read

        total = 256 * 1024 * 1024  # far more than the socket buffers on both sides can hold
        sent = 0

        def endless():
            nonlocal sent
            for chunk in in_chunks(b'{"line": "12356"', filler=total, size=64 * 1024):
                sent += len(chunk)
                yield chunk

        refused = client.post("/api/v1/calls", content=endless())
        assert refused.status_code == 413 and TOO_LARGE_ZH in refused.json()["detail"]
        assert sent < total // 4, f"the client sent {sent} of {total} bytes before the server refused"
        # The server is still there for the next request, and logged no error for the refused one.
        assert client.get("/healthz").status_code == 200
    assert "Traceback" not in log.read_text() and "Exception" not in log.read_text()
