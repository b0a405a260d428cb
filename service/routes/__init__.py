"""The API's blueprints, registered in this order (it is the tag order in the spec)."""

from service.routes import comments, grants, health, index, legacy, resources, tokens, users

BLUEPRINTS = (
    users.blp,
    tokens.blp,
    resources.blp,
    grants.blp,
    comments.blp,
    index.blp,
    legacy.blp,
    health.blp,
)
