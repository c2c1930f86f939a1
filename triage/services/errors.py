"""Errors a use-case raises; the web and API layers turn them into 4xx answers."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class Invalid(ServiceError):
    """Input that parsed but makes no sense here; `errors` maps field -> messages."""

    status = 422


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    """A version mismatch, an invalid state transition or a duplicate."""

    status = 409
