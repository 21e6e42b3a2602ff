"""What keeps the local page safe: CSRF tokens, origins, the access token, headers, flash.

Any page the browser opens can post a form to 127.0.0.1, and any local port can set cookies
for 127.0.0.1 (cookies are not isolated by port). So a state-changing request must pass both:

- the CSRF check: a random nonce lives in an HttpOnly, SameSite=Strict cookie and the form
  carries HMAC(server secret, nonce). A pair the client made up (`kw_csrf=x`, `csrf=x`) fails,
  because only the server knows the secret (`web-secret` in the state folder, 0600);
- the origin check: a POST whose `Origin` (or, without one, `Referer`) is another site or
  another port is refused.

Cookie names carry the port, so two keepwarm instances (or another local app) never read or
overwrite each other's. The access-token cookie holds HMAC(secret, token), never the token.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from fastapi import HTTPException, Request
from starlette.responses import Response

from keepwarm.errors import ConfigError
from keepwarm.privatefiles import FILE_MODE, private_dir

CSRF_COOKIE = "kw_csrf"
ACCESS_COOKIE = "kw_access"
FLASH_COOKIE = "kw_flash"
SECRET_FILE = "web-secret"
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not `no-referrer`: with it, browsers send `Origin: null` on same-origin form posts.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def load_secret(state_dir: Path) -> bytes:
    """The server's signing key, made once (32 random bytes) and kept 0600 in the state folder.

    Created by hard-linking a finished file into place, so two servers starting together agree
    on one secret; a damaged one is replaced."""
    private_dir(state_dir)
    path = state_dir / SECRET_FILE
    for _ in range(3):
        with contextlib.suppress(FileNotFoundError):
            try:
                key = bytes.fromhex(path.read_text(encoding="ascii").strip())
            except (ValueError, UnicodeDecodeError):
                key = b""
            if len(key) >= 32:
                return key
            path.unlink()
        fresh = state_dir / f".{SECRET_FILE}.{os.getpid()}"
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
        try:
            path.hardlink_to(fresh)
        except FileExistsError:
            pass  # another server made it first: read theirs
        finally:
            fresh.unlink()
    raise ConfigError(f"cannot create the web secret in {state_dir}; check it is writable")


def _sign(secret: bytes, purpose: str, value: str) -> str:
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _secret(request: Request) -> bytes:
    secret = getattr(request.app.state, "kw_secret", None)
    assert isinstance(secret, bytes), "create_app stores the secret on app.state"
    return secret


#: The port of the request being handled (set by the app's middleware), for code that makes a
#: response without the request at hand (`set_flash`).
_PORT: ContextVar[int] = ContextVar("keepwarm_web_port", default=0)


def port_of(request: Request) -> int:
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    _PORT.set(port)
    return port


def cookie_name(base: str, request: Request | None = None) -> str:
    """`base` scoped to the port the page is served on (`kw_csrf_8765`)."""
    return f"{base}_{port_of(request) if request is not None else _PORT.get()}"


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


def access_cookie(secret: bytes, token: str) -> str:
    """What the access cookie holds: proof of the token, useless as the token itself."""
    return _sign(secret, "access", token)


def has_access(request: Request, token: str) -> bool:
    secret = _secret(request)
    cookie = request.cookies.get(cookie_name(ACCESS_COOKIE, request), "")
    if cookie and hmac.compare_digest(cookie.encode(), access_cookie(secret, token).encode()):
        return True
    offered = request.query_params.get("token") or (
        request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    )
    return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())


def csrf_token(request: Request) -> str:
    """The form value for this browser: HMAC of its cookie nonce (made on first visit; the
    middleware sets the cookie)."""
    nonce = request.cookies.get(cookie_name(CSRF_COOKIE, request), "")
    if not _NONCE.fullmatch(nonce):
        nonce = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_csrf = nonce
    return _sign(_secret(request), "csrf", nonce)


def same_origin(request: Request) -> bool:
    """Whether a POST comes from this page: its Origin (else its Referer) names this host:port.

    A request with neither (a script, curl) still needs a valid CSRF token."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    if claimed == "null":
        return False
    parts = urlsplit(claimed)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == (
        request.headers.get("host", "").lower()
    )


async def checked_form(request: Request) -> dict[str, list[str]]:
    """The posted form, after the origin and CSRF checks; a 403 with an explanation otherwise."""
    if not same_origin(request):
        raise HTTPException(
            status_code=403,
            detail="This form was sent from another site or port (Origin check). "
            "Open keepwarm's own page and act from there.",
        )
    body = (await request.body()).decode("utf-8", errors="replace")
    form = parse_qs(body, keep_blank_values=True)
    nonce = request.cookies.get(cookie_name(CSRF_COOKIE, request), "")
    sent = (form.get("csrf") or [""])[0] or request.headers.get("x-csrf-token", "")
    expected = _sign(_secret(request), "csrf", nonce)
    if not _NONCE.fullmatch(nonce) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(
            status_code=403,
            detail="This form's security token is missing or stale (CSRF check). "
            "Reload the page and try again.",
        )
    return form


def set_flash(response: Response, message: str, *, kind: str = "ok") -> None:
    response.set_cookie(
        cookie_name(FLASH_COOKIE),
        quote(f"{kind}:{message}"[:600]),
        httponly=True,
        samesite="strict",
    )


def read_flash(request: Request) -> tuple[str, str] | None:
    """The message left by the previous (redirected) action; the caller clears the cookie."""
    raw = request.cookies.get(cookie_name(FLASH_COOKIE, request))
    if not raw:
        return None
    kind, _, message = unquote(raw).partition(":")
    return (kind if kind in ("ok", "error") else "ok", message)
