"""Logs that decide behaviour (reminders sent) and record it (audit)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, ReminderState, UTCDateTime, enum_column, utcnow


class ReminderLog(Base):
    """A reminder is claimed here before it is sent: the unique key makes a duplicate impossible."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("assignment_id", "kind", "for_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    # "before:7", "before:0", "overdue:1", "overdue:8", …
    kind: Mapped[str] = mapped_column(String(24))
    # The day of the pass (municipality's local date) this reminder belongs to.
    for_date: Mapped[date] = mapped_column(Date)
    state: Mapped[ReminderState] = mapped_column(
        enum_column(ReminderState, "reminder_state"), default=ReminderState.CLAIMED
    )
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(255))


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MessageLink(Base):
    """A message the bot sent about an assignment: replying to it means that assignment."""

    __tablename__ = "message_link"
    __table_args__ = (UniqueConstraint("chat_id", "message_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConversationState(Base):
    """aiogram's FSM state and data, kept in the database so a restart forgets nothing."""

    __tablename__ = "conversation_state"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReminderPass(Base):
    """The daily reminder pass of a municipality: claimed by whoever runs it first that day."""

    __tablename__ = "reminder_pass"
    __table_args__ = (UniqueConstraint("municipality_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    messages_sent: Mapped[int] = mapped_column(Integer, default=0)
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UpdateInbox(Base):
    """Every incoming update, stored before it is acknowledged and marked when handled.

    A duplicate delivery (Telegram re-sends after a crash or a slow webhook) finds its row and
    is skipped; after a crash, what was stored but not handled is handled on the next start.
    """

    __tablename__ = "update_inbox"
    __table_args__ = (Index("ix_update_inbox_pending", "processed_at", "update_id"),)

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(255))
