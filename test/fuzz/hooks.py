"""Schemathesis hooks: owner and room tokens for the rooms the run itself creates.

The fuzzer creates rooms, some with passwords it made up; the hooks remember each room's owner token
and password (from each 201 of POST /chats). Changing or deleting such a room sends its owner token, as
its creator would; other calls on a private room that accept a room token fetch one with
POST /chats/{roomId}/token, the way a client would. Calls on other rooms go as generated.
"""
import os

import requests
import schemathesis

BASE_URL = os.environ["CHITCHAT_URL"]
PASSWORDS: dict[str, str] = {}
OWNER_TOKENS: dict[str, str] = {}
MANAGING = {("PUT", "/chats/{roomId}"), ("DELETE", "/chats/{roomId}")}
TOKEN_OPERATIONS = {("PUT", "/chats/{roomId}"), ("DELETE", "/chats/{roomId}"), ("GET", "/chats/{roomId}/token/renew")}


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() != "POST" or case.path != "/chats" or response.status_code != 201:
        return
    body = case.body if isinstance(case.body, dict) else {}
    password = body.get("password")
    room = response.json()
    OWNER_TOKENS[str(room["id"])] = OWNER_TOKENS[room["title"].casefold()] = room["owner_token"]
    if password:
        PASSWORDS[str(room["id"])] = password
        PASSWORDS[room["title"].casefold()] = password


@schemathesis.hook
def before_call(context, case, **kwargs):
    if (case.method.upper(), case.path) not in TOKEN_OPERATIONS:
        return
    if case.headers and "Authorization" in case.headers:
        return
    room = str((case.path_parameters or {}).get("roomId", ""))
    owner_token = OWNER_TOKENS.get(room) or OWNER_TOKENS.get(room.casefold())
    if (case.method.upper(), case.path) in MANAGING and owner_token:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {owner_token}"}
        return
    password = PASSWORDS.get(room) or PASSWORDS.get(room.casefold())
    if not password:
        return
    answer = requests.post(f"{BASE_URL}/chats/{requests.utils.quote(room, safe='')}/token", json={"secret": password, "name": "fuzzer"}, timeout=10)
    if answer.status_code == 201:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {answer.json()['token']}"}
