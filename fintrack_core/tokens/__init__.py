"""Credentials of the HTTP API: personal access tokens and idempotency keys."""
