"""Schemathesis hooks: room tokens for the private and hidden rooms the run itself creates.

The fuzzer creates rooms with passwords it made up; the hooks remember them (from each 201 of
POST /chats) and, before a call on such a room that accepts a room token, fetch one with
POST /chats/{roomId}/token, the way a client would. Calls on other rooms go as generated.
"""
import os

import requests
import schemathesis

BASE_URL = os.environ["CHITCHAT_URL"]
PASSWORDS: dict[str, str] = {}
TOKEN_OPERATIONS = {("PUT", "/chats/{roomId}"), ("DELETE", "/chats/{roomId}"), ("GET", "/chats/{roomId}/token/renew")}


@schemathesis.hook
def after_call(context, case, response):
    if case.method.upper() != "POST" or case.path != "/chats" or response.status_code != 201:
        return
    body = case.body if isinstance(case.body, dict) else {}
    password = body.get("password")
    if password:
        room = response.json()
        PASSWORDS[str(room["id"])] = password
        PASSWORDS[room["title"].casefold()] = password


@schemathesis.hook
def before_call(context, case, **kwargs):
    if (case.method.upper(), case.path) not in TOKEN_OPERATIONS:
        return
    if case.headers and "Authorization" in case.headers:
        return
    room = str((case.path_parameters or {}).get("roomId", ""))
    password = PASSWORDS.get(room) or PASSWORDS.get(room.casefold())
    if not password:
        return
    answer = requests.post(f"{BASE_URL}/chats/{requests.utils.quote(room, safe='')}/token", json={"secret": password, "name": "fuzzer"}, timeout=10)
    if answer.status_code == 201:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {answer.json()['token']}"}
