"""The REST API under /api/v1, with OpenAPI at /docs."""

from caseloom.entrypoints.api.app import create_app

__all__ = ["create_app"]
