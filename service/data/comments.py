"""Comments on resources."""

from typing import Any

from sqlalchemy import func, select

from service.data import resources as resource_data
from service.data.tokens import Caller
from service.database import db
from service.models import Comment, User


def get_comment(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id)


def roles_of(comment: Comment, caller: Caller | None) -> frozenset[str]:
    """The caller's roles on the comment's resource, and author if they wrote it; none, as
    for the resource, when they may not see the resource."""
    roles = resource_data.roles_of(resource_data.get_resource(comment.resource_id), caller)
    if roles and caller is not None and comment.author_id == caller.user_id:
        return roles | {"author"}
    return roles


def list_comments(resource_id: int, *, offset: int, limit: int) -> tuple[list[Comment], int]:
    """One page of a resource's comments, newest first, and the count of all of them."""
    of_resource = Comment.resource_id == resource_id
    total = db.session.scalar(select(func.count()).select_from(Comment).where(of_resource))
    if offset >= total:
        return [], total
    newest_first = (Comment.created_at.desc(), Comment.id.desc())
    page = select(Comment).where(of_resource).order_by(*newest_first).offset(offset).limit(limit)
    return list(db.session.scalars(page)), total


def create_comment(resource_id: int, author: User, body: str) -> Comment:
    comment = Comment(resource_id=resource_id, author=author, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


def update_comment(comment: Comment, changes: dict[str, Any]) -> Comment:
    for name, value in changes.items():
        setattr(comment, name, value)
    db.session.flush()
    return comment


def delete_comment(comment: Comment) -> None:
    db.session.delete(comment)
    db.session.flush()
