"""The API contract: marshmallow schemas only, never importing the service."""
