"""Malformed inputs: each runs (exit 0) or is refused with one line on stderr (exit 2), never a traceback.

Two parts:

* the committed corpus ``tests/data/fuzz/`` (one nasty thing per file; see its README.md), run through
  the commands that take that kind of file, in process with typer's ``CliRunner``;
* hypothesis tests that mutate the shipped seed files (bytes and number/text tokens) and feed them to
  the loaders, which may raise only :class:`detente.errors.InputError` (with a one-line message).

``benchmarks/fuzz_campaign.py`` runs the same contract through the real command line at scale.
"""

from __future__ import annotations

import re
import tempfile
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.cli import app
from detente.errors import InputError

CORPUS = Path(__file__).parent / "data" / "fuzz"
PACKAGE = Path(__file__).parents[1] / "src" / "detente"
SCENARIOS = PACKAGE / "scenarios"
runner = CliRunner()

# --- the corpus through the command line ---------------------------------------------------------------


def commands_for(name: str) -> list[list[str]]:
    """The commands a corpus file is meant for (by its name), with the file as ``F``."""
    if name.startswith("roadmap_"):
        return [["roadmap", "--process", "F", "--runs", "20"], ["roadmap", "check", "--process", "F"]]
    if name.startswith("package_"):
        return [["deal", "korea", "--package", "F"]]
    if name.startswith("deu_"):
        return [["backtest", "deu", "F", "--model", "compromise", "--jobs", "1"]]
    return [
        ["validate", "F"],
        ["convert", "F", "out.json"],
        ["show", "F"],
        ["forecast", "F", "-m", "compromise"],
    ]


def huge_field(name: str) -> bytes:
    """Files with one CSV field over 128 KiB (the csv module's default limit), made here, not committed."""
    big = "x" * (140 * 1024)
    if name == "deu_huge_field.csv":
        lines = (CORPUS / "deu_nan_position.csv").read_text().splitlines()
        cells = lines[1].split(",")
        cells[lines[0].split(",").index("prname")] = big
        return "\n".join([lines[0], ",".join(cells), ""]).encode()
    return f'Actor,Capability,Position,Salience\n"{big}",1,5,0.5\nB,2,9,0.5\n'.encode()


GENERATED = ("huge_field.csv", "deu_huge_field.csv")
FILES = sorted(p.name for p in CORPUS.iterdir() if p.name != "README.md") + list(GENERATED)
CASES = [
    pytest.param(f, c, id=f"{f}-{'-'.join(w for w in c[:2] if w != 'F' and not w.startswith('-'))}")
    for f in FILES
    for c in commands_for(f)
]


def run_cli(args: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(folder)
    monkeypatch.setenv("DETENTE_CRASH_DIR", str(folder))  # crash reports (exit 70) stay in tmp_path
    return runner.invoke(app, args, catch_exceptions=True)


def check_outcome(result, file_name: str, folder: Path) -> None:
    """Exit 0 or 2; no traceback; exit 2: one ``error:`` line naming the file; exit 0: no stray stderr."""
    crash = "".join(p.read_text() for p in folder.glob("detente-crash-*"))
    escaped = result.exception if not isinstance(result.exception, SystemExit | type(None)) else None
    tb = "".join(traceback.format_exception(escaped)) if escaped else ""
    context = f"exit {result.exit_code}\nstderr: {result.stderr!r}\n{tb}{crash}"
    assert escaped is None, f"an exception escaped the command line:\n{context}"
    assert "Traceback (most recent call last)" not in result.stdout + result.stderr, context
    assert result.exit_code in (0, 2), context
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    if result.exit_code == 2:
        assert len(lines) == 1, f"want exactly one line on stderr:\n{context}"
        assert lines[0].startswith("error: "), context
        assert file_name in lines[0], f"the error does not name {file_name}:\n{context}"
    else:
        assert all(ln.startswith(("warning:", "note:", "wrote ")) for ln in lines), context


@pytest.mark.parametrize("file_name, command", CASES)
def test_corpus_file_runs_or_is_refused_with_one_line(file_name, command, tmp_path, monkeypatch):
    data = huge_field(file_name) if file_name in GENERATED else (CORPUS / file_name).read_bytes()
    (tmp_path / file_name).write_bytes(data)
    args = [file_name if a == "F" else a for a in command]
    check_outcome(run_cli(args, tmp_path, monkeypatch), file_name, tmp_path)


VALIDATE = ("validate", "F")
BACKTEST = ("backtest", "deu", "F", "--model", "compromise", "--jobs", "1")
MUST_RUN = {  # the right answer for these is to run (see README.md)
    "yaml_salience_9e1.yaml": VALIDATE,
    "yaml_unquoted_bad_date.yaml": VALIDATE,
    "yaml_negative_zero_position.yaml": VALIDATE,
    "crlf.yaml": VALIDATE,
    "json_bom.json": VALIDATE,
    "cr_only.csv": VALIDATE,
    "bdm_all_same_position.csv": VALIDATE,
    "ktab_300_dims_header.csv": VALIDATE,
    "deu_bad_intro_date.csv": BACKTEST,
    "deu_nan_position.csv": BACKTEST,
    "deu_semicolon.csv": BACKTEST,
    "roadmap_minimal.yaml": ("roadmap", "--process", "F", "--runs", "20"),
    "package_minimal.yaml": ("deal", "korea", "--package", "F"),
}


@pytest.mark.parametrize("file_name", sorted(MUST_RUN))
def test_corpus_files_that_must_run(file_name, tmp_path, monkeypatch):
    (tmp_path / file_name).write_bytes((CORPUS / file_name).read_bytes())
    r = run_cli([file_name if a == "F" else a for a in MUST_RUN[file_name]], tmp_path, monkeypatch)
    assert r.exit_code == 0, r.stderr


def test_salience_9e1_loads_as_90():
    from detente.scenario.io import load_scenario

    s = load_scenario(CORPUS / "yaml_salience_9e1.yaml")
    assert s.stances[0].salience == 90.0


# --- loaders under hypothesis ------------------------------------------------------------------------

NASTY_NUMBERS = ["1e308", "1.7976931348623157e308", "-0", "1e-320", "NaN", "inf", "12345678901234567890"]
NASTY_NUMBERS += ["9" * 5000, "²", "١٢", "9e1", "0x10", "-1", "1e309"]
NASTY_TEXT = ["<script>", "A" * 5000, "\x01\x1b[31m", '"', "'", "", "null", "yes", "[", "{", "*a", "&a"]
NASTY_TEXT += ["!!binary", "\u202e", "2024-02-30"]
NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
WORD = re.compile(rb"[A-Za-z][A-Za-z_-]{2,}")


def _deu_seed() -> bytes:
    lines = (PACKAGE / "data" / "deu" / "deu_dev.csv").read_bytes().splitlines()
    return b"\n".join(lines[:13]) + b"\n"


def _seeds() -> dict[str, list[tuple[str, bytes]]]:
    from detente.scenario.io import dumps_scenario, load_scenario

    ec = load_scenario(SCENARIOS / "ec-emissions.yaml")
    scen = [(n, (SCENARIOS / n).read_bytes()) for n in ("ec-emissions.yaml", "korea-2017-11.yaml")]
    scen += [(n, (SCENARIOS / "ktab" / n).read_bytes()) for n in ("dummyData_3Dim.csv", "SOE-Pol-Comp.csv")]
    scen += [("bdm.csv", (SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv").read_bytes())]
    scen += [("ec.json", dumps_scenario(ec, "json").encode()), ("ec.csv", dumps_scenario(ec, "csv").encode())]
    return {
        "scenario": scen,
        "process": [("roadmap.yaml", (SCENARIOS / "korea_roadmap.yaml").read_bytes())],
        "packages": [("packages.yaml", (SCENARIOS / "korea_packages.yaml").read_bytes())],
        "deu": [("deu.csv", _deu_seed())],
    }


SEEDS = _seeds()


@st.composite
def mutants(draw, kind: str) -> tuple[str, bytes]:
    """A seed file of ``kind`` with 1-3 byte- or token-level mutations."""
    name, data = draw(st.sampled_from(SEEDS[kind]))
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "number", "number", "text"]))
        k = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data = data[:k] + bytes([data[k] ^ (1 << draw(st.integers(0, 7)))]) + data[k + 1 :]
        elif op == "delete":
            data = data[:k] + data[k + draw(st.integers(1, 40)) :]
        elif op == "insert":
            data = data[:k] + draw(st.binary(min_size=1, max_size=8)) + data[k:]
        elif op == "truncate":
            data = data[:k]
        else:
            spots = list((NUMBER if op == "number" else WORD).finditer(data))
            if spots:
                m = spots[draw(st.integers(0, len(spots) - 1))]
                new = draw(st.sampled_from(NASTY_NUMBERS if op == "number" else NASTY_TEXT)).encode()
                data = data[: m.start()] + new + data[m.end() :]
    return name, data


def check_loader(load, name: str, data: bytes) -> None:
    """``load(path)`` succeeds or raises an InputError whose message is one line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            load(path)
        except InputError as exc:
            assert "\n" not in str(exc) and str(exc).strip(), repr(str(exc))


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_process(path: Path) -> object:
    from detente.process.io import load_process
    from detente.scenarios import load_scenario

    return load_process(path, scenario=load_scenario("korea"))


def _loaders():
    from detente.deals.package import load_packages
    from detente.scenario.io import load_scenario
    from detente.validation.deu import read_deu

    return {"scenario": load_scenario, "process": _load_process, "packages": load_packages, "deu": read_deu}


@pytest.mark.parametrize("kind", ["scenario", "process", "packages", "deu"])
def test_mutated_seeds_load_or_raise_one_line_input_errors(kind):
    load = _loaders()[kind]

    @FAST
    @given(mutants(kind))
    def check(case):
        check_loader(load, *case)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["scenario", "process", "packages", "deu"])
def test_mutated_seeds_load_or_raise_one_line_input_errors_long(kind):
    load = _loaders()[kind]

    @SLOW
    @given(mutants(kind))
    def check(case):
        check_loader(load, *case)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["smp", "expected-utility"])
@pytest.mark.parametrize("file_name", [f for f in FILES if commands_for(f)[0][0] == "validate"])
def test_corpus_file_forecast_with_more_models(file_name, model, tmp_path, monkeypatch):
    data = huge_field(file_name) if file_name in GENERATED else (CORPUS / file_name).read_bytes()
    (tmp_path / file_name).write_bytes(data)
    r = run_cli(["forecast", file_name, "--model", model], tmp_path, monkeypatch)
    check_outcome(r, file_name, tmp_path)
