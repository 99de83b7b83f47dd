"""Alerts that find a supervisor: where they go (channels), how a line escalates, and the outbox.

An alert is written to the outbox (`AlertDelivery`) in the transaction that opens the referral or takes an
escalation step, and each worker's background task delivers it: a crash between the two loses nothing.
Channel settings (webhook URLs, signing secrets, an SMTP relay's login) are sealed at rest like notes.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow
from hotline.encryption.columns import SealedJSON


class ChannelKind(StrEnum):
    email = "email"
    wecom = "wecom"  # 企业微信 group robot
    dingtalk = "dingtalk"  # 钉钉 group robot, signed
    feishu = "feishu"  # 飞书 group robot, optionally signed
    webhook = "webhook"  # the line's own pager or SMS gateway: JSON signed with HMAC-SHA256


CONSOLE = "console"  # the bell and the browser notification: every alerted person gets it, no channel needed


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after the last retry
    withdrawn = "withdrawn"  # the referral was claimed or closed before this message went: it would only mislead


class AlertChannel(SQLModel, table=True):
    """Somewhere an alert can go. With `user_id`, that person's own channel (their e-mail, their pager),
    used whenever they are alerted; without, a group channel of the line (a WeCom group, a duty mailbox),
    which hears every step. `line_id` None: every line."""

    __tablename__ = "alert_channels"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=80)
    line_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_lines.id", ondelete="CASCADE"), nullable=True, index=True))
    user_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True))
    # The kind's own settings: url and secret; or the SMTP relay, its login and the addresses. Sealed.
    settings: dict = Field(default_factory=dict, sa_column=Column(SealedJSON("alert_channels.settings"),
                                                                  nullable=False))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class LineAlertPolicy(SQLModel, table=True):
    """How long an unclaimed referral on this line waits before the next person is alerted, and who is
    alerted when nobody is on the roster. Without a row a line uses the queue's acknowledgement minutes."""

    __tablename__ = "alert_line_policies"

    line_id: int = Field(sa_column=Column(Integer, ForeignKey("roster_lines.id", ondelete="CASCADE"),
                                          primary_key=True))
    imminent_minutes: int = Field(default=2)
    high_minutes: int = Field(default=15)
    fallback_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # user ids, in order
    coordinator_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # empty: all


class AlertEscalation(SQLModel, table=True):
    """Where a referral's alerts have got to: the step taken last and when the next one is due."""

    __tablename__ = "alert_escalations"
    __table_args__ = (Index("ix_alert_escalations_due", "done_at", "next_at"),)

    referral_id: int = Field(sa_column=Column(Integer, ForeignKey("referrals.id", ondelete="CASCADE"),
                                              primary_key=True))
    line_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("roster_lines.id", ondelete="SET NULL"), nullable=True))
    level: str = Field(max_length=16)
    step: int = Field(default=0)
    next_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    alerted_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # claimed or closed: no more steps


class AlertDelivery(SQLModel, table=True):
    """The outbox and the delivery log: one message for one channel (or one person's console)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_alert_deliveries_channel", "channel_id", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    # Sent with the message (header and body), so a receiver that sees it twice can drop the second.
    key: str = Field(max_length=120, unique=True)
    referral_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=True, index=True))
    step: int = Field(default=0)
    channel_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("alert_channels.id", ondelete="CASCADE"), nullable=True))
    kind: str = Field(max_length=16)  # console, or the channel's kind
    user_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True))
    # What the message says, never caller data: level, line, referral id, when it opened, who is alerted.
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=DeliveryStatus.pending, max_length=12)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # a worker is sending it
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
