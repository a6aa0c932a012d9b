"""Live checks that axelrod still gives the results stored in ``tests/data/axelrod/reference.json``.

``test_axelrod_crosscheck.py`` compares detente with that file, not with axelrod, so that the dev install
does without axelrod (which pulls in torch). These tests replay a sample of its entries with axelrod
itself, and run ``regenerate.py --check`` to recompute all of it, so a change in axelrod is caught. They
are skipped where axelrod is not installed. To run them (a separate virtual environment is best; a CPU
build of torch is enough), from the repository root::

    pip install -e ".[crosscheck]"
    pytest tests/process/test_axelrod_live.py tests/process/test_axelrod_crosscheck.py

If they fail because axelrod changed on purpose, regenerate the file with
``python tests/data/axelrod/regenerate.py``, review its diff, and run the cross-check again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

axl = pytest.importorskip("axelrod")

REFERENCE_PATH = Path(__file__).resolve().parents[1] / "data" / "axelrod" / "reference.json"
REFERENCE = json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))

CLASSES = {
    "cooperate": axl.Cooperator,
    "defect": axl.Defector,
    "tft": axl.TitForTat,
    "gtft": axl.GTFT,
    "contrite-tft": axl.ContriteTitForTat,
    "wsls": axl.WinStayLoseShift,
    "grim": axl.Grudger,
}


def _match(a, b, turns, noise=0.0, seed=1):
    m = axl.Match((CLASSES[a](), CLASSES[b]()), turns=turns, noise=noise, seed=seed)
    m.play()
    return m


def _moves(match, player):
    return "".join(str(turn[player]) for turn in match.result)


def test_reference_was_made_with_the_installed_axelrod():
    assert REFERENCE["generated"]["axelrod"] == axl.__version__
    assert REFERENCE["strategies"] == {name: cls.__name__ for name, cls in CLASSES.items()}


@pytest.mark.parametrize(
    ("a", "b", "turns"),
    [
        ("defect", "tft", 10),
        ("tft", "contrite-tft", 10),
        ("wsls", "defect", 200),
        ("gtft", "wsls", 200),
        ("contrite-tft", "grim", 200),
    ],
)
def test_noiseless_entries_are_axelrods(a, b, turns):
    m = _match(a, b, turns, seed=REFERENCE["noiseless"]["seed"])
    stored = REFERENCE["noiseless"]["turns"][str(turns)][a][b]
    assert [int(s) for s in m.final_score()] == stored["scores"]
    assert [_moves(m, 0), _moves(m, 1)] == stored["moves"]


def test_gtft_against_defector_entries_are_axelrods():
    stored = REFERENCE["gtft_vs_defector"]
    for seed in (0, 1, 57, 199):
        score = [int(s) for s in _match("gtft", "defect", stored["turns"], seed=seed).final_score()]
        assert score == [stored["gtft"][seed], stored["defect"][seed]], seed


def test_gtft_generosity_is_axelrods():
    g = axl.GTFT()
    axl.Match((g, axl.Cooperator()), turns=1).play()
    assert float(g.p) == REFERENCE["gtft_generosity"]["p"]


@pytest.mark.parametrize(("name", "noise"), [("contrite-tft", 0.05), ("tft", 0.1)])
def test_noisy_self_play_entries_are_axelrods(name, noise):
    stored = REFERENCE["noisy_self_play"]
    counts = [
        _moves(_match(name, name, stored["turns"], noise=noise, seed=s), 0).count("C") for s in range(10)
    ]
    assert counts == stored["cooperations"][name][str(noise)][:10]


def test_noisy_scores_against_tft_are_axelrods():
    stored = REFERENCE["noisy_vs_tft"]
    scores = [
        [int(x) for x in _match("wsls", "tft", stored["turns"], noise=0.01, seed=s).final_score()]
        for s in range(10)
    ]
    first, second = stored["scores"]["wsls"]["0.01"]
    assert scores == [list(p) for p in zip(first[:10], second[:10], strict=True)]


def test_regenerate_check_recomputes_the_whole_file_identically():
    script = REFERENCE_PATH.with_name("regenerate.py")
    before = REFERENCE_PATH.read_bytes()
    run = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("ok: reference.json is what axelrod")
    assert REFERENCE_PATH.read_bytes() == before
