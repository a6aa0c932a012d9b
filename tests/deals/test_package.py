"""Package files: reading, checking against a scenario, one-line errors."""

from __future__ import annotations

import pytest

from detente.deals.package import Package, load_packages, loads_packages, resolve_package
from detente.errors import InputError, ScenarioError
from tests.deals._fixtures import make

GOOD = """
format: detente-packages/1
sources:
  - {id: s1, title: An essay, file: essay.txt}
packages:
  - id: deal
    name: The deal
    rule: {kind: weighted_majority, threshold: 0.6}
    terms:
      - {issue: x0, position: 20, basis: sourced, source: s1, quote: "twenty"}
      - {issue: x1, position: 70, note: "analyst's estimate"}
  - id: other
    name: Other
    positions: {x0: 10, x1: 90}
coalitions:
  - {id: pair, name: A pair, members: [A0, A1]}
frontier_pairs: [[x0, x1]]
"""


def scen():
    return make([[0, 0], [100, 100]], [[50, 50], [50, 50]], [50, 50])


def test_read_a_package_file_and_fit_it_to_a_scenario(tmp_path):
    book = loads_packages(GOOD)
    assert [p.id for p in book.packages] == ["deal", "other"]
    assert book.package("deal").vector(scen()).tolist() == [20.0, 70.0]
    assert book.package("deal").decision_rule.threshold == 0.6
    assert book.package("other").decision_rule.kind == "unanimity"
    assert book.fits(scen()) and book.frontier_pairs == (("x0", "x1"),)
    path = tmp_path / "p.yaml"
    path.write_text(GOOD, encoding="utf-8")
    package, loaded = resolve_package(scen(), str(path))
    assert package.id == "deal" and loaded is not None
    package, _ = resolve_package(scen(), f"{path}:other")
    assert package.id == "other"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("packages: []", "packages"),
        ("packages:\n  - {id: p, name: P, positions: {x0: 120, x1: 3}}", "terms[0].position"),
        (
            "packages:\n  - {id: p, name: P, terms: [{issue: x0, position: 3, basis: sourced}]}",
            "sourced term",
        ),
        ("format: nope\npackages: []", "unknown format"),
        ("packages:\n  - {id: p, name: P, positions: {x0: 1}, terms: []}", "not both"),
        ("- a\n- b", "mapping"),
        (
            "packages:\n  - {id: p, name: P, terms: [{issue: x0, position: 3, source: zz, quote: q}]}",
            "unknown source",
        ),
    ],
)
def test_bad_package_files_give_one_line_errors(text, message, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_packages(path)
    msg = exc.value.message
    assert message in msg and str(path) in msg and "\n" not in msg


def test_package_not_fitting_the_scenario_names_the_issue():
    p = Package(id="p", name="P", positions={"x0": 1.0})
    with pytest.raises(InputError, match="no position on issue 'x1'"):
        p.vector(scen())
    p = Package(id="p", name="P", positions={"x0": 1.0, "x1": 2.0, "zz": 3.0})
    with pytest.raises(InputError, match="'zz'"):
        p.vector(scen())


def test_unknown_package_name_and_suffix(tmp_path):
    with pytest.raises(InputError, match="neither a shipped package nor a file"):
        resolve_package(scen(), "nonesuch")
    with pytest.raises(InputError, match="detente ships no package"):
        resolve_package(scen(), None)
    bad = tmp_path / "p.txt"
    bad.write_text(GOOD, encoding="utf-8")
    with pytest.raises(InputError, match="suffix"):
        load_packages(bad)
    with pytest.raises(InputError, match="no package 'zz'"):
        loads_packages(GOOD).package("zz")
