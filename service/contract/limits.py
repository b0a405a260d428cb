"""Rate limits a route declares beyond the default per route and client: the tight limit
shared by the routes that cost a password hash or tell whether a name or an address is
taken. service/limits.py applies them; every limited route declares 429."""

ACCOUNT = "account"
GROUP = "_rate_limit_group"


class LimitsMixin:
    @staticmethod
    def account_limit(func):
        """Count the route against the tight per-client limit of the account routes (sign-up,
        log-in, password and email changes), which all of them share."""
        setattr(func, GROUP, ACCOUNT)
        return func


def group_of(view) -> str | None:
    return getattr(view, GROUP, None)
