"""The shipped Korean packages: sources quoted word for word, and what the analyses say about them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from detente.deals import Bargain, Preferences, judge, packages_for, status_quo_package
from detente.scenarios import load_scenario

SEEDS = Path(__file__).parents[1] / "data" / "seeds"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea")


@pytest.fixture(scope="module")
def book(korea):
    found = packages_for(korea)
    assert found is not None
    return found


def test_every_quote_occurs_word_for_word_in_the_cited_seed(book):
    files = {s.id: s.file for s in book.sources}
    texts = {sid: _normalise((SEEDS / f).read_text(encoding="utf-8")) for sid, f in files.items()}
    cited = [
        (f"{p.id}/{t.issue}", t.source, t.quote)
        for p in book.packages
        for t in p.terms
        if t.basis == "sourced"
    ]
    cited += [(c.id, c.source, c.quote) for c in book.coalitions if c.basis == "sourced"]
    assert len(cited) >= 10
    for label, source, quote in cited:
        assert _normalise(quote) in texts[source], f"{label}: {quote[:60]}"


def test_every_term_is_sourced_or_explained(book, korea):
    for p in book.packages:
        assert set(p.positions) == set(korea.issue_ids)
        for t in p.terms:
            assert t.basis == "sourced" or len(t.note.strip()) > 20, f"{p.id}/{t.issue}"
            assert t.note.strip(), f"{p.id}/{t.issue} says how the quote becomes a number"


def test_big_bargain_has_the_terms_the_issue_asks_for(book, korea):
    x = book.package("big-bargain").positions
    assert x["alignment"] == 50  # neutral Korea
    assert x["troops"] == 0  # no foreign troops
    assert x["guarantees"] >= 80 and x["projects"] >= 80 and x["peace_mechanism"] >= 80
    sq = {i.id: i.status_quo for i in korea.issues}
    assert x["nuclear"] < sq["nuclear"] and x["sanctions"] < sq["sanctions"]
    assert x["sequencing"] == 50  # step by step


def test_who_vetoes_the_big_bargain_follows_from_the_gains(book, korea):
    prefs = Preferences.from_scenario(korea)
    sq = status_quo_package(korea)
    p = book.package("big-bargain")
    v = judge(prefs, p.vector(korea), sq, p.decision_rule)
    assert set(v.vetoes) == {a.actor for a in v.actors if a.gain < 0}
    assert v.passes == (not v.vetoes)
    b = Bargain(prefs, sq)
    amended = b.amend(p.vector(korea))
    assert amended.feasible and np.all(amended.gains_after >= -1e-7)
    nash = b.nash()
    assert nash.solved and np.all(nash.gains > 0)
