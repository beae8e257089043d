"""HTTP middleware for every route: security headers on every response, request bodies bounded
in size and in time."""
from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# Any request body, on any route (chat, Telegram webhook, console forms): far above a chat
# message or a Telegram update, far below what would cost memory to read.
MAX_BODY = 256 * 1024
# A body still incomplete this long after the app first asked for it is refused (408): a client
# that opens requests and never finishes them must not hold a connection and a task forever.
BODY_SECONDS = 10.0


class _BodyTooLarge(Exception):
    pass


class _BodyTooSlow(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over `limit` bytes with a 413 and a JSON reason: at once from
    Content-Length, or by counting the bytes of a body streamed without one (chunked). Refuse a
    body not complete within `seconds` with a 408. A client gone before its body was complete is
    an INFO line, not an error with a traceback."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY, seconds: float | None = None):
        self.app = app
        self.limit = limit
        self.seconds = BODY_SECONDS if seconds is None else seconds

    def _refusal(self) -> JSONResponse:
        return JSONResponse({"error": f"the request body must be at most {self.limit} bytes"}, status_code=413)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await JSONResponse({"error": "Content-Length must be a number of bytes"}, status_code=400)(
                    scope, receive, send
                )
                return
            if int(declared) > self.limit:
                await self._refusal()(scope, receive, send)
                return
        received = 0
        refused = False
        started = False
        complete = False
        deadline: float | None = None

        async def counting_receive() -> Message:
            nonlocal received, refused, complete, deadline
            if complete:  # the body is read: what follows is a wait for the client to leave (SSE)
                return await receive()
            loop = asyncio.get_running_loop()
            deadline = deadline if deadline is not None else loop.time() + self.seconds
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
            except asyncio.TimeoutError:
                if not started:
                    refused = True
                    await JSONResponse(
                        {"error": f"the request body did not arrive within {self.seconds:g} s"}, status_code=408
                    )(scope, receive, send)
                raise _BodyTooSlow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.limit:
                    if not started:
                        refused = True
                        await self._refusal()(scope, receive, send)
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is already sent; what the interrupted app says is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge, _BodyTooSlow):
            try:
                await self.app(scope, counting_receive, guarded_send)
            except ClientDisconnect:
                log.info("client went away before its request body was complete: %s %s",
                         scope.get("method"), scope.get("path"))


# No script, style or frame from elsewhere, and none inline; no page of ours inside another's frame.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """The same protective headers on every response (chat page, privacy page, console, JSON,
    errors); HSTS when the service is public over https."""

    def __init__(self, app: ASGIApp, https: bool = False):
        self.app = app
        self.headers = [*_HEADERS, HSTS] if https else list(_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((n, v) for n, v in self.headers if n not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)
