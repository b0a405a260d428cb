"""A user-owned JSON document."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import db
from service.models.types import BigId, UTCDateTime, utcnow
from service.models.user import User


class Resource(db.Model):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column()

    owner: Mapped[User] = relationship(lazy="joined")

    @property
    def owner_name(self) -> str:
        """As read rows carry it (service/data/resources.py)."""
        return self.owner.username

    # Every UPDATE and DELETE checks and bumps `version`: a compare-and-swap, so two
    # writers that loaded the same version cannot both win.
    __mapper_args__ = {"version_id_col": version}
