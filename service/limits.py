"""Rate limits (flask-limiter): a default per route and client address, and the tight
account limit that the routes declaring it share (service/contract/limits.py).

One limiter per app, because flask-limiter keeps its storage and switches on the instance.
Storage is in memory, or Redis when REDIS_URL is set so that every worker shares the
counts; if Redis is unreachable the limiter lets requests through and logs the error.

The headers are this module's: `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds until the window resets, as the IETF RateLimit header fields
define it) on every limited answer, `Retry-After` only on a 429. flask-limiter's own would
send the reset as a time and `Retry-After` on every answer.
"""

import math
import time

from flask import Flask, Response, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from service.contract.limits import ACCOUNT, group_of


def init_app(app: Flask) -> Limiter:
    limiter = Limiter(key_func=get_remote_address, app=app)
    account_limit = lambda: app.config["ACCOUNT_RATE_LIMIT"]  # noqa: E731 (read per request)
    for endpoint, view in list(app.view_functions.items()):
        methods = _methods_in_group(view, ACCOUNT)
        if methods:
            shared = limiter.shared_limit(account_limit, scope=ACCOUNT, methods=methods)
            app.view_functions[endpoint] = shared(view)
    for blueprint in app.blueprints.values():
        if not getattr(blueprint, "rate_limited", True):
            limiter.exempt(blueprint)
    app.after_request(_send_rate_limit_headers)
    # flask-limiter holds itself weakly (its own registry is a weak set): keep it alive.
    app.extensions["rate_limiter"] = limiter
    return limiter


def _methods_in_group(view, group: str) -> list[str]:
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return []
    return [
        method
        for method in sorted(view_class.methods or ())
        if group_of(getattr(view_class, method.lower())) == group
    ]


def _send_rate_limit_headers(response: Response) -> Response:
    current = current_app.extensions["rate_limiter"].current_limit
    if current is None:
        return response
    try:
        reset_at, remaining = current.window  # (when the window resets, requests left)
    except Exception as error:  # the storage (Redis) is unreachable: the limiter logged it
        current_app.logger.warning("Rate-limit headers left out: %s", error)
        return response
    seconds = max(1, math.ceil(reset_at - time.time()))
    response.headers["RateLimit-Limit"] = str(current.limit.amount)
    response.headers["RateLimit-Remaining"] = str(remaining)
    response.headers["RateLimit-Reset"] = str(seconds)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(seconds)
    return response
