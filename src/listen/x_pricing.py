"""What X's pay-per-use API costs (pure): prices per item read, in micro-dollars so sums are
exact. As of 2026: a post read $0.005, a user (lookups, following/followers lists) $0.010, a
read of your own data (your timeline, your likes) $0.001; a post returned twice in one UTC day
is billed once. The prices come from the config (`x.price_*_usd`), so a change is one edit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from listen.config import XConfig

MICRO = 1_000_000  # micro-dollars in a dollar


def to_micro(usd: float) -> int:
    return round(usd * MICRO)


def dollars(micro: int | float) -> str:
    """`$1.23`; amounts under a dollar keep a third decimal when it is not zero (`$0.005`)."""
    value = micro / MICRO
    text = f"{value:,.3f}" if abs(value) < 1 and round(value * 1000) % 10 else f"{value:,.2f}"
    return f"${text}"


@dataclass(frozen=True, slots=True)
class XPrices:
    """Micro-dollars per item X returns."""

    post_read: int = 5_000
    user_read: int = 10_000
    owned_read: int = 1_000

    @classmethod
    def from_config(cls, x: XConfig) -> XPrices:
        return cls(
            to_micro(x.price_post_read_usd),
            to_micro(x.price_user_read_usd),
            to_micro(x.price_owned_read_usd),
        )

    def post_price(self, *, owned: bool) -> int:
        return self.owned_read if owned else self.post_read

    def cost(self, *, posts: int = 0, users: int = 0, owned_posts: int = 0) -> int:
        return posts * self.post_read + users * self.user_read + owned_posts * self.owned_read

    def posts_for(self, micro: int) -> int:
        """How many posts (at the ordinary post price) an amount buys."""
        return max(0, micro) // self.post_read if self.post_read > 0 else 0
