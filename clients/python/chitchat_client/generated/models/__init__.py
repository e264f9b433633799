"""Contains all the data models used in inputs/outputs"""

from .chat_message import ChatMessage
from .error_code import ErrorCode
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .get_docs_asset_asset import GetDocsAssetAsset
from .health import Health
from .health_live import HealthLive
from .health_store import HealthStore
from .message_page import MessagePage
from .non_public_visibility import NonPublicVisibility
from .public_room_has_no_password import PublicRoomHasNoPassword
from .room import Room
from .room_create import RoomCreate
from .room_page import RoomPage
from .room_update import RoomUpdate
from .room_user import RoomUser
from .status_ok import StatusOk
from .token_request import TokenRequest
from .token_response import TokenResponse
from .visibility import Visibility
from .yaml_document import YamlDocument

__all__ = (
    "ChatMessage",
    "ErrorCode",
    "ErrorDetail",
    "ErrorResponse",
    "GetDocsAssetAsset",
    "Health",
    "HealthLive",
    "HealthStore",
    "MessagePage",
    "NonPublicVisibility",
    "PublicRoomHasNoPassword",
    "Room",
    "RoomCreate",
    "RoomPage",
    "RoomUpdate",
    "RoomUser",
    "StatusOk",
    "TokenRequest",
    "TokenResponse",
    "Visibility",
    "YamlDocument",
)
