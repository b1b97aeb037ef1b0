"""Demo blogs: real recorded feeds served from the loopback server."""

from __future__ import annotations

from importlib import resources

from listen.demo.server import LoopbackServer, static

# (contact name, priority, feed file): real feeds captured from the named sites.
DEMO_BLOGS = [
    ("Emily Atkin", 3, "feed-rs_rss_2.0_heated.xml"),
    ("John Gruber", 2, "feed-rs_jsonfeed_example_1.json"),
    ("Luke Valenta", 3, "feed-rs_rss_2.0_cloudflare.xml"),
    ("Steve Loynes", 2, "feed-rs_rss_2.0_element_io.xml"),
    ("Team Ghost", 1, "feed-rs_rss_2.0_ghost_2.xml"),
    ("GNOME Sysadmins", 2, "feed-rs_atom_example_7.xml"),
    ("InfluxData Blog", 1, "feed-rs_jsonfeed_elastic_1.1.json"),
    ("Achim Sawall", 2, "feed-rs_rss_1.0_iso8859.xml"),
    ("Earthquake News", 1, "feed-rs_rss_2.0_example_4.xml"),
    ("Homelab community", 1, "feed-rs_atom_mediarss_reddit_1.xml"),
    ("Reuters Most Read", 1, "feed-rs_rss_2.0_invalid_1.xml"),
]


def serve_blogs(server: LoopbackServer) -> list[dict[str, object]]:
    """Register every demo feed; returns `[[contacts]]` tables for the demo config."""
    folder = resources.files("listen.demo").joinpath("data", "feeds")
    contacts = []
    for name, priority, filename in DEMO_BLOGS:
        body = folder.joinpath(filename).read_bytes()
        content_type = (
            "application/feed+json" if filename.endswith(".json") else "application/rss+xml"
        )
        url = server.add(f"/feeds/{filename}", static(body, content_type))
        contacts.append({"name": name, "priority": priority, "blog": [url]})
    return contacts
