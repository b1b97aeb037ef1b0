"""Pages from Jinja2 templates, autoescaped: post text is untrusted, so every value is escaped
unless a template says otherwise (only the SVG charts, which escape their own text)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from listen.app import SUGGESTED_ACTIONS
from listen.types import COLLECTABLE_PLATFORMS
from listen.web.pages import BUTTON_TEXT, TIMELINE_SHOWN
from listen.web.settings import WebSettings

TEMPLATES = Path(__file__).parent / "templates"
STATUS_TEXT = {400: "Cannot do that", 401: "Token needed", 403: "Refused", 500: "Something broke"}


def when(moment: datetime | str | None) -> str:
    """A time as the pages show it (UTC, to the minute)."""
    if moment is None or moment == "":
        return "never"
    if isinstance(moment, str):
        return moment[:16].replace("T", " ") + " UTC"
    return moment.strftime("%a %d %b %Y %H:%M UTC")


class Renderer:
    """The template environment, with what every page needs (the CSRF token, the buttons'
    words)."""

    def __init__(self, settings: WebSettings) -> None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined  # only when serving

        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
        )
        self.env.globals.update(
            csrf=settings.csrf_secret,
            button_text=BUTTON_TEXT,
            timeline_shown=TIMELINE_SHOWN,
            platforms=COLLECTABLE_PLATFORMS,
            actions=SUGGESTED_ACTIONS,
        )
        self.env.filters["when"] = when

    def page(self, request: Request, template: str, **context: Any) -> HTMLResponse:
        query = request.url.query
        here = request.url.path + (f"?{query}" if query else "")
        html = self.env.get_template(template).render(path=request.url.path, here=here, **context)
        return HTMLResponse(html)

    def error(self, status: int, message: str) -> HTMLResponse:
        html = self.env.get_template("error.html").render(
            path="", here="/", title=STATUS_TEXT.get(status, "Error"), message=message
        )
        return HTMLResponse(html, status_code=status)
