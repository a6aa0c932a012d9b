"""Ledger records: canonical JSON, sealed in a sha256 hash chain.

A record is one entry of the ledger: a **forecast** (one question, frozen when issued) or a
**resolution** (the outcome of an earlier forecast, appended later; the forecast record is never
changed). Each record is sealed as the canonical JSON (sorted keys, no spaces, UTF-8, no NaN) of::

    {"seq": N, "record_id": "...", "kind": "forecast" | "resolution",
     "prev_hash": "<hash of record N-1>", "content": {...}}

and its hash is the sha256 of that text. Because the seal covers the previous record's hash, editing
a record changes its hash (and, if the hash is recomputed, breaks the next record's link); deleting a
record leaves a gap in the sequence numbers and a broken link; moving a record changes the sequence
number its seal no longer matches. The first record links to :data:`GENESIS`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["GENESIS", "Kind", "Record", "canonical_json", "seal", "sha256_text"]

GENESIS = "0" * 64
"""The previous-record hash of the first record."""

Kind = Literal["forecast", "resolution"]


def canonical_json(data: Any) -> str:
    """The one text of ``data`` that is hashed: sorted keys, no whitespace, UTF-8, finite numbers only."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    """The sha256 of UTF-8 ``text``, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Record:
    """One sealed ledger record.

    Attributes
    ----------
    seq : int
        Position in the ledger, from 1, without gaps.
    record_id : str
        The forecast's id (a question id, made unique), or ``resolve:<forecast id>``.
    kind : str
        ``forecast`` or ``resolution``.
    prev_hash : str
        The hash of the record before it (:data:`GENESIS` for the first).
    content : dict
        What the record says (see :mod:`detente.ledger.issue`).
    hash : str
        sha256 of :attr:`body`.
    """

    seq: int
    record_id: str
    kind: str
    prev_hash: str
    content: dict[str, Any]
    hash: str

    @property
    def body(self) -> str:
        """The canonical JSON text the hash seals."""
        return canonical_json(
            {
                "seq": self.seq,
                "record_id": self.record_id,
                "kind": self.kind,
                "prev_hash": self.prev_hash,
                "content": self.content,
            }
        )

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready: the sealed fields and the hash."""
        return {
            "seq": self.seq,
            "record_id": self.record_id,
            "kind": self.kind,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "content": self.content,
        }


def seal(seq: int, record_id: str, kind: str, prev_hash: str, content: dict[str, Any]) -> Record:
    """Make a record and compute its hash (the content must be JSON data with finite numbers)."""
    draft = Record(seq, record_id, kind, prev_hash, content, "")
    return Record(seq, record_id, kind, prev_hash, content, sha256_text(draft.body))
