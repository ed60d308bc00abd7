"""The durable queue of a collection: each source's state in the archive itself.

`archiver collect` writes every source it is given into the `sources` table as
pending, and marks each one done or failed (with the reason and how many times
it was tried) as soon as its page is stored. Started again with the same
command after Ctrl-C, a crash or kill -9, it leaves out what is done and takes
up the rest; a pending source from a run that was stopped is simply pending.
`refresh` (every source) or `older_than` (sources done longer ago than that)
collect again on purpose.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Optional

import sqlite_utils

from .http import utc_now

TABLE = "sources"
SCHEMA = f"""
create table if not exists {TABLE} (
    source text primary key,        -- a URL or a saved file, as given
    state text not null check (state in ('pending', 'done', 'failed')),
    attempts integer not null default 0,
    error text,                     -- why the last attempt failed
    page_id integer,                -- the page it gave (pages.id)
    queued_at text not null,
    finished_at text                -- when it was last done or failed (UTC)
)"""
@dataclass
class Plan:
    todo: list          # sources to collect, in the order given, once each
    done: int = 0       # left out: collected already (and recently enough)


class SourceQueue:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        with db.conn:
            db.execute(SCHEMA)

    def plan(self, sources: Iterable[str], *, refresh: bool = False,
             older_than: Optional[timedelta] = None) -> Plan:
        """Queue the sources; what is still to do among them (done ones stay out unless asked)."""
        given = list(dict.fromkeys(s for s in sources if s))
        now = utc_now()
        cutoff = None
        if older_than is not None:
            cutoff = (datetime.now(timezone.utc) - older_than).strftime("%Y-%m-%dT%H:%M:%SZ")
        plan = Plan(todo=[])
        # One write transaction from the first read: another collect queueing the same sources
        # at the same moment waits, then finds them queued.
        with self.db.atomic():
            for source in given:
                row = self.db.execute(f"select state, finished_at from {TABLE} where source = ?", [source]).fetchone()
                if row is None:
                    self.db.execute(f"insert into {TABLE} (source, state, queued_at) values (?, 'pending', ?)",
                                    [source, now])
                elif row[0] == "done" and not refresh and (cutoff is None or (row[1] or "") >= cutoff):
                    plan.done += 1
                    continue
                else:
                    self.db.execute(f"update {TABLE} set state = 'pending', queued_at = ? where source = ?",
                                    [now, source])
                plan.todo.append(source)
        return plan

    def finished(self, source: str, *, error: Optional[str], page_id: Optional[int]) -> None:
        """The source's page is stored (or could not be read): done, or failed with why."""
        with self.db.atomic():
            self.db.execute(f"update {TABLE} set state = ?, attempts = attempts + 1, error = ?, page_id = ?, "
                            f"finished_at = ? where source = ?",
                            ["failed" if error else "done", error, page_id, utc_now(), source])

    def counts(self) -> dict:
        return dict(self.db.execute(f"select state, count(*) from {TABLE} group by state").fetchall())
