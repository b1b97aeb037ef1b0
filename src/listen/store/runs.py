"""Runs and read budgets (tables `runs`, `api_reads`, `api_spend`, `api_billed_posts`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from listen.clock import parse_iso, to_iso
from listen.facts import RunRecord
from listen.store.base import StoreBase


class RunStore(StoreBase):
    """What each run did, and how many metered API reads each month spent."""

    def add_api_reads(self, platform: str, month: str, reads: int, *, now: datetime) -> None:
        """Add `reads` API requests to `platform`'s count for `month` (YYYY-MM)."""
        if reads <= 0:
            return
        with self.transaction():
            self._conn.execute(
                "INSERT INTO api_reads (platform, month, reads, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (platform, month) DO UPDATE SET reads = reads + excluded.reads,"
                " updated_at = excluded.updated_at",
                (platform, month, reads, to_iso(now)),
            )

    def api_reads(self, platform: str, month: str) -> int:
        """API requests spent on `platform` in `month` (YYYY-MM)."""
        row = self._conn.execute(
            "SELECT reads FROM api_reads WHERE platform = ? AND month = ?", (platform, month)
        ).fetchone()
        return int(row[0]) if row else 0

    def charge_x_poll(
        self, month: str, gross: int, post_ids: Sequence[str], post_price: int, *, now: datetime
    ) -> int:
        """Add what one X poll cost (micro-dollars) to the month. A post returned twice in a
        UTC day is billed once, at the higher of its prices whatever the order of the polls.
        Returns the charge."""
        day = now.astimezone(UTC).date().isoformat()
        unique = list(dict.fromkeys(post_ids))
        with self.transaction():
            billed = self._billed_today(day, unique)
            # Each repeat within the poll, and each post billed earlier today, is not charged
            # again beyond the difference to a higher price now.
            refund = (len(post_ids) - len(unique)) * post_price
            refund += sum(min(post_price, billed[i]) for i in unique if i in billed)
            self._conn.executemany(
                "INSERT INTO api_billed_posts (platform, day, post_id, micro_usd)"
                " VALUES ('x', ?, ?, ?) ON CONFLICT (platform, day, post_id) DO UPDATE SET"
                " micro_usd = max(micro_usd, excluded.micro_usd)",
                [(day, post_id, post_price) for post_id in unique],
            )
            self._conn.execute(
                "DELETE FROM api_billed_posts WHERE platform = 'x' AND day < ?", (day,)
            )
            charge = max(0, gross - refund)
            if charge:
                self._conn.execute(
                    "INSERT INTO api_spend (platform, month, micro_usd, updated_at)"
                    " VALUES ('x', ?, ?, ?) ON CONFLICT (platform, month) DO UPDATE SET"
                    " micro_usd = micro_usd + excluded.micro_usd, updated_at = excluded.updated_at",
                    (month, charge, to_iso(now)),
                )
        return charge

    def _billed_today(self, day: str, post_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(post_ids), 500):
            chunk = post_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._conn.execute(
                "SELECT post_id, micro_usd FROM api_billed_posts WHERE platform = 'x' AND day = ?"
                f" AND post_id IN ({marks})",
                (day, *chunk),
            )
            found.update({str(post_id): int(price) for post_id, price in rows})
        return found

    def set_api_spend(self, platform: str, month: str, micro_usd: int, *, now: datetime) -> None:
        """Replace a month's figure (e.g. what X's own usage endpoint reports)."""
        self._conn.execute(
            "INSERT INTO api_spend (platform, month, micro_usd, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, month) DO UPDATE SET micro_usd = excluded.micro_usd,"
            " updated_at = excluded.updated_at",
            (platform, month, max(0, micro_usd), to_iso(now)),
        )

    def api_spend_updated_at(self, platform: str, month: str) -> datetime | None:
        row = self._conn.execute(
            "SELECT updated_at FROM api_spend WHERE platform = ? AND month = ?", (platform, month)
        ).fetchone()
        return parse_iso(row[0]) if row else None

    def api_spend(self, platform: str, month: str) -> int:
        """Micro-dollars spent on `platform`'s API in `month` (YYYY-MM)."""
        row = self._conn.execute(
            "SELECT micro_usd FROM api_spend WHERE platform = ? AND month = ?", (platform, month)
        ).fetchone()
        return int(row[0]) if row else 0

    # -- runs ---------------------------------------------------------------------------------

    def start_run(self, command: str, now: datetime) -> int:
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, to_iso(now))
            )
        return int(cur.lastrowid or 0)

    def mark_interrupted_runs(self, now: datetime) -> int:
        """Runs still 'running' when the run lock is free were killed: say so; returns how many."""
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = coalesce(finished_at, ?)"
                " WHERE status = 'running'",
                (to_iso(now),),
            )
        return cur.rowcount

    def last_run(self) -> RunRecord | None:
        """The newest run, for `listen status`."""
        row = self._conn.execute(
            "SELECT id, command, started_at, finished_at, status, sources_polled, sources_failed,"
            " sources_not_modified, new_posts, new_engagements, bytes_received, reads, errors"
            " FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        names = RunRecord.__dataclass_fields__
        return RunRecord(**{**dict(zip(names, row, strict=True)), "errors": _json_list(row[12])})

    def finish_run(self, run_id: int, now: datetime, totals: dict[str, Any]) -> None:
        values = {**totals, "finished_at": to_iso(now)}
        if "errors" in values:
            values["errors"] = json.dumps(values["errors"])
        sets = ", ".join(f"{key} = ?" for key in values)
        with self.transaction():
            self._conn.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*values.values(), run_id])

    def add_run_errors(self, run_id: int, errors: list[dict[str, Any]]) -> None:
        """Append to a finished run's `errors` (failed steps after collection); an ok run
        becomes partial."""
        with self.transaction():
            row = self._conn.execute("SELECT errors FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                return
            try:
                existing = json.loads(row[0] or "[]")
            except ValueError:
                existing = []
            merged = [*(existing if isinstance(existing, list) else []), *errors]
            self._conn.execute(
                "UPDATE runs SET errors = ?,"
                " status = CASE WHEN status = 'ok' THEN 'partial' ELSE status END WHERE id = ?",
                (json.dumps(merged), run_id),
            )


def _json_list(text: object) -> list[object]:
    """The `errors` column as a list (text that is not a JSON list becomes one item)."""
    try:
        value = json.loads(str(text or "[]"))
    except ValueError:
        return [str(text)]
    return value if isinstance(value, list) else [value]
