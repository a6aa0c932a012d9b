"""The ledger's store: an append-only table of sealed records in any SQLAlchemy database.

``open_ledger("detente-ledger.db")`` opens (and creates) a SQLite file; any SQLAlchemy URL
(``postgresql+psycopg://user:pw@host/db``) opens that database. The table ``detente_ledger`` holds
one row per record: its sequence number, id, kind, the sealed canonical JSON (``body``) and its
hash. The API only ever inserts rows: a resolution is a new record, never an UPDATE.

:meth:`LedgerStore.verify` re-reads every row and reports each record whose seal no longer holds:
edited (the body does not match its hash, or the columns do not match the body), deleted (a gap in
the sequence numbers, or a broken link to the previous hash), or reordered (a record stored at a
position other than the one it was sealed at). Anyone with database access can rewrite the whole
chain from some record on; the published digest's head hash (``verify --head``) catches that.

This module is self-contained: when it was written the experiments store
(:mod:`detente.experiments.store`) did not yet expose a URL helper to share.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.ledger.records import GENESIS, Record, seal, sha256_text

__all__ = ["DEFAULT_STORE", "LedgerStore", "Problem", "VerifyReport", "open_ledger"]

DEFAULT_STORE = "detente-ledger.db"
"""The default ledger: a SQLite file in the current directory."""

TABLE = "detente_ledger"


def _url(url_or_path: str | Path) -> tuple[str, str]:
    """(SQLAlchemy URL, the same with any password masked) for a URL or a plain file path."""
    from detente.experiments.store import database_target

    url, shown = database_target(url_or_path)
    return url.render_as_string(hide_password=False), shown


@dataclass(frozen=True)
class Problem:
    """A record whose seal does not hold, and why."""

    seq: int
    record_id: str
    reason: str

    @property
    def message(self) -> str:
        """One line naming the record and the reason."""
        return f"record #{self.seq} {self.record_id!r}: {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    """The result of :meth:`LedgerStore.verify`."""

    records: int
    head: str
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when every record's seal and link hold."""
        return not self.problems


class LedgerStore:
    """An append-only ledger in one database (see the module docstring)."""

    def __init__(self, url_or_path: str | Path) -> None:
        from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine

        self.url, self.display = _url(url_or_path)
        self.metadata = MetaData()
        self.table = Table(
            TABLE,
            self.metadata,
            Column("seq", Integer, primary_key=True, autoincrement=False),
            Column("record_id", String(200), nullable=False),
            Column("kind", String(20), nullable=False),
            Column("body", Text, nullable=False),
            Column("hash", String(64), nullable=False),
        )
        try:
            self.engine = create_engine(self.url)
        except Exception as exc:  # a missing driver, a malformed URL
            raise InputError(
                f"cannot open the ledger store ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                source=self.display,
                fix="check the URL and that its database driver is installed",
            ) from None
        with self._errors():
            self.metadata.create_all(self.engine)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn database errors into one-line :class:`InputError` (password masked)."""
        from sqlalchemy.exc import SQLAlchemyError

        try:
            yield
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            if self.url != self.display:
                detail = detail.replace(self.url, self.display)
            raise InputError(
                f"the ledger store failed: {detail}",
                source=self.display,
                fix="check that the database is reachable and writable",
            ) from None

    def records(self) -> list[Record]:
        """Every record in sequence order, as stored (no checking: see :meth:`verify`)."""
        with self._errors(), self.engine.connect() as conn:
            rows = conn.execute(self.table.select().order_by(self.table.c.seq)).all()
        out = []
        for row in rows:
            try:
                data = json.loads(row.body)
                content = data["content"]
                prev = data["prev_hash"]
            except (ValueError, KeyError, TypeError):
                content, prev = {}, ""
            out.append(Record(row.seq, row.record_id, row.kind, prev, content, row.hash))
        return out

    def append(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[Record]:
        """Seal and insert ``(record_id, kind, content)`` items after the last record, in one transaction."""
        from sqlalchemy import func, select

        with self._errors(), self.engine.begin() as conn:
            last = conn.execute(select(func.max(self.table.c.seq))).scalar()
            prev = GENESIS
            if last is not None:
                prev = conn.execute(select(self.table.c.hash).where(self.table.c.seq == last)).scalar_one()
            seq = (last or 0) + 1
            sealed = []
            for record_id, kind, content in items:
                rec = seal(seq, record_id, kind, prev, content)
                conn.execute(
                    self.table.insert().values(
                        seq=rec.seq, record_id=rec.record_id, kind=rec.kind, body=rec.body, hash=rec.hash
                    )
                )
                sealed.append(rec)
                prev, seq = rec.hash, seq + 1
        return sealed

    def verify(self) -> VerifyReport:
        """Check every record's seal, sequence number and link (see the module docstring)."""
        with self._errors(), self.engine.connect() as conn:
            rows = conn.execute(self.table.select().order_by(self.table.c.seq)).all()
        problems: list[Problem] = []
        expected, prev = 1, GENESIS
        for row in rows:
            if row.seq > expected:
                gone = f"#{expected}" if row.seq == expected + 1 else f"#{expected} to #{row.seq - 1}"
                problems.append(
                    Problem(
                        row.seq, row.record_id, f"record {gone} before it was deleted (gap in the sequence)"
                    )
                )
            try:
                data = json.loads(row.body)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                problems.append(
                    Problem(row.seq, row.record_id, "edited: its body is no longer the sealed JSON")
                )
            elif sha256_text(row.body) != row.hash:
                problems.append(
                    Problem(row.seq, row.record_id, "edited: its content does not match its hash")
                )
            elif data.get("seq") != row.seq:
                problems.append(
                    Problem(
                        row.seq,
                        row.record_id,
                        f"reordered: sealed as record #{data.get('seq')} but stored as #{row.seq}",
                    )
                )
            elif data.get("record_id") != row.record_id or data.get("kind") != row.kind:
                problems.append(
                    Problem(row.seq, row.record_id, "edited: its id or kind differs from the seal")
                )
            elif data.get("prev_hash") != prev and row.seq == expected:
                problems.append(
                    Problem(
                        row.seq,
                        row.record_id,
                        "its link to the previous record is broken (a record before it was edited, "
                        "replaced or deleted)",
                    )
                )
            prev, expected = row.hash, row.seq + 1
        head = rows[-1].hash if rows else GENESIS
        return VerifyReport(records=len(rows), head=head, problems=tuple(problems))


def open_ledger(url_or_path: str | Path = DEFAULT_STORE) -> LedgerStore:
    """Open (creating if needed) the ledger at a file path (SQLite) or a SQLAlchemy database URL."""
    return LedgerStore(url_or_path)
