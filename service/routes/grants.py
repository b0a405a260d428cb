"""Grants: the owner shares a resource with other users as reader or editor."""

from flask.views import MethodView
from flask_smorest import abort

from schemas.grants import GrantSchema, GrantUpdateSchema
from service.contract import Blueprint
from service.data import grants as grant_data
from service.database import db
from service.routes.resources import RESOURCE, RESOURCE_ID
from service.routes.users import USER

# From a grant to the grant list and to revoking it (OpenAPI links).
SAME_RESOURCE = {"resource_id": "$request.path.resource_id"}
SAME_GRANT = {"resource_id": "$request.path.resource_id", "username": "$request.path.username"}

blp = Blueprint(
    "grants",
    __name__,
    url_prefix=f"/api/v1/resources/{RESOURCE_ID}/grants",
    description="Share a resource with other users (owner only).",
)


# Examples for the path: "sam's" access to resource 1, as in the schema examples.
EXAMPLE_RESOURCE = {"in": "path", "name": "resource_id", "example": 1}
EXAMPLE_USER = {"in": "path", "name": "username", "example": "sam"}


@blp.route("", parameters=[EXAMPLE_RESOURCE])
class Grants(MethodView):
    @blp.authenticated("resources:read")
    @blp.response(200, GrantSchema(many=True))
    @blp.access(RESOURCE, "share")
    @blp.doc(operationId="listGrants")
    def get(self, resource):
        """List who a resource is shared with"""
        return grant_data.list_grants(resource)


@blp.route("/<username:username>", parameters=[EXAMPLE_RESOURCE, EXAMPLE_USER])
class GrantsByUser(MethodView):
    @blp.authenticated("resources:write")
    @blp.arguments(GrantUpdateSchema)
    @blp.response(
        200,
        GrantSchema,
        links={
            "listGrants": {"parameters": SAME_RESOURCE},
            "deleteGrant": {"parameters": SAME_GRANT},
        },
    )
    @blp.access(RESOURCE, "share")
    @blp.access(USER, "read")
    @blp.conflicts
    @blp.doc(operationId="putGrant")
    def put(self, grant, resource, user):
        """Share a resource with a user, or change their role"""
        saved = grant_data.put_grant(resource, user, grant["role"])
        db.session.commit()
        return saved

    @blp.authenticated("resources:write")
    @blp.response(204)
    @blp.access(RESOURCE, "share")
    @blp.access(USER, "read")
    @blp.doc(operationId="deleteGrant")
    def delete(self, resource, user):
        """Stop sharing a resource with a user"""
        grant = grant_data.get_grant(resource, user)
        if grant is None:
            abort(404, message=f"Resource {resource.id} is not shared with {user.username}.")
        grant_data.delete_grant(grant)
        db.session.commit()
