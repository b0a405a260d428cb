"""The generated SDKs (Python and TypeScript) against the API served by gunicorn."""
