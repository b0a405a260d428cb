"""Page metadata sent in the X-Pagination header of paginated lists."""

from marshmallow import fields

from schemas.base import BaseSchema


class PaginationMetadataSchema(BaseSchema):
    """Where this page sits in the whole list (flask-smorest's X-Pagination fields)."""

    total = fields.Integer(required=True, metadata={"description": "Items in the whole list."})
    total_pages = fields.Integer(required=True)
    first_page = fields.Integer()
    last_page = fields.Integer()
    page = fields.Integer()
    previous_page = fields.Integer()
    next_page = fields.Integer()
