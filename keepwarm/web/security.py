"""What keeps the local page safe: CSRF tokens, the access token off loopback, headers, flash.

CSRF uses the double-submit pattern: a random token lives in a SameSite=Strict, HttpOnly cookie
and in every form; a state-changing request must carry both and they must match. Another site can
make the browser send the cookie but cannot read the page to learn the form value.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import parse_qs, quote, unquote

from fastapi import HTTPException, Request
from starlette.responses import Response

from keepwarm.errors import ConfigError

CSRF_COOKIE = "kw_csrf"
ACCESS_COOKIE = "kw_access"
FLASH_COOKIE = "kw_flash"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def required_token(host: str, token: str | None) -> str | None:
    """The token requests must carry, or None on loopback without one configured."""
    if token:
        return token
    if not is_loopback(host):
        raise ConfigError(
            f"keepwarm web: binding to {host} exposes your queue to the network; set "
            "[web] access_token = '<at least 16 random characters>' in keepwarm.toml, "
            "or bind to 127.0.0.1"
        )
    return None


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def host_allowed(request: Request) -> bool:
    """On loopback without a token, only loopback Host names: defeats DNS rebinding."""
    host = request.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_NAMES


def has_access(request: Request, token: str) -> bool:
    offered = (
        request.cookies.get(ACCESS_COOKIE)
        or request.query_params.get("token")
        or request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    )
    return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


def csrf_token(request: Request) -> str:
    """This browser's token (made on first visit; the middleware sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


async def checked_form(request: Request) -> dict[str, list[str]]:
    """The posted form, after the CSRF check; a 403 with an explanation otherwise."""
    body = (await request.body()).decode("utf-8", errors="replace")
    form = parse_qs(body, keep_blank_values=True)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = (form.get("csrf") or [""])[0] or request.headers.get("x-csrf-token", "")
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise HTTPException(
            status_code=403,
            detail="This form's security token is missing or stale (CSRF check). "
            "Reload the page and try again.",
        )
    return form


def set_flash(response: Response, message: str, *, kind: str = "ok") -> None:
    response.set_cookie(
        FLASH_COOKIE, quote(f"{kind}:{message}"[:600]), httponly=True, samesite="strict"
    )


def read_flash(request: Request) -> tuple[str, str] | None:
    """The message left by the previous (redirected) action; the caller clears the cookie."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    kind, _, message = unquote(raw).partition(":")
    return (kind if kind in ("ok", "error") else "ok", message)
