"""Structured request logs with a request id, and no caller data in any log line."""

import io
import json
import logging
from contextlib import contextmanager

import pytest

from hotline.accounts.models import Role
from hotline.logs import REDACTED, RedactFilter, RequestIdFilter, json_formatter, log_config, scrub
from support import csrf_token

PHONE = "138 1234 5678"
NOTE = "来电者说今晚想吃安眠药，她叫王小红"


@contextmanager
def captured_logs():
    """Every log line the process writes, as `hotline serve` formats and filters them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    old_level, hotline_level = root.level, logging.getLogger("hotline").level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("hotline").setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        logging.getLogger("hotline").setLevel(hotline_level)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_one_json_line_per_request_with_route_template_user_and_request_id(client, logged_in):
    user = logged_in(Role.counsellor)
    with captured_logs() as stream:
        response = client.get(f"/calls/search?text={PHONE}")
        other = client.get("/calls/424242", headers={"X-Request-ID": "proxy-id-12345"})
    assert response.status_code == 200 and other.status_code == 404
    assert other.headers["x-request-id"] == "proxy-id-12345"
    requests = [line for line in lines(stream) if line["message"] == "request"]
    assert len(requests) == 2
    first, second = requests
    assert first["request_id"] == response.headers["x-request-id"]
    assert first["path"] == "/calls/search" and first["method"] == "GET" and first["status"] == 200
    assert first["user_id"] == user.id and first["level"] == "INFO" and first["time"]
    assert isinstance(first["duration_ms"], float)
    assert second["path"] == "/calls/{call_id}" and second["status"] == 404 and second["request_id"] == "proxy-id-12345"
    assert "5678" not in stream.getvalue()  # httpx logs the query string: the filter took it out


def test_a_bad_incoming_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>\n"})
    assert response.headers["x-request-id"] != "<script>\n" and len(response.headers["x-request-id"]) == 32


def test_scrub_takes_out_phone_numbers_chinese_text_sql_values_and_query_strings():
    text = ("(sqlite3.IntegrityError) NOT NULL failed\n[SQL: UPDATE calls SET notes=? WHERE id=?]\n"  # noqa: S608
            f"[parameters: ('{NOTE} call me at {PHONE}', 7)]\nGET /calls/search?text=anything "
            f"+86-138-1234-5678 someone@example.org")
    cleaned = scrub(text)
    for secret in ("王小红", "安眠药", "1234", "anything", "someone@", "UPDATE calls"):
        assert secret not in cleaned
    assert "IntegrityError" in cleaned and REDACTED in cleaned


def test_unhandled_errors_are_logged_without_what_the_caller_said(app):
    from fastapi.testclient import TestClient

    @app.get("/boom")
    def boom():
        raise ValueError(f"could not parse {NOTE} {PHONE}")

    with captured_logs() as stream, TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500 and "ValueError" not in response.text
    output = stream.getvalue()
    assert "ValueError" in output and "/boom" in output
    assert "王小红" not in output and "5678" not in output


def test_sensitive_extra_fields_are_blanked():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "saved %s", (PHONE,), None)
    record.notes = NOTE
    RedactFilter().filter(record)
    assert record.getMessage() == "saved " + REDACTED and record.notes == REDACTED


def test_serve_log_config_is_valid_and_silences_the_access_log():
    config = log_config(json_lines=True)
    logging.config.dictConfig({**config, "root": {"handlers": [], "level": "WARNING"},
                               "loggers": {"hotline.check": {"handlers": ["main"], "level": "INFO"}}})
    assert config["loggers"]["uvicorn.access"]["handlers"] == []


@pytest.fixture(autouse=True)
def _logging_config_module():
    import logging.config  # noqa: F401 - dictConfig lives in a submodule


def test_saving_a_note_logs_no_note_text(client, logged_in):
    logged_in(Role.counsellor)
    token = csrf_token(client)
    with captured_logs() as stream:
        call = client.post("/api/v1/calls", json={"caller_number": PHONE}, headers={"X-CSRFToken": token}).json()
        saved = client.patch(f"/api/v1/calls/{call['id']}", json={"version": call["version"], "notes": NOTE},
                             headers={"X-CSRFToken": token})
    assert saved.status_code == 200
    output = stream.getvalue()
    assert output and "王小红" not in output and "5678" not in output


def test_ids_inside_words_are_left_readable():
    assert scrub("Running upgrade 3410385cca56 -> be9a1b056d86") == "Running upgrade 3410385cca56 -> be9a1b056d86"
    assert scrub("call 021-64790000 now") == f"call {REDACTED} now"


def test_a_phone_number_written_into_chinese_text_is_taken_out():
    assert "13912345678" not in scrub("来电者电话13912345678，请回电")


def test_the_address_the_server_listens_on_stays_readable():
    # Uvicorn's start-up line is the one a person reads to know where to open the console.
    assert scrub("Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)") == (
        "Uvicorn running on http://127.0.0.1:8000 (Press CTRL+C to quit)")
    assert "13800138000" not in scrub("caller rang back from 13800138000 at http://10.0.0.5:8000/calls")
