"""A comment on a resource."""

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.database import db
from service.models.types import BigId, UTCDateTime, utcnow
from service.models.user import User


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Deleting the resource or the author's account deletes the comment.
    resource_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column()

    author: Mapped[User] = relationship(lazy="joined")

    # Every UPDATE and DELETE checks and bumps `version`: a compare-and-swap.
    __mapper_args__ = {"version_id_col": version}
