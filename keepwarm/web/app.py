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

from keepwarm.errors import KeepwarmError, NotFound
from keepwarm.services import queue as service
from keepwarm.services import reports
from keepwarm.services.workspace import Workspace, open_workspace
from keepwarm.settings import Settings
from keepwarm.web import security
from keepwarm.web.security import checked_form

Form = dict[str, list[str]]
STATIC = Path(__file__).parent / "static"


def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("keepwarm.web", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda iso: (iso or "")[:16].replace("T", " ")
    env.filters["q"] = lambda value: quote(str(value), safe="")
    return env


def _one(form: Form, name: str, default: str = "") -> str:
    return (form.get(name) or [default])[0]


def _ids(form: Form) -> list[int]:
    try:
        return [int(v) for v in form.get("ids", [])]
    except ValueError:
        raise HTTPException(400, "draft ids must be numbers") from None


def create_app(settings: Settings, *, host: str | None = None) -> FastAPI:
    """The web app over the workspace `settings` describe; `host` is where it will listen."""
    token = security.required_token(host or settings.web.host, settings.web.access_token)
    templates = _templates()
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

    def act(target: str, ok: Callable[[], str], *, on_error: str | None = None) -> Response:
        try:
            return back(target, ok())
        except KeepwarmError as exc:
            return back(on_error or target, str(exc), "error")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html", code=exc.status_code, message=exc.detail)

    @app.get("/", response_class=HTMLResponse)
    def queue_page(
        request: Request, state: str = "pending", rule: str = "", person: str = ""
    ) -> Response:
        try:
            items = service.summaries(
                ws(), state=state or None, rule=rule or None, person=person or None
            )
        except KeepwarmError as exc:
            raise HTTPException(400, str(exc)) from None
        rules = sorted({d["rule"] for d in items if d["state"] in ("pending", "snoozed")})
        return render(
            request, "queue.html", items=items, counts=service.counts(ws()), state=state,
            rule=rule, person=person, rules=rules, selectable=("pending", "snoozed", "failed"),
            qs=f"?{urlencode({'state': state})}",
        )  # fmt: skip

    @app.get("/drafts/{draft_id}", response_class=HTMLResponse)
    def draft_page(request: Request, draft_id: int, state: str = "pending") -> Response:
        try:
            d = service.show(ws(), draft_id)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        order = [x["id"] for x in service.summaries(ws(), state=state or None)]
        pos = order.index(draft_id) if draft_id in order else -1
        prev_id = order[pos - 1] if pos > 0 else None
        next_id = order[pos + 1] if 0 <= pos < len(order) - 1 else None
        return render(
            request, "draft.html", d=d, prev_id=prev_id, next_id=next_id, state=state,
            back=f"/?{urlencode({'state': state})}",
        )  # fmt: skip

    def after(draft_id: int, form: Form) -> str:
        """Where to go after acting on one draft: where the form says, the next draft, or itself."""
        target = _one(form, "back")
        if target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
        nxt = _one(form, "next")
        return f"/drafts/{int(nxt)}" if nxt.isdigit() else f"/drafts/{draft_id}"

    @app.post("/drafts/{draft_id}/approve")
    def approve_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        def do() -> str:
            service.approve(ws(), [draft_id])
            return f"Approved draft {draft_id}."

        return act(after(draft_id, form), do, on_error=f"/drafts/{draft_id}")

    @app.post("/drafts/{draft_id}/reject")
    def reject_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        forget, mute = _one(form, "forget") == "on", _one(form, "mute") == "on"

        def do() -> str:
            service.reject(
                ws(), [draft_id], reason=_one(form, "reason").strip(), forget=forget,
                mute_rule=mute,
            )  # fmt: skip
            extra = " and forgot the person" if forget else " and muted the rule" if mute else ""
            return f"Rejected draft {draft_id}{extra}."

        return act(after(draft_id, form), do, on_error=f"/drafts/{draft_id}")

    @app.post("/drafts/{draft_id}/snooze")
    def snooze_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        def do() -> str:
            until = service.parse_until(ws(), _one(form, "until") or "1d")
            service.snooze(ws(), [draft_id], until=until)
            return f"Snoozed draft {draft_id} until {until:%Y-%m-%d %H:%M} UTC."

        return act(after(draft_id, form), do, on_error=f"/drafts/{draft_id}")

    @app.post("/drafts/{draft_id}/edit")
    def edit_one(draft_id: int, form: Form = Depends(checked_form)) -> Response:
        def do() -> str:
            to = [a for a in _one(form, "to").replace(";", ",").split(",") if a.strip()]
            service.edit(
                ws(), draft_id, to=to, subject=_one(form, "subject"), body=_one(form, "body")
            )
            if _one(form, "approve") == "on":
                service.approve(ws(), [draft_id])
                return f"Saved and approved draft {draft_id}."
            return f"Saved draft {draft_id}."

        return act(f"/drafts/{draft_id}", do)

    @app.post("/approve")
    def approve_many(form: Form = Depends(checked_form)) -> Response:
        ids, rule = _ids(form), _one(form, "rule") or None

        def do() -> str:
            done = service.approve(ws(), ids, rule=rule)
            return f"Approved {len(done)} draft{'s' if len(done) != 1 else ''}."

        return act("/", do)

    @app.get("/people/{key}", response_class=HTMLResponse)
    def person_page(request: Request, key: str) -> Response:
        try:
            p = service.person(ws(), key)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return render(request, "person.html", p=p)

    @app.get("/status", response_class=HTMLResponse)
    def status_page(request: Request) -> Response:
        return render(request, "status.html", report=reports.status(ws()))

    return app
