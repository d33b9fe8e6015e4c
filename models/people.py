"""Schools, people and the invites that bind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Role, SchoolKind, UTCDateTime, enum_column, utcnow


class School(Base):
    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("municipality_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    # Normalised name («ЧСОШ №1» and «чсош № 1» are one school).
    name_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[SchoolKind] = mapped_column(enum_column(SchoolKind, "school_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    coordinators: Mapped[list[User]] = relationship(back_populates="school")


class User(Base):
    """A person, identified by (platform, user id); ``chat_id`` is where to write to them."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("platform", "platform_user_id"),
        CheckConstraint(
            "role IS NULL OR role <> 'coordinator' OR school_id IS NOT NULL",
            name="coordinator_has_school",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="telegram")
    platform_user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[Role | None] = mapped_column(enum_column(Role, "user_role"))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="SET NULL"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str | None] = mapped_column(String(8))
    # Set when Telegram answered 403: the person blocked the bot. Cleared when they write again.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    school: Mapped[School | None] = relationship(back_populates="coordinators")

    @property
    def blocked(self) -> bool:
        return self.blocked_at is not None


class Invite(Base):
    """A one-time link. Only the SHA-256 of the token is stored."""

    __tablename__ = "invite"
    __table_args__ = (
        CheckConstraint(
            "role <> 'coordinator' OR school_id IS NOT NULL", name="coordinator_invite_school"
        ),
        Index("ix_invite_school_open", "school_id", "used_at", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "invite_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    school: Mapped[School | None] = relationship()
