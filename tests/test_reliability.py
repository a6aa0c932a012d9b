"""Reliability of the command line: one error path, early checks of outputs and sizes, safe writes.

Each test names one promise of docs/reliability.md and tries to break it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente._files import Outputs, check_output_paths, write_file
from detente.cli import app
from detente.errors import InputError, ModelError, OutputExistsError, ScenarioError
from detente.scenario.io import load_scenario, loads_scenario
from tests.conftest import PACKAGE_SCENARIOS

runner = CliRunner()
EC_CSV = str(PACKAGE_SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv")

TOY = """name: Toy
actors:
  - {id: A, name: Actor A, capability: 1}
  - {id: B, name: Actor B, capability: 3}
issues:
  - {id: x, name: Issue X}
stances:
  - {actor: A, issue: x, position: 0, salience: 50}
  - {actor: B, issue: x, position: 100, salience: 50}
"""


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def one_error_line(result) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


# --- the error boundary -------------------------------------------------------------------------------


def test_a_bug_prints_one_line_naming_a_crash_file_and_exits_70(tmp_path, monkeypatch):
    import detente.cli

    def broken(name):
        raise ZeroDivisionError("division by zero, on purpose")

    monkeypatch.setattr(detente.cli, "load", broken)
    monkeypatch.setenv("DETENTE_CRASH_DIR", str(tmp_path))
    r = invoke("show", "korea")
    assert r.exit_code == 70
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("internal error (a bug in detente")
    assert "Traceback" not in r.stderr
    crash = list(tmp_path.glob("detente-crash-*.txt"))
    assert len(crash) == 1 and str(crash[0]) in lines[0]
    text = crash[0].read_text()
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError" in text
    assert "command: detente show korea" in text


def test_usage_errors_are_one_line_with_exit_2():
    for args in (["run", "--frce"], ["rnu"], ["forecast"], ["roadmap", "--runs", "zero"]):
        r = invoke(*args)
        assert r.exit_code == 2, args
        line = one_error_line(r)
        assert "Fix: see `detente" in line and "-h`" in line


def test_a_mistyped_command_suggests_the_nearest():
    assert "Did you mean 'run'?" in one_error_line(invoke("rnu"))
    assert "Did you mean 'check'?" in one_error_line(invoke("roadmap", "chek"))
    assert "Did you mean 'deu'?" in one_error_line(invoke("backtest", "dea"))


def _commands(group, path=()):
    yield path, group
    for name, cmd in getattr(group, "commands", {}).items():
        yield from _commands(cmd, (*path, name))


def test_dash_h_is_help_everywhere_and_short_flags_have_one_meaning():
    from typer.main import get_command

    meaning: dict[str, set[str]] = {}
    for path, cmd in _commands(get_command(app)):
        r = invoke(*path, "-h")
        assert r.exit_code == 0 and "Usage:" in r.stdout, path
        for param in cmd.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts if len(o) == 2 and o[0] == "-" and o != "-h"):
                meaning.setdefault(short, set()).update(longs)
    assert {k: v for k, v in meaning.items() if len(v) > 1} == {}
    assert meaning["-m"] == {"--model"} and meaning["-j"] == {"--jobs"}


def test_show_prints_each_stances_quote():
    r = invoke("show", "korea-2017-11")
    assert r.exit_code == 0
    flat = " ".join(r.stdout.split())
    assert "quote or rationale" in flat
    assert "will eat grass" in flat  # the DPRK's nuclear stance quotes seed 000


# --- messages -----------------------------------------------------------------------------------------


def test_yaml_reads_numbers_by_the_yaml_1_2_core_schema():
    s = loads_scenario(TOY.replace("salience: 50}", "salience: 9e1}", 1), "yaml")
    assert s.stance("A", "x").salience == 90.0
    # 'NO' (Norway) and 'yes' stay ids and names; dates stay text
    text = TOY.replace("id: A, name: Actor A", "id: NO, name: yes").replace("actor: A,", "actor: NO,")
    text += "sources:\n  - {id: s, title: S, date: 2024-02-30}\n"
    s = loads_scenario(text, "yaml")
    assert s.actor("NO").name == "yes" and s.sources[0].date == "2024-02-30"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            ("capability: 1}", "capability: !!timestamp 2024-01-01}"),
            ["'!!timestamp'", "line 3", "remove the tag"],
        ),
        (("capability: 1}", "capability: !!binary aGVsbG8=}"), ["'!!binary'"]),
        (("capability: 1}", "capability: " + "9" * 5000 + "}"), ["5000 characters", "line 3"]),
        (("capability: 1}", "capability: 1e306}"), ["at most 1e15", "line 3", "ratios"]),
        (("salience: 50}", "salince: 50}"), ["'salince'", "did you mean 'salience'?", "line 8"]),
        (("- {actor: B, issue: x", "- {actor: Z, issue: x"), ["line 9", "unknown actor 'Z'"]),
        (("salience: 50}", "salience: '١٢'}"), ["digits 0-9"]),
    ],
)
def test_bad_yaml_values_get_one_line_naming_the_line_and_the_fix(tmp_path, change, words):
    path = tmp_path / "s.yaml"
    path.write_text(TOY.replace(*change, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = info.value.message
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message


def test_json_nan_is_located():
    import json

    import yaml

    data = yaml.safe_load(TOY)
    text = json.dumps(data).replace('"salience": 50}, {"actor": "B"', '"salience": NaN}, {"actor": "B"')
    with pytest.raises(ScenarioError, match=r"stances\[0\]\.salience: NaN is not a number"):
        loads_scenario(text, "json", source="s.json")


@pytest.mark.parametrize(
    ("cell", "words"),
    [("²", ["digits 0-9"]), ("١٢", ["digits 0-9"]), ("1e306", ["larger than"]), ("1" * 20, ["larger than"])],
)
def test_table_numbers_are_ascii_finite_and_in_range(tmp_path, cell, words):
    path = tmp_path / "t.csv"
    path.write_text(f"actor,capability,position,salience\nA,{cell},1,1\nB,2,3,1\n", encoding="utf-8")
    r = invoke("validate", str(path))
    assert r.exit_code == 2
    line = one_error_line(r)
    assert "row 2, column 'capability'" in line
    for word in words:
        assert word in line


def test_a_huge_header_is_not_echoed_in_full(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(",".join(f"column{k}" for k in range(3000)) + "\n1,2\n")
    line = one_error_line(invoke("validate", str(path)))
    assert len(line) < 400 and "no name column" in line


def test_malformed_csv_names_the_file_and_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("actor,capability,position,salience\nA,1,2,3\n" + '"' + "x" * 200_000 + "\n")
    line = one_error_line(invoke("validate", str(path)))
    assert str(path) in line and "line 3" in line and "131,072" in line


# --- limits ---------------------------------------------------------------------------------------------


def test_scenarios_over_the_size_limit_are_refused_before_validation(tmp_path):
    from detente.scenario.scenario import MAX_ACTORS

    path = tmp_path / "big.csv"
    rows = "".join(f"a{k},1,{k % 100},50\n" for k in range(MAX_ACTORS + 1))
    path.write_text("actor,capability,position,salience\n" + rows)
    line = one_error_line(invoke("validate", str(path)))
    assert f"{MAX_ACTORS + 1:,} actors" in line and f"{MAX_ACTORS:,}" in line


def test_each_model_refuses_scenarios_over_its_limit():
    from detente.models import ALL_MODELS
    from detente.scenario import Actor, Issue, Scenario, Stance

    for cls in ALL_MODELS:
        n = cls.limits.max_actors + 1
        if n > 5_000:
            continue  # bounded by the scenario limit itself
        s = Scenario(
            name="big",
            actors=[Actor(id=f"a{k}", name=f"A{k}", capability=1) for k in range(n)],
            issues=[Issue(id="x", name="X")],
            stances=[Stance(actor=f"a{k}", issue="x", position=k % 101, salience=50) for k in range(n)],
        )
        with pytest.raises(ModelError, match=f"at most {cls.limits.max_actors:,} actors"):
            cls().forecast(s, seed=0)


# --- outputs --------------------------------------------------------------------------------------------


def test_output_problems_are_found_before_any_work(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    # the scenario argument is bad too, but the output check comes first
    for out, words in (
        (afile / "sub", ["is a file", "nothing can be written inside it"]),
        (tmp_path, ["this is a folder"]),
        (Path("/proc/detente-test/x.json"), ["cannot create"]),
    ):
        r = invoke("forecast", "no-such-scenario", "--json", str(out), "--force")
        assert r.exit_code == 2
        line = one_error_line(r)
        for word in words:
            assert word in line, line


def test_run_refuses_an_existing_report_before_forecasting(tmp_path):
    (tmp_path / "report.html").write_text("keep me")
    r = invoke("run", "no-such-scenario", "--out", str(tmp_path))
    assert r.exit_code == 2 and "already exists" in one_error_line(r)
    assert (tmp_path / "report.html").read_text() == "keep me"


def test_a_file_that_appears_during_the_work_is_not_overwritten(tmp_path):
    target = tmp_path / "out.json"
    with Outputs([target], force=False) as out:
        out.add(target, "new")
        target.write_text("written by someone else meanwhile")
        with pytest.raises(OutputExistsError, match="appeared while detente was working"):
            out.commit()
    assert target.read_text() == "written by someone else meanwhile"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left


def test_outputs_appear_together_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with Outputs([a, b], force=False) as out:
        out.add(a, "a")
        out.add(b, "b")
        b.write_text("someone else's")
        with pytest.raises(OutputExistsError):
            out.commit()
    assert not a.exists() and b.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.txt"]


def test_a_failing_command_leaves_no_temporary_files(tmp_path):
    with pytest.raises(RuntimeError), Outputs([tmp_path / "x.txt"], force=False) as out:
        out.add(tmp_path / "x.txt", "content")
        raise RuntimeError("the command failed after staging its output")
    assert list(tmp_path.iterdir()) == []


def test_temporary_files_of_killed_processes_are_cleaned_up(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    stale = tmp_path / f".detente-{pid}-0123abcd.tmp"
    stale.write_text("left by a killed run")
    alive = tmp_path / f".detente-{os.getppid()}-0123abcd.tmp"  # a running process's file stays
    alive.write_text("in use")
    write_file(tmp_path / "x.txt", "content")
    assert not stale.exists() and alive.exists() and (tmp_path / "x.txt").read_text() == "content"


def test_force_never_replaces_a_folder_or_a_device(tmp_path):
    with pytest.raises(InputError, match="folder"):
        check_output_paths([tmp_path], force=True)
    with pytest.raises(InputError, match="special file"):
        check_output_paths(["/dev/null"], force=True)


def test_the_same_output_twice_is_refused(tmp_path):
    with pytest.raises(InputError, match="named twice"):
        check_output_paths([tmp_path / "a", tmp_path / "." / "a"], force=False)


# --- other crashes the campaign found -------------------------------------------------------------------


def test_coalition_align_without_actors():
    r = invoke("coalition", "korea", "--align", ",")
    assert r.exit_code == 2 and "names no actor" in one_error_line(r)


def test_a_road_map_may_pay_an_actor_that_never_moves():
    from detente.process.io import load_embedded_process
    from detente.process.setup import prepare
    from detente.scenarios import load_scenario as embedded

    korea = embedded("korea")
    p = load_embedded_process("korea", scenario=korea)
    idle = p.actors()[-1]
    phases = [
        ph.model_copy(update={"moves": tuple(m for m in ph.moves if m.actor != idle)}) for ph in p.phases
    ]
    move = phases[0].moves[0]
    paid = move.model_copy(update={"payoffs": {**move.payoffs, idle: 0.5}})
    phases[0] = phases[0].model_copy(update={"moves": (paid, *phases[0].moves[1:])})
    p = p.model_copy(update={"phases": tuple(phases)})
    assert idle not in p.actors()
    setup = prepare(p, korea, p.policies[0].id)
    assert idle in setup.actors
    assert setup.benefit[0, setup.actors.index(idle)] == pytest.approx(0.5)


def test_deu_reader_refuses_non_regular_files(tmp_path):
    from detente.validation.deu import read_deu

    with pytest.raises(InputError, match="not a regular file"):
        read_deu("/dev/zero")
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_deu(fifo)


def _processes_mentioning(text: str) -> list[int]:
    """Ids of live processes whose command line contains ``text`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.slow
def test_a_killed_run_never_leaves_a_partial_set_and_the_next_run_cleans_up(tmp_path):
    import shutil
    import signal
    import time

    exe = shutil.which("detente")
    assert exe is not None
    complete = subprocess.run(
        [exe, "run", EC_CSV, "--out", str(tmp_path / "timed"), "--model", "compromise"],
        capture_output=True,
        check=True,
    )
    assert complete.returncode == 0
    start = time.perf_counter()
    subprocess.run([exe, "run", EC_CSV, "--out", str(tmp_path / "t2"), "--model", "compromise"], check=True)
    whole = time.perf_counter() - start
    for k in range(8):
        out = tmp_path / f"k{k}"
        cmd = [exe, "run", EC_CSV, "--out", str(out), "--model", "compromise", "--json", str(out / "r.json")]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(whole * (k + 1) / 9)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # no process of the killed run (e.g. the forked worker computing the road map) lives on
        deadline = time.monotonic() + 5
        while _processes_mentioning(str(out)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _processes_mentioning(str(out))
        written = {p.name for p in out.glob("*")} if out.exists() else set()
        assert written & {"report.html", "r.json"} in (set(), {"report.html", "r.json"}), written
        if not written & {"report.html"}:  # nothing placed: a re-run succeeds and leaves no temporary file
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert sorted(p.name for p in out.iterdir()) == ["r.json", "report.html"]


def test_progress_displays_leave_no_blank_lines_when_stderr_is_not_a_terminal(tmp_path):
    for args in (
        ["roadmap", "--runs", "50"],
        ["coalition", "korea"],
        ["forecast", "ktab-3dim", "-m", "smp"],
        ["run", EC_CSV, "--out", str(tmp_path), "-m", "compromise"],
    ):
        r = invoke(*args)
        assert r.exit_code == 0, args
        assert all(line.strip() for line in r.stderr.splitlines()), (args, r.stderr)
        assert "\x1b" not in r.stderr


def test_option_values_that_would_run_for_hours_are_refused():
    r = invoke("duel", "tft", "tft", "--turns", "100000", "--runs", "1000")
    assert r.exit_code == 2 and "over the limit of 20,000,000" in one_error_line(r)
    r = invoke("roadmap", "--runs", "1000000")
    assert r.exit_code == 2 and "100000" in one_error_line(r)


def test_errors_about_options_do_not_blame_the_scenario():
    line = one_error_line(invoke("deal", "korea", "--exponent", "nan"))
    assert line.startswith("error: exponent:")
    line = one_error_line(invoke("forecast", "ktab-3dim", "-m", "smp", "-P", "max_turns=1e308"))
    assert (
        line.startswith("error: model 'smp', parameter max_turns") and "max_turns is the turn limit" in line
    )
