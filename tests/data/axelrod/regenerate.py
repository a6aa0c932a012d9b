"""Regenerate ``reference.json``: the axelrod library's results that detente's ``duel`` is checked against.

What it is for
--------------
``tests/process/test_axelrod_crosscheck.py`` compares detente's iterated prisoner's dilemma
(``detente.process.duel.play_duel``) with the axelrod library: exact scores and move sequences for every
pair of the seven shared strategies without noise, GTFT against a defector in distribution, and noisy
matches in distribution. axelrod depends on torch, far too heavy for the dev install, so those tests read
axelrod's results from ``reference.json`` beside this script, and this script is the one place that runs
axelrod to make them. The live tests in ``tests/process/test_axelrod_live.py`` recompute entries with
axelrod (and run this script with ``--check``), so a change in axelrod's behaviour is caught there.

How to run
----------
From the repository root, in an environment that has axelrod (it pulls in torch, so a separate virtual
environment is best; a CPU build of torch is enough)::

    pip install -e ".[crosscheck]"
    python tests/data/axelrod/regenerate.py           # rewrites tests/data/axelrod/reference.json
    python tests/data/axelrod/regenerate.py --check   # compares with the file, writes nothing

It refuses to run without axelrod, or with an axelrod other than the version pinned by the
``crosscheck`` extra in ``pyproject.toml``. The output is deterministic: every match is seeded, keys and
formatting are fixed, so two runs differ only in the ``generated`` header (date, Python version, the
command). ``--check`` ignores that header and exits 1, naming the sections that differ, if the rest of
the file is not exactly what it would write. After regenerating, review the diff and run
``pytest tests/process/test_axelrod_crosscheck.py``.

What the file holds
-------------------
``generated``
    axelrod, numpy and Python versions, the date and the command.
``strategies``
    detente's name for each shared strategy and axelrod's class.
``noiseless``
    For 10 and 200 turns and every ordered pair except GTFT against Defector (whose play draws random
    numbers even without noise): both final scores and both move sequences as ``"CD..."`` strings, from
    ``Match(turns=n, seed=1)``.
``gtft_vs_defector``
    GTFT's and Defector's final scores over 200 turns for seeds 0 to 199.
``gtft_generosity``
    ``GTFT().p`` after one turn against Cooperator (axelrod works out the generosity from the game).
``noisy_self_play``
    Self-play, 200 turns, noise 0.01, 0.05 and 0.1, seeds 0 to 99: the number of turns in which the
    first player's realised action was C.
``noisy_vs_tft``
    TFT, GTFT (noise 0.05) and WSLS (noise 0.01) against TFT, 200 turns, seeds 0 to 99: both players'
    final scores.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import platform
import shlex
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference.json"
PYPROJECT = HERE.parents[2] / "pyproject.toml"

# detente's strategy name -> axelrod's class name
STRATEGIES = {
    "cooperate": "Cooperator",
    "defect": "Defector",
    "tft": "TitForTat",
    "gtft": "GTFT",
    "contrite-tft": "ContriteTitForTat",
    "wsls": "WinStayLoseShift",
    "grim": "Grudger",
}
NOISELESS_TURNS = (10, 200)
NOISELESS_SEED = 1
RANDOM_PAIRS = {("gtft", "defect"), ("defect", "gtft")}  # random even without noise
GTFT_DEFECTOR_TURNS, GTFT_DEFECTOR_SEEDS = 200, 200
NOISY_TURNS, NOISY_SEEDS = 200, 100
NOISY_SELF_PLAY = ("tft", "gtft", "contrite-tft", "wsls", "grim")
NOISY_SELF_PLAY_NOISE = (0.01, 0.05, 0.1)
NOISY_VS_TFT = (("tft", 0.05), ("gtft", 0.05), ("wsls", 0.01))


def import_axelrod() -> Any:
    """Import axelrod, or leave with a one-line message if it is missing or not the pinned version."""
    try:
        import axelrod
    except ImportError:
        sys.exit('regenerate.py needs axelrod: pip install -e ".[crosscheck]" (see the docstring)')
    pins = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    pinned = next(r.split("==", 1)[1] for r in pins["crosscheck"] if r.startswith("axelrod=="))
    if axelrod.__version__ != pinned:
        sys.exit(f"regenerate.py: axelrod {axelrod.__version__} is installed, pyproject.toml pins {pinned}")
    return axelrod


def play(axl: Any, a: str, b: str, turns: int, noise: float = 0.0, seed: int = NOISELESS_SEED) -> Any:
    """One played ``axelrod.Match`` between the strategies that detente calls ``a`` and ``b``."""
    players = (getattr(axl, STRATEGIES[a])(), getattr(axl, STRATEGIES[b])())
    match = axl.Match(players, turns=turns, noise=noise, seed=seed)
    match.play()
    return match


def scores(match: Any) -> list[int]:
    """Both players' final scores."""
    return [int(s) for s in match.final_score()]


def moves(match: Any, player: int) -> str:
    """One player's realised actions as a ``"CD..."`` string."""
    return "".join(str(turn[player]) for turn in match.result)


def noiseless(axl: Any) -> dict[str, Any]:
    """Scores and moves of every deterministic pair at each turn count."""
    by_turns: dict[str, Any] = {}
    for turns in NOISELESS_TURNS:
        table: dict[str, Any] = {}
        for a, b in itertools.product(STRATEGIES, repeat=2):
            if (a, b) in RANDOM_PAIRS:
                continue
            m = play(axl, a, b, turns)
            table.setdefault(a, {})[b] = {"scores": scores(m), "moves": [moves(m, 0), moves(m, 1)]}
        by_turns[str(turns)] = table
    return {
        "about": f"Match((A, B), turns=n, seed={NOISELESS_SEED}): final scores and moves of A and B",
        "seed": NOISELESS_SEED,
        "turns": by_turns,
    }


def gtft_vs_defector(axl: Any) -> dict[str, Any]:
    """GTFT's and Defector's scores, one per seed."""
    results = [
        scores(play(axl, "gtft", "defect", GTFT_DEFECTOR_TURNS, seed=s)) for s in range(GTFT_DEFECTOR_SEEDS)
    ]
    return {
        "about": "Match((GTFT, Defector), turns, seed=s) for s in 0..seeds-1: each player's final score",
        "turns": GTFT_DEFECTOR_TURNS,
        "seeds": GTFT_DEFECTOR_SEEDS,
        "gtft": [r[0] for r in results],
        "defect": [r[1] for r in results],
    }


def gtft_generosity(axl: Any) -> dict[str, Any]:
    """The generosity axelrod's GTFT works out for the standard game."""
    g = axl.GTFT()
    axl.Match((g, axl.Cooperator()), turns=1).play()
    return {"about": "GTFT().p after one turn against Cooperator", "p": float(g.p)}


def noisy_self_play(axl: Any) -> dict[str, Any]:
    """Turns with a realised C by the first player, self-play, per strategy, noise and seed."""
    counts = {
        name: {
            str(noise): [
                moves(play(axl, name, name, NOISY_TURNS, noise=noise, seed=s), 0).count("C")
                for s in range(NOISY_SEEDS)
            ]
            for noise in NOISY_SELF_PLAY_NOISE
        }
        for name in NOISY_SELF_PLAY
    }
    return {
        "about": "Match((X, X), turns, noise, seed=s) for s in 0..seeds-1: count of C in the first X's moves",
        "turns": NOISY_TURNS,
        "seeds": NOISY_SEEDS,
        "cooperations": counts,
    }


def noisy_vs_tft(axl: Any) -> dict[str, Any]:
    """Both players' scores against TFT, per strategy, noise and seed."""
    table: dict[str, Any] = {}
    for name, noise in NOISY_VS_TFT:
        results = [
            scores(play(axl, name, "tft", NOISY_TURNS, noise=noise, seed=s)) for s in range(NOISY_SEEDS)
        ]
        table.setdefault(name, {})[str(noise)] = [[r[0] for r in results], [r[1] for r in results]]
    return {
        "about": "Match((X, TFT), turns, noise, seed=s) for s in 0..seeds-1: [X's scores, TFT's scores]",
        "turns": NOISY_TURNS,
        "seeds": NOISY_SEEDS,
        "scores": table,
    }


def collect(axl: Any) -> dict[str, Any]:
    """Every section of the file but the ``generated`` header."""
    return {
        "strategies": dict(STRATEGIES),
        "noiseless": noiseless(axl),
        "gtft_vs_defector": gtft_vs_defector(axl),
        "gtft_generosity": gtft_generosity(axl),
        "noisy_self_play": noisy_self_play(axl),
        "noisy_vs_tft": noisy_vs_tft(axl),
    }


def dumps(data: dict[str, Any]) -> str:
    """JSON laid out for reading: the header, sections and nested tables indented, each row on one line."""

    def encode(value: Any, level: int) -> str:
        if isinstance(value, dict) and (level <= 1 or any(isinstance(v, dict) for v in value.values())):
            pad = "  " * (level + 1)
            items = [f"{pad}{json.dumps(k)}: {encode(v, level + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
        return json.dumps(value)

    return encode(data, 0) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``reference.json``, or with ``--check`` compare it with what would be written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = parser.parse_args(argv)
    axl = import_axelrod()
    import numpy

    header = {
        "axelrod": axl.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
        "date": datetime.date.today().isoformat(),
        "command": shlex.join(["python", sys.argv[0], *(sys.argv[1:] if argv is None else argv)]),
    }
    data = {"generated": header, **collect(axl)}
    if args.check:
        stored = json.loads(REFERENCE.read_text(encoding="utf-8"))
        data["generated"] = stored.get("generated", header)
        if dumps(data) == REFERENCE.read_text(encoding="utf-8"):
            print(f"ok: {REFERENCE.name} is what axelrod {axl.__version__} gives")
            return 0
        differ = sorted(k for k in data.keys() | stored.keys() if data.get(k) != stored.get(k))
        where = ", ".join(differ) or "layout only"
        print(f"{REFERENCE.name} differs from what axelrod {axl.__version__} gives in: {where}")
        return 1
    REFERENCE.write_text(dumps(data), encoding="utf-8")
    print(f"wrote {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
