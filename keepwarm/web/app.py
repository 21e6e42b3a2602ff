"""`create_app(settings)`: the approval queue as a local web page.

Routes are thin: they parse the form, call one function of `keepwarm.services.queue` (the same
ones the CLI calls), and redirect with a flash message (post/redirect/get), so reloading a page
never repeats an action. Handlers are plain `def`s: FastAPI runs them in its thread pool.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from keepwarm.errors import KeepwarmError, NotFound
from keepwarm.localtime import local_minute
from keepwarm.rules import placeholders
from keepwarm.services import health, reports
from keepwarm.services import queue as service
from keepwarm.services.approval import approval_plan, approve_available
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import Settings
from keepwarm.web import security
from keepwarm.web.security import checked_form
from keepwarm.web.views import (
    plain_reason,
    preview,
    recipients,
    review_groups,
    review_order,
    window_text,
)

Form = dict[str, list[str]]
STATIC = Path(__file__).parent / "static"


def _templates(timezone: str) -> Environment:
    env = Environment(
        loader=PackageLoader("keepwarm.web", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda iso: local_minute(iso, timezone)
    env.filters["day"] = lambda iso: local_minute(iso, timezone, date_only=True)
    env.filters["q"] = lambda value: quote(str(value), safe="")
    env.filters["marked"] = _marked
    env.filters["reason"] = plain_reason
    env.filters["recipients"] = recipients
    env.filters["preview"] = preview
    env.globals["timezone"] = timezone
    return env


def _marked(text: str) -> Markup:
    """The text, escaped, with every `[[placeholder]]` in a <mark> (the editor's preview)."""
    out, last = [], 0
    for match in placeholders.PLACEHOLDER.finditer(text or ""):
        out += [escape(text[last : match.start()]), Markup("<mark>"), escape(match.group(0))]
        out.append(Markup("</mark>"))
        last = match.end()
    out.append(escape((text or "")[last:]))
    return Markup("").join(out)


def _one(form: Form, name: str, default: str = "") -> str:
    return (form.get(name) or [default])[0]


def _ids(form: Form) -> list[int]:
    try:
        return [int(v) for v in form.get("ids", [])]
    except ValueError:
        raise HTTPException(400, "draft ids must be numbers") from None


def error_target(path: str) -> str:
    """Where a failed action returns: the draft it acted on (`/drafts/7/approve` → `/drafts/7`),
    else the queue."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "drafts" and parts[1].isdigit():
        return f"/drafts/{parts[1]}"
    return "/"


def create_app(settings: Settings, *, host: str | None = None) -> FastAPI:
    """The web app over the workspace `settings` describe; `host` is where it will listen."""
    token = security.required_token(host or settings.web.host, settings.web.access_token)
    templates = _templates(settings.owner.timezone)
    state: dict[str, Workspace] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if "ws" in state:
            state.pop("ws").close()

    app = FastAPI(title="keepwarm", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.kw_secret = security.load_secret(settings.state_path)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def ws() -> Workspace:
        if "ws" not in state:
            state["ws"] = open_workspace(settings)
        return state["ws"]

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        security.port_of(request)  # cookie names carry the port
        if token is None and not security.host_allowed(request):
            return HTMLResponse(
                "<h1>Unexpected host</h1><p>Open keepwarm at http://127.0.0.1 (or set "
                "<code>[web] access_token</code> to serve it under another name).</p>",
                status_code=400,
            )
        public = request.url.path.startswith("/static/")
        if token is not None and not public and not security.has_access(request, token):
            return HTMLResponse(
                "<h1>Access token required</h1><p>Open this page with "
                "<code>?token=…</code> (the <code>[web] access_token</code> of your "
                "keepwarm.toml).</p>",
                status_code=401,
            )
        started = time.perf_counter()
        response = await call_next(request)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        if token is not None and request.query_params.get("token"):
            response.set_cookie(
                security.cookie_name(security.ACCESS_COOKIE, request),
                security.access_cookie(app.state.kw_secret, token),
                httponly=True,
                samesite="strict",
            )
        new = getattr(request.state, "new_csrf", None)
        if new:
            name = security.cookie_name(security.CSRF_COOKIE, request)
            response.set_cookie(name, new, httponly=True, samesite="strict")
        response.headers.update(security.SECURITY_HEADERS)
        return response

    def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        flash = security.read_flash(request)
        html = templates.get_template(name).render(
            csrf=security.csrf_token(request), flash=flash, path=request.url.path, **context
        )
        response = HTMLResponse(html, status_code=code)
        if flash:
            response.delete_cookie(security.cookie_name(security.FLASH_COOKIE, request))
        return response

    def back(target: str, message: str, kind: str = "ok") -> RedirectResponse:
        response = RedirectResponse(target, status_code=303)
        security.set_flash(response, message, kind=kind)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html", code=exc.status_code, message=exc.detail)

    @app.exception_handler(KeepwarmError)
    async def keepwarm_error(request: Request, exc: Exception) -> Response:
        """The page's one error handler: whatever KeepwarmError a route lets rise.

        An action (POST) goes back to the page it acts on with the message as an error flash;
        a page (GET) becomes the error page: 404 for what does not exist, else 400.
        """
        if request.method == "POST":
            return back(error_target(request.url.path), str(exc), "error")
        code = 404 if isinstance(exc, NotFound) else 400
        return render(request, "error.html", code=code, message=str(exc))

    @app.get("/", response_class=HTMLResponse)
    def queue_page(
        request: Request, state: str = "pending", rule: str = "", person: str = ""
    ) -> Response:
        service.check_state(state or None)
        every = service.summaries(ws(), rule=rule or None, person=person or None)
        groups = review_groups(every, state or None)
        items = [d for g in groups for d in g.items]
        rules = sorted({d["rule"] for d in items if d["state"] in ("pending", "snoozed")})
        return render(
            request, "queue.html", groups=groups, count=len(items),
            counts=service.counts(ws()), state=state, rule=rule, person=person, rules=rules,
            selectable=("pending", "snoozed", "failed"), qs=f"?{urlencode({'state': state})}",
            synced=bool(every) or health.synced_yet(ws()),
        )  # fmt: skip

    @app.get("/drafts/{draft_id}", response_class=HTMLResponse)
    def draft_page(request: Request, draft_id: int, state: str = "pending") -> Response:
        d = service.show(ws(), draft_id)
        service.check_state(state or None)
        order = review_order(service.summaries(ws()), state or None)
        pos = order.index(draft_id) if draft_id in order else -1
        prev_id = order[pos - 1] if pos > 0 else None
        next_id = order[pos + 1] if 0 <= pos < len(order) - 1 else None
        return render(
            request, "draft.html", d=d, prev_id=prev_id, next_id=next_id, state=state,
            left=len(order) - pos if pos >= 0 else None,
            back=f"/?{urlencode({'state': state})}", window=window_text(d, templates.filters["when"]),
        )  # fmt: skip

    def after(draft_id: int, form: Form) -> str:
        """Where to go after acting on one draft: where the form says (the list), else the next
        draft in review order, else the list it came from once the last one is done."""
        target = _one(form, "back")
        if target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
        listed = _one(form, "state", "pending")
        state = listed if listed in service.STATES or not listed else "pending"
        nxt = _one(form, "next")
        if nxt.isdigit():
            return f"/drafts/{int(nxt)}?{urlencode({'state': state})}"
        return f"/?{urlencode({'state': state})}"

    @app.post("/drafts/{draft_id}/approve")
    def approve_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        service.approve(ws(), [draft_id])
        return back(after(draft_id, form), f"Approved draft {draft_id}.")

    @app.post("/drafts/{draft_id}/reject")
    def reject_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        forget, mute = _one(form, "forget") == "on", _one(form, "mute") == "on"
        service.reject(
            ws(), [draft_id], reason=_one(form, "reason").strip(), forget=forget, mute_rule=mute
        )
        extra = " and forgot the person" if forget else " and muted the rule" if mute else ""
        return back(after(draft_id, form), f"Rejected draft {draft_id}{extra}.")

    @app.post("/drafts/{draft_id}/snooze")
    def snooze_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        until = service.parse_until(ws(), _one(form, "until") or "1d")
        service.snooze(ws(), [draft_id], until=until)
        when = local_minute(until, settings.owner.timezone)
        return back(after(draft_id, form), f"Snoozed draft {draft_id} until {when}.")

    @app.post("/drafts/{draft_id}/edit")
    def edit_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        to = [a for a in _one(form, "to").replace(";", ",").split(",") if a.strip()]
        service.edit(ws(), draft_id, to=to, subject=_one(form, "subject"), body=_one(form, "body"))
        if _one(form, "approve") == "on":
            service.approve(ws(), [draft_id])
            return back(after(draft_id, form), f"Saved and approved draft {draft_id}.")
        return back(f"/drafts/{draft_id}", f"Saved draft {draft_id}.")

    @app.get("/approve", response_class=HTMLResponse)
    def approve_preview(request: Request) -> Response:
        """What "approve selected" or "approve all of a rule" will do, before it does it."""
        ids = _ids({"ids": request.query_params.getlist("ids")})
        rule = request.query_params.get("rule") or None
        plan = approval_plan(ws(), ids, rule=rule)
        return render(request, "approve.html", plan=plan, rule=rule)

    @app.post("/approve")
    def approve_many(form: Form = Depends(checked_form)) -> Response:
        result = approve_available(ws(), _ids(form), rule=_one(form, "rule") or None)
        n = len(result.approved)
        message = f"Approved {n} draft{'s' if n != 1 else ''}."
        if result.refused:
            skipped = "; ".join(r.reason for r in result.refused)
            message += f" Skipped {len(result.refused)}: {skipped}"
        return back("/", message, "error" if result.refused else "ok")

    @app.get("/people/{key}", response_class=HTMLResponse)
    def person_page(request: Request, key: str) -> Response:
        p = service.person(ws(), key)
        return render(request, "person.html", p=p)

    @app.get("/status", response_class=HTMLResponse)
    def status_page(request: Request) -> Response:
        report = reports.status(ws())
        return render(request, "status.html", report=report, base=str(settings.base_dir) + "/")

    return app
