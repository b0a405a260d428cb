"""The order of a route's contract decorators, checked when the route is declared.

Each contract decorator records a step on the view it wraps. Some steps depend on others:
authentication runs before the body is read or an object is loaded (401 before 422 or 404),
a conditional request needs the object an `access` step loaded, a paginated list must be
dumped by its response schema. A route stacked otherwise raises `DecoratorOrderError` as it
is registered, rather than answering wrongly on some later request.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STEPS = "__contract_steps__"


class DecoratorOrderError(TypeError):
    """A route's contract decorators are stacked in an order that changes its answers."""


@dataclass(frozen=True)
class Step:
    """One contract decorator on a view: what it is, which view argument it provides or
    needs, and what it declared (read by the generic test suites)."""

    name: str
    provides: str | None = None
    needs: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


# (inner, outer, why): an `inner` step must sit below (run after) every `outer` step.
BELOW = (
    ("arguments", "authenticated", "authenticate before reading the body (401 before 4xx)"),
    ("access", "authenticated", "the access policy needs to know the caller"),
    ("paginate", "response", "the page must be dumped by the response schema"),
    ("response", "idempotent", "the answer a retry gets again must be whole"),
    ("idempotent", "authenticated", "idempotency keys belong to the caller"),
)


def steps_of(func: Callable) -> tuple[Step, ...]:
    """A view's contract steps, innermost first."""
    return getattr(func, STEPS, ())


def add_step(func: Callable, step: Step) -> None:
    setattr(func, STEPS, (*steps_of(func), step))


def check(view: str, func: Callable) -> None:
    """Raise if the view's contract decorators are in an order that changes its answers."""
    steps = steps_of(func)
    names = [step.name for step in steps]
    for inner, outer, why in BELOW:
        if inner in names and outer in names:
            last_inner = len(names) - 1 - names[::-1].index(inner)
            if last_inner > names.index(outer):
                raise DecoratorOrderError(f"{view}: put @{inner} below @{outer}: {why}.")
    for position, step in enumerate(steps):
        if step.needs is None:
            continue
        above = steps[position + 1 :]
        if not any(other.provides == step.needs for other in above):
            raise DecoratorOrderError(
                f"{view}: @{step.name} needs `{step.needs}`: put it below the @access "
                f"that loads it."
            )
