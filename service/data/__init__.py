"""Queries and mutations: no HTTP and no commit (the view commits once)."""
