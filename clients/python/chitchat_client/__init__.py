"""
Python SDK for the ChitChat-compatible chat-room API.

`generated` is openapi-python-client's client for openapi.yaml and `frames` the chat frames of
asyncapi.yaml (datamodel-code-generator), both written by `make generate`. The modules beside them only
keep room tokens, turn error bodies into exceptions, read the two YAML documents and hold the chat socket.
"""

from .chat import ChatConnection, ChatRefusedError, chat_url
from .client import ChitChat
from .errors import ChitChatError, unwrap
from .tokens import RoomTokens

__all__ = ["ChatConnection", "ChatRefusedError", "ChitChat", "ChitChatError", "RoomTokens", "chat_url", "unwrap"]
