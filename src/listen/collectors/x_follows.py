"""X follows through tweepy (API v2): `/2/users/:id/following` (1,000 a page) and list members
(`/2/lists/:id/members`, 100 a page). X bills each user returned; the app prices a run before
it starts (`resolve` reads the account's following count) and records what each page cost."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from listen.collectors.follows import FollowsPage, FollowsQuery
from listen.collectors.profile_parse import parsed_profiles, x_profile
from listen.collectors.x import MISSING_CREDENTIALS, XApi, x_client, x_credentials
from listen.errors import AuthError, FollowsHidden, SourceError, UnknownAccount
from listen.types import Profile

if TYPE_CHECKING:
    import httpx

    from listen.config import Config
    from listen.http import HttpSettings

FOLLOWING_PAGE = 1000  # the most /2/users/:id/following returns at once
LIST_PAGE = 100  # ... and /2/lists/:id/members
PROFILE_FIELDS = ["description", "entities", "profile_image_url", "public_metrics", "url"]
NOT_AUTHORIZED = "not-authorized-for-resource"  # X's problem type for protected accounts


def profiles_from_users(payload: Any) -> tuple[list[Profile], int]:
    """Profiles in a users page; entries X reports as errors (suspended, deleted) are counted."""
    data = payload.get("data") if isinstance(payload, dict) else None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    profiles, skipped = parsed_profiles(data, x_profile)
    return profiles, skipped + (len(errors) if isinstance(errors, list) else 0)


def _not_authorized(payload: Any) -> bool:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and NOT_AUTHORIZED in str(e.get("type", "")) for e in errors
    )


class XFollows:
    """Pages of whom an X account follows, or of a list's members."""

    platform = "x"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.x = config.x
        self.settings = settings
        self.credentials = x_credentials(config)

    def _api(self, query: FollowsQuery) -> XApi:
        if self.credentials is None:
            raise AuthError("x", MISSING_CREDENTIALS, reads=0)
        return XApi(x_client(self.credentials, self.x, self.settings), query.label, None, self.x)

    def resolve(self, query: FollowsQuery) -> tuple[FollowsQuery, int]:
        """The user's id and following count (or the list's member count): one read."""
        api = self._api(query)
        if query.list_id:
            payload = self._call(
                api, query, api.client.get_list, query.list_id, list_fields=["member_count"]
            )
            total = _data(payload).get("member_count")
            return FollowsQuery("x", query.account, query.list_id, None, _int(total)), 1
        username = query.account.lstrip("@").lower()  # as identities keep X usernames
        payload = self._call(
            api, query, api.client.get_user, username=username, user_fields=["public_metrics"]
        )
        user = _data(payload)
        if not isinstance(user.get("id"), str):
            raise UnknownAccount("x", query.account)
        metrics = user["public_metrics"] if isinstance(user.get("public_metrics"), dict) else {}
        return FollowsQuery(
            "x", username, None, user["id"], _int(metrics.get("following_count"))
        ), 1

    def page(self, query: FollowsQuery, cursor: str | None) -> FollowsPage:
        requests = 0
        if query.account_id is None and not query.list_id:
            query, requests = self.resolve(query)
        api = self._api(query)
        params: dict[str, Any] = {"user_fields": PROFILE_FIELDS}
        if cursor:
            params["pagination_token"] = cursor
        target = query.list_id or query.account_id
        if query.list_id:
            method, size = api.client.get_list_members, LIST_PAGE
        else:
            method, size = api.client.get_users_following, FOLLOWING_PAGE
        payload = self._call(api, query, method, target, max_results=size, **params)
        if _not_authorized(payload) and not payload.get("data"):
            raise FollowsHidden(f"x {query.label}: protected, whom it follows is not visible")
        profiles, skipped = profiles_from_users(payload)
        meta = payload.get("meta") if isinstance(payload, dict) else None
        token = meta.get("next_token") if isinstance(meta, dict) else None
        return FollowsPage(
            tuple(profiles),
            token if isinstance(token, str) and token else None,
            query.account_id,
            skipped,
            requests + 1,
            query.expected_total,
        )

    def _call(self, api: XApi, query: FollowsQuery, method: Any, *args: Any, **params: Any) -> Any:
        try:
            return api.call(method, *args, **params)
        except SourceError as exc:
            if "404" in exc.reason:
                raise UnknownAccount("x", query.label) from None
            raise


def _data(payload: Any) -> dict[str, Any]:
    data = payload.get("data") if isinstance(payload, dict) else None
    return data if isinstance(data, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
