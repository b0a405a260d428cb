"""A route whose contract decorators are stacked in an order that would change its answers
fails when it is declared (service/contract/order.py), not on some later request."""

import pytest
from flask.views import MethodView

from schemas.resources import ResourceSchema, ResourceUpdateSchema
from service.contract import Blueprint, DecoratorOrderError
from service.routes.resources import RESOURCE


def _declare(view_class) -> None:
    Blueprint("order_test", __name__).route("/things/<int:resource_id>")(view_class)


def test_the_documented_order_is_accepted():
    blp = Blueprint("order_test", __name__)

    class Things(MethodView):
        @blp.authenticated("resources:write")
        @blp.arguments(ResourceUpdateSchema)
        @blp.response(200, ResourceSchema)
        @blp.access(RESOURCE, "edit")
        @blp.conditional_write("resource")
        def patch(self, changes, resource):
            return resource

    blp.route("/things/<int:resource_id>")(Things)


def test_authentication_below_the_body_is_refused():
    blp = Blueprint("order_test", __name__)

    class Things(MethodView):
        @blp.arguments(ResourceUpdateSchema)
        @blp.authenticated("resources:write")
        @blp.response(200, ResourceSchema)
        def patch(self, changes, resource_id):
            return None

    with pytest.raises(DecoratorOrderError, match="put @arguments below @authenticated"):
        _declare(Things)


def test_authentication_below_object_access_is_refused():
    blp = Blueprint("order_test", __name__)

    class Things(MethodView):
        @blp.response(200, ResourceSchema)
        @blp.access(RESOURCE, "read")
        @blp.authenticated("resources:read", optional=True)
        def get(self, resource):
            return resource

    with pytest.raises(DecoratorOrderError, match="put @access below @authenticated"):
        _declare(Things)


def test_a_conditional_request_above_its_object_access_is_refused():
    blp = Blueprint("order_test", __name__)

    class Things(MethodView):
        @blp.response(200, ResourceSchema)
        @blp.conditional_read("resource")
        @blp.access(RESOURCE, "read")
        def get(self, resource):
            return resource

    with pytest.raises(DecoratorOrderError, match="@conditional_read needs `resource`"):
        _declare(Things)


def test_a_conditional_request_without_object_access_is_refused():
    blp = Blueprint("order_test", __name__)

    class Things(MethodView):
        @blp.response(204)
        @blp.conditional_write("thing")
        def delete(self, resource_id):
            return None

    with pytest.raises(DecoratorOrderError, match="@conditional_write needs `thing`"):
        _declare(Things)


def test_pagination_above_the_response_is_refused():
    blp = Blueprint("order_test", __name__)

    class Things(MethodView):
        @blp.paginate()
        @blp.response(200, ResourceSchema(many=True))
        def get(self, pagination_parameters, resource_id):
            return []

    with pytest.raises(DecoratorOrderError, match="put @paginate below @response"):
        _declare(Things)


def test_an_action_the_policy_does_not_name_is_refused():
    blp = Blueprint("order_test", __name__)
    with pytest.raises(ValueError, match="no action 'polish'"):
        blp.access(RESOURCE, "polish")
