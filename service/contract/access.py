"""Object access for any model: a route loads what its path names through a policy, which
answers 404 for what the caller may not see (the very answer a missing id gets: never
confirm that a private thing exists) and 403 for what they see but may not do."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask_smorest import abort

from service.auth import Caller, current_caller
from service.contract.annotate import add_error_responses
from service.contract.order import Step, add_step


@dataclass(frozen=True)
class Policy:
    """Who may do what with one kind of thing, and how a route finds it by its path.

    `roles_of` gives the caller's roles on a loaded thing (e.g. owner, reader, public);
    none means the caller may not see it. `may` maps each action to the roles allowed it.
    """

    noun: str  # in the 404's detail: "Resource 5 not found."
    parameter: str  # the path parameter that names it, e.g. "resource_id"
    keyword: str  # the view argument it is passed as, e.g. "resource"
    load: Callable[[Any], Any | None]
    roles_of: Callable[[Any, Caller | None], frozenset[str]]
    may: Mapping[str, frozenset[str]]
    # Action -> why a caller who sees the thing may not do it (the 403's detail).
    refusals: Mapping[str, str] = field(default_factory=dict)
    # Field -> the action changing it takes, beyond the one that allowed the request (an
    # editor may change a resource, but who sees it is the owner's call).
    guarded_fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset().union(*self.may.values())

    def statuses(self, action: str) -> tuple[int, ...]:
        """What the action can answer: 404, and 403 unless every role may do it."""
        return (404,) if self.may[action] >= self.roles else (403, 404)

    def apply(self, action: str, value: Any) -> Any:
        """The thing `value` names, if the caller may do `action` with it (else 404 or 403)."""
        thing = self.load(value)
        roles = self.roles_of(thing, current_caller()) if thing is not None else frozenset()
        if not roles:
            abort(404, message=f"{self.noun} {value} not found.")
        self._require(roles, action)
        return thing

    def check_changes(self, thing: Any, changes: Mapping[str, Any]) -> None:
        """403 if the changes alter a guarded field the caller may not change."""
        for name, action in self.guarded_fields.items():
            if name in changes and changes[name] != getattr(thing, name):
                self._require(self.roles_of(thing, current_caller()), action)

    def _require(self, roles: frozenset[str], action: str) -> None:
        if not roles & self.may[action]:
            abort(403, message=self.refusals.get(action, "You may not do this."))


class AccessMixin:
    def access(self, policy: Policy, action: str):
        """Replace the path argument `policy.parameter` by what it names, as the keyword
        argument `policy.keyword`, once the policy allows the caller `action` on it."""
        if action not in policy.may:
            raise ValueError(f"{policy.noun} has no action {action!r}: {sorted(policy.may)}")

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                value = kwargs.pop(policy.parameter)
                kwargs[policy.keyword] = policy.apply(action, value)
                return func(*args, **kwargs)

            details = {"policy": policy, "action": action}
            add_step(wrapper, Step("access", provides=policy.keyword, details=details))
            return add_error_responses(wrapper, *policy.statuses(action))

        return decorator
