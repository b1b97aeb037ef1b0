"""The daily digest: build (pure), render (text, Markdown, HTML, JSON) and send (SMTP)."""
