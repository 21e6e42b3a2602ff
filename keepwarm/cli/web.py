"""`keepwarm web`: serve the approval queue page on this machine."""

from __future__ import annotations

import typer

from keepwarm.cli.context import err, settings_for


def register(app: typer.Typer) -> None:
    @app.command()
    def web(
        ctx: typer.Context,
        host: str | None = typer.Option(
            None, "--host", help="Address to listen on (default [web] host, 127.0.0.1)."
        ),
        port: int | None = typer.Option(
            None, "--port", help="Port to listen on (default [web] port, 8765)."
        ),
    ) -> None:
        """Open the approval queue in your browser: review, edit, approve with the keyboard.

        Binding to anything but loopback requires [web] access_token in keepwarm.toml.
        Example: keepwarm web --port 8765
        """
        import uvicorn

        from keepwarm.web import create_app

        settings = settings_for(ctx)
        bind = host or settings.web.host
        listen = port or settings.web.port
        application = create_app(settings, host=bind)
        err.print(f"keepwarm web: http://{bind}:{listen}/  (Ctrl+C to stop)")
        uvicorn.run(application, host=bind, port=listen, log_level="warning")
