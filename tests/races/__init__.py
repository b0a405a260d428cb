"""Concurrent requests against gunicorn and PostgreSQL."""
