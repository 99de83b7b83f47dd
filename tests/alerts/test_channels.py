"""Each channel in its own format, received by real servers: a local HTTP server checks each robot's payload
and signature, an aiosmtpd server in this process receives the e-mail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import time
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from hotline.alerts import channels
from hotline.alerts.channels import AlertMessage, SendFailed

LINK = "https://hotline.example.org/referrals/49"
SUBJECT = "紧急风险转介 #49 已等待 2 分钟 · 希望热线"
MESSAGE = AlertMessage(key="referral:49:step:0:channel:3", text=f"{SUBJECT} · 打开: {LINK}", subject=SUBJECT,
                       link=LINK, level="imminent", referral_id=49, line="希望热线", waited_minutes=2, step=1)


def test_wecom_gets_its_text_message(receiver):
    channels.send("wecom", {"url": receiver.url + "/cgi-bin/webhook/send?key=abc"}, MESSAGE)
    got = receiver.requests[-1]
    assert got.path == "/cgi-bin/webhook/send" and got.query == {"key": "abc"}
    assert got.json == {"msgtype": "text", "text": {"content": MESSAGE.text}}


def test_dingtalk_gets_its_text_message_signed_with_the_robots_secret(receiver):
    secret = "SEC0123456789abcdef"
    channels.send("dingtalk", {"url": receiver.url + "/robot/send?access_token=t0k", "secret": secret}, MESSAGE)
    got = receiver.requests[-1]
    assert got.json == {"msgtype": "text", "text": {"content": MESSAGE.text}}
    timestamp = got.query["timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000 and got.query["access_token"] == "t0k"
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert got.query["sign"] == expected  # parse_qs has undone the URL encoding of + / =


def test_feishu_gets_its_text_message_and_signature(receiver):
    receiver.answers = [(200, {"code": 0, "msg": "success"})]
    secret = "feishu-secret"
    channels.send("feishu", {"url": receiver.url + "/open-apis/bot/v2/hook/xyz", "secret": secret}, MESSAGE)
    body = receiver.requests[-1].json
    assert body["msg_type"] == "text" and body["content"] == {"text": MESSAGE.text}
    expected = base64.b64encode(hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"", hashlib.sha256)
                                .digest()).decode()
    assert body["sign"] == expected


def test_a_robot_that_answers_with_an_error_code_is_a_failure_with_its_reason(receiver):
    receiver.answers = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    with pytest.raises(SendFailed, match="errcode 310000: sign not match"):
        channels.send("dingtalk", {"url": receiver.url + "/robot/send", "secret": "SECx"}, MESSAGE)
    receiver.answers = [(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})]
    with pytest.raises(SendFailed, match="code 19021"):
        channels.send("feishu", {"url": receiver.url + "/hook", "secret": "x"}, MESSAGE)


def test_an_unreachable_webhook_is_a_failure_not_a_crash():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SendFailed, match="ConnectError"):
        channels.send("webhook", {"url": f"http://127.0.0.1:{port}/", "secret": ""}, MESSAGE)


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content, session.authenticated))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server in this process (aiosmtpd) that accepts the login duty / relay-password."""

    def check(_server, _session, _envelope, mechanism, auth_data):
        ok = auth_data.login == b"duty" and auth_data.password == b"relay-password"
        return AuthResult(success=ok)

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), authenticator=check,
                            auth_require_tls=False)
    controller.start()
    yield controller, mailbox
    controller.stop()


def test_an_email_goes_through_the_lines_relay_with_its_login(smtp_server):
    controller, mailbox = smtp_server
    settings = {"host": "127.0.0.1", "port": controller.port, "starttls": False, "username": "duty",
                "password": "relay-password", "sender": "alerts@hotline.example.org",
                "recipients": ["bai@example.org", "chen@example.org"]}
    channels.send("email", settings, MESSAGE)
    mail_from, to, content, authenticated = mailbox.messages[-1]
    assert mail_from == "alerts@hotline.example.org" and to == ["bai@example.org", "chen@example.org"]
    assert authenticated
    email = message_from_bytes(content, policy=email_policy)
    assert email["Subject"] == MESSAGE.subject
    assert MESSAGE.link in email.get_content() and "referral.49.step.0.channel.3" in email["Message-ID"]


def test_a_wrong_relay_password_is_a_failure(smtp_server):
    controller, mailbox = smtp_server
    settings = {"host": "127.0.0.1", "port": controller.port, "username": "duty", "password": "wrong",
                "sender": "alerts@hotline.example.org", "recipients": ["bai@example.org"]}
    with pytest.raises(SendFailed, match="SMTP: SMTP"):
        channels.send("email", settings, MESSAGE)
    assert mailbox.messages == []


def test_a_relay_password_never_crosses_the_network_in_clear():
    settings = {"host": "relay.example.org", "port": 25, "starttls": False, "username": "duty",
                "password": "relay-password", "sender": "alerts@hotline.example.org", "recipients": ["bai@example.org"]}
    # refused before any connection: nothing listens at relay.example.org here, and nothing is tried
    with pytest.raises(SendFailed, match="STARTTLS or port 465"):
        channels.send("email", settings, MESSAGE)
    assert not channels.login_in_clear({**settings, "starttls": True})
    assert not channels.login_in_clear({**settings, "port": 465})
    assert not channels.login_in_clear({**settings, "host": "127.0.0.1"})  # a relay on this machine
    assert not channels.login_in_clear({**settings, "username": ""})  # no login, no password to send
