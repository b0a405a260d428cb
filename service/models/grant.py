"""Another user's role on one resource."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import db
from service.models.types import BigId, UTCDateTime, utcnow
from service.models.user import User


class Grant(db.Model):
    __tablename__ = "grants"

    resource_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
