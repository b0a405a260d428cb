"""Domain errors the data layer raises for the contract layer to translate."""


class Conflict(Exception):
    """The change would clash with stored data (a taken name, a rule on existing rows)."""


class ChangedMeanwhile(Exception):
    """The row's version is no longer the one the change was based on: another writer won
    the compare-and-swap (the ORM raises its own StaleDataError for the same thing)."""
