"""The generic suites derive their cases from the spec and the routes' declarations, and an
operation they cannot derive a case for fails them: shown with an operation nobody taught
them about, added to the spec's operations."""

from service.contract import Policy
from service.contract.order import Step
from tests.bad_input import test_bad_input
from tests.contract import test_declared_errors
from tests.operations import Operation, example_path_values, operations, plain_app
from tests.security import test_authorization_matrix

WIDGET = Policy(
    noun="Widget",
    parameter="widget_id",
    keyword="widget",
    load=lambda widget_id: None,
    roles_of=lambda widget, caller: frozenset(),
    may={"polish": frozenset({"owner"})},
)
# POST /api/v1/widgets/{widget_id}/polish: a new kind of thing, a new action, a status no
# recipe knows (418), a path parameter without an example.
POLISH_WIDGET = Operation(
    "polishWidget",
    "POST",
    "/api/v1/widgets/{widget_id}/polish",
    {
        "operationId": "polishWidget",
        "parameters": [{"in": "path", "name": "widget_id", "schema": {"type": "integer"}}],
        "responses": {status: {} for status in ("200", "401", "403", "404", "409", "412", "418")},
    },
    (
        Step("conditional_write", needs="widget"),
        Step("access", provides="widget", details={"policy": WIDGET, "action": "polish"}),
        Step(
            "authenticated",
            details={"scopes": ("resources:write",), "optional": False, "admin": False},
        ),
    ),
)
OPERATIONS = operations(plain_app())


def test_the_declared_errors_suite_fails_on_an_error_it_cannot_produce():
    assert test_declared_errors.missing_recipes(OPERATIONS) == []
    missing = test_declared_errors.missing_recipes([*OPERATIONS, POLISH_WIDGET])
    assert missing == [
        "polishWidget: no builder for {widget_id} (tests/world.py)",
        "polishWidget 418",
    ]


def test_the_authorization_matrix_fails_on_a_rule_it_does_not_know():
    assert test_authorization_matrix.missing_cells(OPERATIONS) == []
    missing = test_authorization_matrix.missing_cells([*OPERATIONS, POLISH_WIDGET])
    assert missing == [
        "polishWidget: no rule for Widget polish",
        "polishWidget: no builder for {widget_id}",
    ]


def test_the_bad_input_suite_fails_on_a_path_it_cannot_fill():
    assert test_bad_input.missing_cells(OPERATIONS) == []
    missing = test_bad_input.missing_cells([*OPERATIONS, POLISH_WIDGET])
    assert missing == ["polishWidget: no builder for widget_id"]


def test_the_outage_and_limit_suites_fail_on_a_path_without_an_example():
    assert all(example_path_values(operation) is not None for operation in OPERATIONS)
    assert example_path_values(POLISH_WIDGET) is None
