"""A client library for accessing ChitChat-compatible chat-room API"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
