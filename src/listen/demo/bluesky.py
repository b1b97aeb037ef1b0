"""Demo Bluesky: an AppView, a PDS and a PLC directory on the loopback server.

Contacts' feeds are real recorded `getAuthorFeed` pages and a real post view (data/bluesky/,
see data/README). The demo user's repo holds a like, a reply, a quote and a repost of those
posts, so `listen demo` shows participation being detected.

What people did with the demo user's post comes from the AppView's recorded output: the
`getLikes` and `getRepostedBy` pages (their first actor has Alice's DID: Alice liked and
reposted it) and a `getPostThread` with two replies, one by Carol, a contact whose feed is
that reply. HAND-MADE: the thread's root is the recorded viewer's post relabelled as the demo
user's "Back from the conference", with counts matching the listings served.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from listen.demo.server import DemoRequest, DemoResponse, Handler, LoopbackServer

DEMO_USER_HANDLE = "demo-user.test"
DEMO_USER_DID = "did:plc:demouserdemouserdemouser"
ALICE = ("Alice Bluesky", "alice.test", "did:plc:7sqxh4mfnyysmuu34o2bn7fz")
CAROL = ("Carol Replies", "carol.test", "did:plc:4v2egofaeeobc5x5euglttaj")
THREAD_VIEWER = ("alice.test", "did:plc:nkjx3ufzu6baprhrf474eltp")  # whose thread was recorded
OWN_POST = "at://did:plc:demouserdemouserdemouser/app.bsky.feed.post/3lbdemo3plain"
MARSHAL = ("AT SDK Test Account", "test.marshal.dev", "did:plc:kvwvcn5iqfooopmyzvb4qzba")
CID = "bafyreiemrl2yosvnipoqfmkhe2vycruczi3x5ja6iqibod4xjfsn343zuy"


def serve_bluesky(server: LoopbackServer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Register the XRPC routes; returns the `[bluesky]` section and the demo contacts."""
    alice_pages = [_load(f"appview_getAuthorFeed_page{n}.json") for n in (1, 2)]
    # A real post view from a live getPostThread, as a one-item author feed.
    marshal_post = _load("atproto-sdk_thread_view_post_with_embed_media.json")["thread"]["post"]
    thread = own_thread()
    feeds = {ALICE[2]: alice_pages, MARSHAL[2]: [{"feed": [{"post": marshal_post}]}]}
    feeds |= inbound_feeds(thread)
    handles = {ALICE[1]: ALICE[2], MARSHAL[1]: MARSHAL[2], CAROL[1]: CAROL[2]}
    handles[DEMO_USER_HANDLE] = DEMO_USER_DID
    repo = demo_user_records(feeds)

    def resolve_handle(request: DemoRequest) -> DemoResponse:
        did = handles.get(request.arg("handle") or "")
        if did is None:
            return _json({"error": "InvalidRequest", "message": "Unable to resolve handle"}, 400)
        return _json({"did": did})

    def author_feed(request: DemoRequest) -> DemoResponse:
        pages = feeds.get(request.arg("actor") or "")
        if pages is None:
            return _json({"error": "InvalidRequest", "message": "Profile not found"}, 400)
        index = int((request.arg("cursor") or "page-0").removeprefix("page-") or 0)
        if index >= len(pages):
            return _json({"feed": []})
        body = {**pages[index], "cursor": f"page-{index + 1}"}
        return _json(body)

    def list_records(request: DemoRequest) -> DemoResponse:
        if request.arg("repo") != DEMO_USER_DID:
            return _json({"error": "InvalidRequest", "message": "Could not find repo"}, 400)
        return _json({"records": repo.get(request.arg("collection") or "", [])})

    server.add("/xrpc/com.atproto.identity.resolveHandle", resolve_handle)
    server.add("/xrpc/app.bsky.feed.getAuthorFeed", author_feed)
    server.add("/xrpc/com.atproto.repo.listRecords", list_records)
    serve_listings(server, thread)
    document = did_document(server.base_url)
    server.add(f"/plc/{DEMO_USER_DID}", lambda request: _json(document))
    section = {
        "bluesky": {
            "handle": DEMO_USER_HANDLE,
            "base_url": server.base_url,
            "pds_url": server.base_url,
            "plc_url": server.base_url + "/plc",
        }
    }
    contacts = [
        {"name": ALICE[0], "priority": 3, "bluesky": ALICE[1]},
        {"name": MARSHAL[0], "priority": 2, "bluesky": MARSHAL[1]},
        {"name": CAROL[0], "priority": 3, "bluesky": CAROL[1]},
    ]
    return section, contacts


def demo_user_records(feeds: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The demo user's repo: what they did with the contacts' posts, newest record first."""
    alice = [item["post"] for item in feeds[ALICE[2]][0]["feed"]]
    marshal = feeds[MARSHAL[2]][0]["feed"][0]["post"]

    def ref(view: dict[str, Any]) -> dict[str, str]:
        return {"uri": view["uri"], "cid": view["cid"]}

    def record(collection: str, rkey: str, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "uri": f"at://{DEMO_USER_DID}/{collection}/{rkey}",
            "cid": CID,
            "value": {"$type": collection, **value},
        }

    post, repost, like = "app.bsky.feed.post", "app.bsky.feed.repost", "app.bsky.feed.like"
    return {
        post: [
            record(
                post,
                "3lbdemo5reply",
                {
                    "text": "Congrats on the launch, Alice!",
                    "createdAt": "2024-11-18T12:30:00.000Z",
                    "reply": {"parent": ref(alice[0]), "root": ref(alice[0])},
                },
            ),
            record(
                post,
                "3lbdemo4quote",
                {
                    "text": "This thread is worth your time",
                    "createdAt": "2024-11-18T11:00:00.000Z",
                    "embed": {"$type": "app.bsky.embed.record", "record": ref(alice[9])},
                },
            ),
            record(
                post,
                "3lbdemo3plain",
                {"text": "Back from the conference", "createdAt": "2024-11-18T10:00:00.000Z"},
            ),
        ],
        repost: [
            record(repost, "3lbdemo2repst", {"subject": ref(marshal), "createdAt": "2024-11-18"})
        ],
        like: [
            record(like, "3lbdemo1like2", {"subject": ref(alice[2]), "createdAt": "2024-11-18"}),
            record(like, "3lbdemo1like1", {"subject": ref(alice[4]), "createdAt": "2024-11-17"}),
        ],
    }


def inbound_feeds(thread: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The demo user's own feed (their post in the thread) and Carol's (her reply in it)."""
    replies = thread["thread"]["replies"]
    carol_reply = next(r["post"] for r in replies if r["post"]["author"]["did"] == CAROL[2])
    return {
        CAROL[2]: [{"feed": [{"post": carol_reply}]}],
        DEMO_USER_DID: [{"feed": [{"post": thread["thread"]["post"]}]}],
    }


def serve_listings(server: LoopbackServer, thread: dict[str, Any]) -> None:
    """Who liked, reposted and replied to the demo user's post: the recorded listings."""
    listings = {
        "getLikes": _load("appview_getLikes.json"),
        "getRepostedBy": _load("appview_getRepostedBy.json"),
        "getPostThread": thread,
    }
    for name, body in listings.items():
        server.add(f"/xrpc/app.bsky.feed.{name}", _listing(body))


def own_thread() -> dict[str, Any]:
    """The recorded thread, its root relabelled as the demo user's post (HAND-MADE, see the
    module's docstring); the counts say what the listings served hold."""
    text = json.dumps(_load("appview_getPostThread.json"))
    root = json.loads(text)["thread"]["post"]["uri"]
    handle, did = THREAD_VIEWER
    text = text.replace(root, OWN_POST).replace(did, DEMO_USER_DID)
    thread: dict[str, Any] = json.loads(text.replace(f'"{handle}"', f'"{DEMO_USER_HANDLE}"'))
    post = thread["thread"]["post"]
    post["record"] = {
        **post["record"],
        "text": "Back from the conference",
        "createdAt": "2024-11-18T10:00:00.000Z",
    }
    post.update(
        likeCount=len(_load("appview_getLikes.json")["likes"]),
        repostCount=len(_load("appview_getRepostedBy.json")["repostedBy"]),
        replyCount=len(thread["thread"]["replies"]),
        quoteCount=0,
    )
    return thread


def _listing(body: dict[str, Any]) -> Handler:
    """One of the demo user's post's listings, whatever post is asked about (there is one)."""
    return lambda request: _json(body)


def did_document(base_url: str) -> dict[str, Any]:
    """The demo user's DID document: the recorded one's shape, pointing at the loopback PDS."""
    document: dict[str, Any] = _load("atproto-sdk_did_doc.json")["didDoc"]
    document["id"] = DEMO_USER_DID
    document["alsoKnownAs"] = [f"at://{DEMO_USER_HANDLE}"]
    for method in document.get("verificationMethod", []):
        method["id"] = f"{DEMO_USER_DID}#atproto"
        method["controller"] = DEMO_USER_DID
    for service in document.get("service", []):
        if service.get("id") == "#atproto_pds":
            service["serviceEndpoint"] = base_url
    return document


def _load(name: str) -> dict[str, Any]:
    folder = resources.files("listen.demo").joinpath("data", "bluesky")
    value: dict[str, Any] = json.loads(folder.joinpath(name).read_bytes())
    return value


def _json(body: dict[str, Any], status: int = 200) -> DemoResponse:
    return DemoResponse(status, json.dumps(body).encode(), {"Content-Type": "application/json"})
