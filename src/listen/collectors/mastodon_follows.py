"""Mastodon follows: `/api/v1/accounts/:id/following` on the account's own instance (paged by
`Link: rel="next"`, 80 a page), and list members with `/api/v1/lists/:id/accounts` (a token is
required; lists live on the user's instance). The access token is only ever sent to the user's
own instance, where it also opens a follow list the account hides from others."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from listen.collectors.follows import FollowsPage, FollowsQuery
from listen.collectors.mastodon import header_value, same_origin
from listen.collectors.mastodon_parse import (
    Acct,
    json_body,
    json_list,
    parse_acct,
    parse_link_header,
)
from listen.collectors.profile_parse import mastodon_profile, parsed_profiles
from listen.errors import FollowsHidden, InputError, SourceError, UnknownAccount
from listen.http import fetch
from listen.types import Profile

if TYPE_CHECKING:
    import httpx

    from listen.config import Config, MastodonConfig
    from listen.http import Fetched, HttpSettings

PAGE_SIZE = 80  # the most /following and /lists/:id/accounts return at once
TOKEN_HINT = "set LISTEN_MASTODON_ACCESS_TOKEN (a read token of your own account)"


def profiles_from_accounts(
    accounts: list[dict[str, Any]], instance: str
) -> tuple[list[Profile], int]:
    """Profiles of the listed accounts; suspended ones (and malformed entries) are counted."""
    return parsed_profiles(
        accounts, lambda a: None if a.get("suspended") else mastodon_profile(a, instance)
    )


class MastodonFollows:
    """Pages of whom a Mastodon account follows, or of one of the user's lists."""

    platform = "mastodon"

    def __init__(self, config: Config, client: httpx.Client, settings: HttpSettings) -> None:
        self.options: MastodonConfig = config.mastodon
        self.client = client
        self.settings = settings
        self.token = config.secret("mastodon_access_token")
        account = config.mastodon.account
        self.home = parse_acct(account).instance if "@" in account.strip("@") else None

    def resolve(self, query: FollowsQuery) -> tuple[FollowsQuery, int]:
        """The account's id on its instance and how many it follows (one lookup)."""
        if query.list_id:
            return query, 0
        acct, base = self._where(query)
        account_id, total = self._lookup(acct, base)
        return FollowsQuery(query.platform, acct.address, None, account_id, total), 1

    def _where(self, query: FollowsQuery) -> tuple[Acct, str]:
        try:
            acct = parse_acct(query.account)
        except SourceError:
            raise UnknownAccount("mastodon", query.account, "expected user@instance") from None
        return acct, f"{self.options.scheme}://{acct.instance}"

    def page(self, query: FollowsQuery, cursor: str | None) -> FollowsPage:
        acct, base = self._where(query)
        if cursor is not None and not same_origin(cursor, base):
            raise InputError(f"mastodon: stored cursor {cursor!r} is not on {acct.instance}")
        requests = 0
        if query.account_id is None and not query.list_id:
            query, requests = self.resolve(query)
        total = query.expected_total
        if query.list_id:
            if not self._may_send_token(acct):
                raise FollowsHidden(
                    f"mastodon list {query.list_id}: lists need a token; {TOKEN_HINT}"
                )
            url = cursor or f"{base}/api/v1/lists/{quote(query.list_id, safe='')}/accounts"
            account_id = query.account_id
        else:
            account_id = query.account_id or ""
            url = cursor or f"{base}/api/v1/accounts/{quote(account_id, safe='')}/following"
        response = self._get(query, acct, url, None if cursor else {"limit": PAGE_SIZE})
        requests += 1
        accounts = json_list(response.content, url)
        if not accounts and cursor is None and not query.list_id and total:
            # The instance answers an empty page when the account hides whom it follows.
            hint = "" if self._may_send_token(acct) else f"; if it is yours, {TOKEN_HINT}"
            raise FollowsHidden(f"mastodon {acct.address} hides whom it follows{hint}")
        profiles, skipped = profiles_from_accounts(accounts, acct.instance)
        next_url = parse_link_header(header_value(response, "link")).get("next")
        more = bool(accounts) and next_url is not None and same_origin(next_url, base)
        return FollowsPage(
            tuple(profiles), next_url if more else None, account_id, skipped, requests, total
        )

    def _lookup(self, acct: Acct, base: str) -> tuple[str, int | None]:
        """The account's id on its instance and how many it follows; unknown → `UnknownAccount`."""
        url = f"{base}/api/v1/accounts/lookup"
        query = FollowsQuery("mastodon", acct.address)
        response = self._get(query, acct, url, {"acct": acct.user}, lookup=True)
        body = json_body(response.content, url)
        account_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(account_id, str) or not account_id:
            raise SourceError(url, "account lookup returned no id")
        count = body.get("following_count")
        return account_id, count if isinstance(count, int) and count > 0 else None

    def _get(
        self,
        query: FollowsQuery,
        acct: Acct,
        url: str,
        params: dict[str, Any] | None,
        *,
        lookup: bool = False,
    ) -> Fetched:
        headers = {"Accept": "application/json"}
        if self._may_send_token(acct):
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            return fetch(self.client, url, self.settings, headers=headers, params=params)
        except SourceError as exc:
            if exc.status == 404:
                what = query.label if not lookup else acct.address
                raise UnknownAccount("mastodon", what, f"not found on {acct.instance}") from None
            if exc.status in (401, 403):
                hint = "" if self._may_send_token(acct) else f"; {TOKEN_HINT}"
                raise FollowsHidden(
                    f"mastodon {query.label}: the instance refused (HTTP {exc.status}){hint}"
                ) from None
            raise

    def _may_send_token(self, acct: Acct) -> bool:
        """The token goes to the user's own instance only."""
        return self.token is not None and acct.instance == self.home
