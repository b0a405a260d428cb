"""Resources: create, list what you may see, read, change and delete."""

from flask.views import MethodView

from schemas.resources import (
    ResourceCreateSchema,
    ResourceQueryArgsSchema,
    ResourceSchema,
    ResourceUpdateSchema,
)
from service.auth import current_caller, current_user_id
from service.contract import Blueprint, Policy
from service.data import resources as resource_data
from service.database import db
from service.models.types import MAX_ID

blp = Blueprint(
    "resources",
    __name__,
    url_prefix="/api/v1/resources",
    description="User-owned JSON documents, private or public.",
)

READERS = frozenset({"owner", "editor", "reader", "public"})
# Who may do what with a resource (DESIGN.md §3); grants and comments follow it too.
RESOURCE = Policy(
    noun="Resource",
    parameter="resource_id",
    keyword="resource",
    load=resource_data.get_resource,
    roles_of=resource_data.roles_of,
    may={
        "read": READERS,
        "comment": READERS,
        "edit": frozenset({"owner", "editor"}),
        "publish": frozenset({"owner"}),
        "delete": frozenset({"owner"}),
        "share": frozenset({"owner"}),
    },
    refusals={
        "edit": "You may see this resource but not change it.",
        "publish": "Only the owner may change who sees this resource.",
        "delete": "Only the owner may do this.",
        "share": "Only the owner may do this.",
    },
    guarded_fields={"visibility": "publish"},
)
# Bounded so an id past 64 bits is a 404 at routing, never an overflow in the database.
RESOURCE_ID = f"<int(max={MAX_ID}):resource_id>"
# What a client can do next with a resource it created or read (OpenAPI links).
NEW_RESOURCE = {"parameters": {"resource_id": "$response.body#/id"}}
# ... and change or delete exactly the version just seen.
SEEN_VERSION = {
    "parameters": {
        "resource_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
}
RESOURCE_OPERATIONS = (
    "getResource",
    "updateResource",
    "deleteResource",
    "listGrants",
    "putGrant",
    "deleteGrant",
)


@blp.route("")
class Resources(MethodView):
    @blp.authenticated("resources:read", optional=True)
    @blp.arguments(ResourceQueryArgsSchema, location="query")
    @blp.response(200, ResourceSchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listResources")
    def get(self, filters, pagination_parameters):
        """List the resources you may see, a page at a time"""
        page = pagination_parameters
        resources, page.item_count = resource_data.list_visible_resources(
            current_user_id(), filters, offset=page.first_item, limit=page.page_size
        )
        return resources

    @blp.authenticated("resources:write")
    @blp.arguments(ResourceCreateSchema)
    @blp.idempotent
    @blp.created(
        ResourceSchema,
        "resources.ResourcesById",
        versioned=True,
        links={operation: NEW_RESOURCE for operation in RESOURCE_OPERATIONS},
        resource_id="id",
    )
    @blp.doc(operationId="createResource")
    def post(self, fields):
        """Create a resource"""
        caller = current_caller()
        resource = resource_data.create_resource(caller.user_id, caller.username, fields)
        db.session.commit()
        return resource


# The path example names a resource of its own (the grant routes' example is resource 1).
@blp.route(f"/{RESOURCE_ID}", parameters=[{"in": "path", "name": "resource_id", "example": 2}])
class ResourcesById(MethodView):
    @blp.authenticated("resources:read", optional=True)
    @blp.response(
        200, ResourceSchema, links={"updateResource": SEEN_VERSION, "deleteResource": SEEN_VERSION}
    )
    @blp.access(RESOURCE, "read")
    @blp.conditional_read("resource")
    @blp.doc(operationId="getResource")
    def get(self, resource):
        """Show a resource"""
        return resource

    @blp.authenticated("resources:write")
    @blp.arguments(ResourceUpdateSchema)
    @blp.response(200, ResourceSchema)
    @blp.access(RESOURCE, "edit")
    @blp.conditional_write("resource")
    @blp.doc(operationId="updateResource")
    def patch(self, changes, resource):
        """Change a resource (owner or editor; its visibility: the owner)"""
        RESOURCE.check_changes(resource, changes)
        resource = resource_data.update_resource(resource, changes)
        db.session.commit()
        return resource

    @blp.authenticated("resources:write")
    @blp.response(204)
    @blp.access(RESOURCE, "delete")
    @blp.conditional_write("resource")
    @blp.doc(operationId="deleteResource")
    def delete(self, resource):
        """Delete a resource (owner only)"""
        resource_data.delete_resource(resource)
        db.session.commit()
