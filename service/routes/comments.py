"""Comments: whoever may see a resource reads its comments and adds one; the author changes
theirs; the author or the resource's owner deletes one."""

from flask.views import MethodView

from schemas.comments import CommentCreateSchema, CommentSchema, CommentUpdateSchema
from service.auth import current_user
from service.contract import Blueprint, Policy
from service.data import comments as comment_data
from service.database import db
from service.models.types import MAX_ID
from service.routes.resources import READERS, RESOURCE, RESOURCE_ID

# A comment is seen by whoever sees its resource (404 otherwise, like a missing id).
COMMENT = Policy(
    noun="Comment",
    parameter="comment_id",
    keyword="comment",
    load=comment_data.get_comment,
    roles_of=comment_data.roles_of,
    may={
        "read": READERS | {"author"},
        "edit": frozenset({"author"}),
        "delete": frozenset({"author", "owner"}),
    },
    refusals={
        "edit": "Only its author may change a comment.",
        "delete": "Only its author or the resource's owner may delete a comment.",
    },
)
COMMENT_ID = f"<int(max={MAX_ID}):comment_id>"
# What a client can do next with a comment it wrote or read (OpenAPI links).
NEW_COMMENT = {"parameters": {"comment_id": "$response.body#/id"}}
SEEN_VERSION = {
    "parameters": {"comment_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}
}

blp = Blueprint("comments", __name__, url_prefix="/api/v1", description="Comments on resources.")


@blp.route(
    f"/resources/{RESOURCE_ID}/comments",
    parameters=[{"in": "path", "name": "resource_id", "example": 2}],
)
class ResourceComments(MethodView):
    @blp.authenticated("resources:read", optional=True)
    @blp.response(200, CommentSchema(many=True))
    @blp.paginate()
    @blp.access(RESOURCE, "read")
    @blp.doc(operationId="listComments")
    def get(self, resource, pagination_parameters):
        """List a resource's comments, newest first"""
        page = pagination_parameters
        comments, page.item_count = comment_data.list_comments(
            resource.id, offset=page.first_item, limit=page.page_size
        )
        return comments

    @blp.authenticated("resources:write")
    @blp.arguments(CommentCreateSchema)
    @blp.idempotent
    @blp.created(
        CommentSchema,
        "comments.CommentsById",
        versioned=True,
        links={op: NEW_COMMENT for op in ("getComment", "updateComment", "deleteComment")},
        comment_id="id",
    )
    @blp.access(RESOURCE, "comment")
    @blp.doc(operationId="createComment")
    def post(self, fields, resource):
        """Comment on a resource"""
        comment = comment_data.create_comment(resource.id, current_user(), fields["body"])
        db.session.commit()
        return comment


@blp.route(
    f"/comments/{COMMENT_ID}", parameters=[{"in": "path", "name": "comment_id", "example": 1}]
)
class CommentsById(MethodView):
    @blp.authenticated("resources:read", optional=True)
    @blp.response(
        200, CommentSchema, links={"updateComment": SEEN_VERSION, "deleteComment": SEEN_VERSION}
    )
    @blp.access(COMMENT, "read")
    @blp.conditional_read("comment")
    @blp.doc(operationId="getComment")
    def get(self, comment):
        """Show a comment"""
        return comment

    @blp.authenticated("resources:write")
    @blp.arguments(CommentUpdateSchema)
    @blp.response(200, CommentSchema)
    @blp.access(COMMENT, "edit")
    @blp.conditional_write("comment")
    @blp.doc(operationId="updateComment")
    def patch(self, changes, comment):
        """Change your comment"""
        comment = comment_data.update_comment(comment, changes)
        db.session.commit()
        return comment

    @blp.authenticated("resources:write")
    @blp.response(204)
    @blp.access(COMMENT, "delete")
    @blp.conditional_write("comment")
    @blp.doc(operationId="deleteComment")
    def delete(self, comment):
        """Delete a comment (its author or the resource's owner)"""
        comment_data.delete_comment(comment)
        db.session.commit()
