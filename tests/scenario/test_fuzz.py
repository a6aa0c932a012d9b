"""Fuzz the loader: mutated scenario files must load or raise ScenarioError, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.errors import ScenarioError
from detente.scenario import Scenario
from detente.scenario.io import dumps_scenario, load_scenario
from detente.scenarios import load_scenario as load_embedded
from tests.conftest import PACKAGE_SCENARIOS

_EC = load_embedded("ec-emissions")
SEEDS: list[tuple[str, bytes]] = [
    (".yaml", dumps_scenario(_EC, "yaml").encode()),
    (".json", dumps_scenario(_EC, "json").encode()),
    (".csv", dumps_scenario(_EC, "csv").encode()),
    (".csv", (PACKAGE_SCENARIOS / "ktab" / "dummyData_3Dim.csv").read_bytes()),
    (".csv", (PACKAGE_SCENARIOS / "ktab" / "SOE-Pol-Comp.csv").read_bytes()),
    (".csv", (PACKAGE_SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv").read_bytes()),
]
TOKENS = [
    b"",
    b"NaN",
    b"nan",
    b"-1",
    b"1e309",
    b"inf",
    b"abc",
    b"101",
    b"0",
    b"&a",
    b"*a",
    b"!!python/none",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b";",
    b"\t",
    b'"',
    b"'",
    b":",
    b"- ",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"\xe9",
    b"null",
    b"true",
    b"~",
    b"---",
    b"...",
    b"#",
    b"|",
    b">",
]


OPERATIONS = ["delete", "insert", "replace", "truncate", "dupline", "swaplines", "flip"]


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix, data = draw(st.sampled_from(SEEDS))
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(["delete", "insert", "replace", "truncate", "dupline", "swaplines", "flip"])
        )
        n = len(buf)
        i = draw(st.integers(0, max(n - 1, 0)))
        if op == "delete" and n:
            j = draw(st.integers(i, min(n, i + 40)))
            del buf[i:j]
        elif op == "insert":
            buf[i:i] = draw(st.sampled_from(TOKENS) | st.binary(max_size=8))
        elif op == "replace" and n:
            j = draw(st.integers(i, min(n, i + 6)))
            buf[i:j] = draw(st.sampled_from(TOKENS))
        elif op == "truncate":
            del buf[i:]
        elif op == "flip" and n:
            buf[i] = draw(st.integers(0, 255))
        elif op in {"dupline", "swaplines"}:
            lines = bytes(buf).split(b"\n")
            if len(lines) > 1:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                if op == "dupline":
                    lines.insert(b, lines[a])
                else:
                    lines[a], lines[b] = lines[b], lines[a]
                buf = bytearray(b"\n".join(lines))
    return suffix, bytes(buf)


@settings(max_examples=1200, suppress_health_check=list(HealthCheck), deadline=None)
@given(mutated_files())
def test_mutated_files_load_or_raise_only_scenario_error(case):
    suffix, content = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(content)
        try:
            result = load_scenario(path)
        except ScenarioError as exc:
            assert "\n" not in exc.message
            assert str(path) in exc.message
        else:
            assert isinstance(result, Scenario)
