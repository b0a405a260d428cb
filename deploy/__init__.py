"""Running the service past one server: nginx, several instances, PgBouncer."""
