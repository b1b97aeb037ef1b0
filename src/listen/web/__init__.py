"""`listen serve`: a local web app over the application layer (never the store).

`settings` and `pages` import no web framework; `server` (Starlette, uvicorn) and `render`
(Jinja2) are imported only when serving, so the rest of listen starts as fast as before.
"""
