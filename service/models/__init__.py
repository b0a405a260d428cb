"""SQLAlchemy models; Alembic migrations create their tables."""

from service.models.comment import Comment
from service.models.grant import Grant
from service.models.idempotency_key import IdempotencyKey
from service.models.resource import Resource
from service.models.token import Token
from service.models.user import User

__all__ = ["Comment", "Grant", "IdempotencyKey", "Resource", "Token", "User"]
