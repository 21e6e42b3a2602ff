"""The local web page over the approval queue (FastAPI, server-rendered Jinja2, no build step)."""

from keepwarm.web.app import create_app

__all__ = ["create_app"]
