"""The contract layer: Api and Blueprint whose decorators both enforce a rule and declare,
in the spec, the statuses and headers it causes. One module per concern:

- auth: 401 and scopes (403), the operation's `security`
- access: loading what the path names through a Policy (404, then 403)
- conditional: ETag, 304 and If-Match (412), the version compare-and-swap (409/412)
- conflicts: clashes with stored data (409)
- idempotency: Idempotency-Key on creating POSTs (a retry gets the first answer again)
- limits: the tight account limit a route declares
- arguments: strict request parsing (400, 413, 415, 422)
- pagination: page parameters, X-Pagination and Link
- responses: success status and body (dumping), Location, declared errors
- headers: the headers the spec declares in several places
- order: the decorators' required order, checked when a route is declared
"""

from service.contract.access import Policy
from service.contract.api import Api
from service.contract.blueprint import Blueprint
from service.contract.order import DecoratorOrderError

__all__ = ["Api", "Blueprint", "DecoratorOrderError", "Policy"]
