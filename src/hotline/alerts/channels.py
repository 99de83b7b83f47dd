"""Sending one alert message over one channel, each in its own format. No database here: delivery.py
reads the outbox and calls `send`; a failure raises `SendFailed` with a short reason (never a secret).

Formats, as each platform documents its group robots:
- WeCom (企业微信): POST {"msgtype": "text", "text": {"content": …}}; answers {"errcode": 0}.
- DingTalk (钉钉): the same shape; with a signing secret the URL carries timestamp (ms) and
  sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret")); answers {"errcode": 0}.
- Feishu (飞书): POST {"msg_type": "text", "content": {"text": …}}; with a signing secret the body carries
  timestamp (s) and sign = base64(HMAC-SHA256(key="timestamp\\nsecret", message="")); answers {"code": 0}.
- Generic webhook: our JSON, with X-Hotline-Timestamp and X-Hotline-Signature: sha256=HMAC-SHA256(secret,
  "timestamp.body") in hex, and Idempotency-Key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote_plus

import httpx

from hotline.alerts.models import ChannelKind

TIMEOUT_SECONDS = 10


class SendFailed(Exception):
    """The channel did not take the message; `reason` is short and safe to log and show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason[:300]


@dataclass(frozen=True)
class AlertMessage:
    """What an alert says: no note text, no caller detail, no phone number."""

    key: str  # idempotency key
    text: str  # one line, in the console's language
    subject: str
    link: str
    level: str
    referral_id: int | None
    line: str
    waited_minutes: int
    step: int
    test: bool = False


def send(kind: str, settings: dict, message: AlertMessage, *, client: httpx.Client | None = None) -> None:
    if kind == ChannelKind.email:
        return send_email(settings, message)
    senders = {ChannelKind.wecom: _wecom, ChannelKind.dingtalk: _dingtalk, ChannelKind.feishu: _feishu,
               ChannelKind.webhook: _webhook}
    if kind not in senders:
        raise SendFailed(f"unknown channel kind {kind}")
    owned = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    try:
        senders[kind](client, settings, message)
    except httpx.HTTPError as error:
        raise SendFailed(f"{type(error).__name__}") from None
    finally:
        if owned:
            client.close()


def _post(client: httpx.Client, url: str, *, content: bytes, headers: dict | None = None) -> httpx.Response:
    response = client.post(url, content=content, headers={"Content-Type": "application/json; charset=utf-8",
                                                          **(headers or {})})
    if response.status_code >= 300:
        raise SendFailed(f"HTTP {response.status_code}")
    return response


def _robot_answer(response: httpx.Response, field: str) -> None:
    """The robots answer HTTP 200 with their own error code in the body (a wrong key, a bad signature)."""
    try:
        answer = response.json()
    except ValueError:
        raise SendFailed("the robot's answer is not JSON") from None
    code = answer.get(field, answer.get("StatusCode", 0)) if isinstance(answer, dict) else None
    if code not in (0, "0"):
        raise SendFailed(f"{field} {code}: {str(answer.get('errmsg') or answer.get('msg') or '')[:120]}")


def _dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _wecom(client, settings, message):
    body = {"msgtype": "text", "text": {"content": message.text}}
    _robot_answer(_post(client, settings["url"], content=_dumps(body)), "errcode")


def dingtalk_signature(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _dingtalk(client, settings, message):
    url = settings["url"]
    if settings.get("secret"):
        timestamp = int(time.time() * 1000)
        url += ("&" if "?" in url else "?") + \
            f"timestamp={timestamp}&sign={quote_plus(dingtalk_signature(settings['secret'], timestamp))}"
    body = {"msgtype": "text", "text": {"content": message.text}}
    _robot_answer(_post(client, url, content=_dumps(body)), "errcode")


def feishu_signature(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _feishu(client, settings, message):
    body: dict = {"msg_type": "text", "content": {"text": message.text}}
    if settings.get("secret"):
        timestamp = int(time.time())
        body = {"timestamp": str(timestamp), "sign": feishu_signature(settings["secret"], timestamp), **body}
    _robot_answer(_post(client, settings["url"], content=_dumps(body)), "code")


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _webhook(client, settings, message):
    body = _dumps({"id": message.key, "type": "test" if message.test else "referral_alert",
                   **{k: v for k, v in asdict(message).items() if k not in ("key", "subject", "test")}})
    timestamp = str(int(time.time()))
    headers = {"Idempotency-Key": message.key, "X-Hotline-Timestamp": timestamp}
    if settings.get("secret"):
        headers["X-Hotline-Signature"] = webhook_signature(settings["secret"], timestamp, body)
    _post(client, settings["url"], content=body, headers=headers)


SMTPS_PORT = 465  # TLS from the first byte (RFC 8314), not STARTTLS
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def login_in_clear(settings: dict) -> bool:
    """A relay login that would cross the network unencrypted: refused. A relay on this machine (a local
    Postfix) is the one place a password in clear does not travel."""
    port = int(settings.get("port") or 25)
    return bool(settings.get("username")) and not settings.get("starttls") and port != SMTPS_PORT \
        and settings.get("host", "").strip("[]").lower() not in LOCAL_HOSTS


def send_email(settings: dict, message: AlertMessage) -> None:
    """Through the line's own relay: TLS on port 465, STARTTLS and a login when its settings ask for them;
    never a password in clear to another machine."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = settings["sender"]
    email["To"] = ", ".join(settings["recipients"])
    email["Date"] = formatdate(localtime=False)
    # The same key gives the same Message-ID: a mail system that sees a retry twice can tell.
    email["Message-ID"] = make_msgid(idstring=message.key.replace(":", "."), domain="hotline.alerts")
    email.set_content(message.subject + "\n\n" + message.link + "\n")
    if login_in_clear(settings):
        raise SendFailed("SMTP: a login needs STARTTLS or port 465")
    port = int(settings.get("port") or 25)
    try:
        if port == SMTPS_PORT:
            relay = smtplib.SMTP_SSL(settings["host"], port, timeout=TIMEOUT_SECONDS,
                                     context=ssl.create_default_context())
        else:
            relay = smtplib.SMTP(settings["host"], port, timeout=TIMEOUT_SECONDS)
        with relay:
            if settings.get("starttls") and port != SMTPS_PORT:
                relay.starttls(context=ssl.create_default_context())
            if settings.get("username"):
                relay.login(settings["username"], settings.get("password") or "")
            relay.send_message(email)
    except (smtplib.SMTPException, OSError) as error:
        raise SendFailed(f"SMTP: {type(error).__name__}") from None
