"""Domain errors the data layer raises for the contract layer to translate."""


class Conflict(Exception):
    """The change would clash with stored data (a taken name, a rule on existing rows)."""
