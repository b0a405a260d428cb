"""Rate limits (flask-limiter): a default per route and client, a tighter one for log-in.

One limiter per app, because flask-limiter keeps its storage and switches on the instance.
Storage is in memory, or Redis when REDIS_URL is set so that every worker shares the
counts; if Redis is unreachable the limiter lets requests through and logs the error.
"""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LOGIN_ENDPOINT = "tokens.Tokens"


def init_app(app: Flask) -> Limiter:
    limiter = Limiter(key_func=get_remote_address, app=app)
    # Every log-in attempt costs an argon2 verification: fewer of them per client.
    login_view = app.view_functions[LOGIN_ENDPOINT]
    login_limit = limiter.limit(lambda: app.config["LOGIN_RATE_LIMIT"])
    app.view_functions[LOGIN_ENDPOINT] = login_limit(login_view)
    for blueprint in app.blueprints.values():
        if not getattr(blueprint, "rate_limited", True):
            limiter.exempt(blueprint)
    # flask-limiter holds itself weakly (its own registry is a weak set): keep it alive.
    app.extensions["rate_limiter"] = limiter
    return limiter
