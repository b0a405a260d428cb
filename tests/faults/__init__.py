"""Faults: the database going away, a worker killed, a statement cut by the database."""
