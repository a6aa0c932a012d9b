from pathlib import Path

import numpy as np
import pytest

from detente.errors import InputError, ParameterError
from detente.models import Compromise
from detente.validation.deu import (
    SCHEMES,
    CapabilityScheme,
    council_power,
    issue_scenario,
    load_dev,
    read_deu,
    regime_for,
    regimes,
)

DEV = Path(__file__).parents[2] / "src" / "detente" / "data" / "deu" / "deu_dev.csv"


@pytest.fixture(scope="module")
def dev():
    return load_dev()


def test_reads_every_issue_and_the_scoring_set(dev):
    assert len(dev.issues) == 258
    assert sum(i.outcome is not None for i in dev.issues) == 251
    assert len(dev.scored()) == 250
    assert len({i.proposal for i in dev.issues}) == 93
    assert not dev.issue("n98189i2").scored  # an outcome, but fewer than three positions


def test_erdf_regulation_is_one_proposal(dev):
    # its issues d04167i1-i2 carry prnr a04163: the proposal comes from the isnr prefix
    assert {dev.issue(f"d04167i{k}").proposal for k in (1, 2)} == {"d04167"}
    assert not any(i.proposal.startswith("a") for i in dev.issues)


def test_dates_are_repaired_and_blank_saliences_count_as_fifty(dev):
    d = dev.issue("d00032i1")
    assert d.introduced.isoformat() == "2000-01-26"
    assert d.decided.isoformat() == "2001-05-30"  # '1930-05-01' in the file
    assert all(0 <= s <= 100 for i in dev.issues for s in i.saliences.values())
    missing = [i for i in dev.issues for a in i.positions if a not in i.saliences]
    assert not missing


def test_compromise_with_equal_capability_reproduces_the_readme_baseline(dev):
    scored = dev.scored()
    forecast = np.array([Compromise().forecast(issue_scenario(i)).position(i.isnr) for i in scored])
    err = np.abs(forecast - [i.outcome for i in scored])
    assert err.mean() == pytest.approx(23.82, abs=0.005)
    assert np.median(err) == pytest.approx(17.80, abs=0.005)


def test_read_deu_equals_the_packaged_file(dev):
    assert read_deu(DEV).issues == dev.issues


def test_regimes_follow_the_decision_date_and_membership(dev):
    names = [regime_for(i).name for i in dev.issues]
    assert names.count("EU-15") == 126  # exactly the 1995-2000 wave
    assert all(regime_for(i).name != "EU-15" for i in dev.issues if i.year >= 2003)
    for i in dev.issues:
        r = regime_for(i)
        assert all(a in r.votes for a in i.positions if a not in ("com", "ep"))
    totals = {r.name: sum(r.votes.values()) for r in regimes()}
    assert totals == {
        "EU-15": 87,
        "EU-25 (Amsterdam)": 124,
        "EU-25 (Nice)": 321,
        "EU-27 (Nice)": 345,
        "EU-28 (Nice)": 352,
        "EU-28 (Lisbon)": 28,
        "EU-27 (Lisbon)": 27,
    }


def test_power_schemes_sum_to_one_over_the_council(dev):
    for r in regimes():
        for index in ("shapley", "banzhaf"):
            p = council_power(r, "QMV", index)
            assert sum(p.values()) == pytest.approx(1.0)
            assert p["de"] >= p["lu"]
        unan = list(council_power(r, "Unan", "shapley").values())
        assert unan == pytest.approx([1 / len(r.members)] * len(r.members))


def test_scenario_mapping(dev):
    issue = dev.issue("d00032i1")
    s = issue_scenario(issue, CapabilityScheme("votes", commission=2.0, parliament=0.5))
    assert set(s.actor_ids) == set(issue.positions)
    assert s.actor("de").capability == 10
    assert s.actor("com").capability == pytest.approx(2 * 87 / 15)
    assert s.actor("ep").capability == pytest.approx(0.5 * 87 / 15)
    iss = s.issue(issue.isnr)
    assert iss.status_quo == issue.reference and iss.outcome == 100
    for kind in SCHEMES:
        caps = issue_scenario(issue, CapabilityScheme(kind)).capabilities()
        assert np.all(caps > 0)


def test_consultation_factor_applies_only_to_consultation(dev):
    cns = next(i for i in dev.issues if i.procedure == "CNS" and "ep" in i.positions)
    cod = next(i for i in dev.issues if i.procedure == "COD" and "ep" in i.positions)
    scheme = CapabilityScheme("equal", parliament_consultation=0.25)
    assert issue_scenario(cns, scheme).actor("ep").capability == 0.25
    assert issue_scenario(cod, scheme).actor("ep").capability == 1.0


def _write(tmp_path, text):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    return p


def _lines(n=3):
    return DEV.read_text().splitlines()[: n + 1]


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("pde", "abc", r"line 2, column 'pde': 'abc' is not a number"),
        ("sfr", "140", r"line 2, column 'sfr': 140 is outside 0-100"),
        ("out", "-1", r"line 2, column 'out'"),
        ("isnr", "xyz", r"line 2, column 'isnr': 'xyz' is not a DEU issue id"),
        ("counvte", "majority", r"line 2, column 'counvte'"),
    ],
)
def test_bad_cells_give_one_line_errors(tmp_path, column, value, match):
    header, *rows = _lines()
    names = header.split(",")
    cells = rows[0].split(",")
    cells[names.index(column)] = value
    p = _write(tmp_path, "\n".join([header, ",".join(cells), *rows[1:]]) + "\n")
    with pytest.raises(InputError, match=match) as info:
        read_deu(p)
    assert str(p) in info.value.message and "\n" not in info.value.message and "Fix:" in info.value.message


def test_missing_columns_duplicates_and_missing_files(tmp_path):
    header, *rows = _lines()
    names = header.split(",")
    k = names.index("rp")
    cut = [",".join(c for j, c in enumerate(line.split(",")) if j != k) for line in [header, *rows]]
    with pytest.raises(InputError, match=r"line 1: the header lacks the DEU column\(s\) rp"):
        read_deu(_write(tmp_path, "\n".join(cut)))
    with pytest.raises(InputError, match="appears twice"):
        read_deu(_write(tmp_path, "\n".join([header, rows[0], rows[0]])))
    with pytest.raises(InputError, match="no such file"):
        read_deu(tmp_path / "none.csv")
    with pytest.raises(InputError, match="no issues"):
        read_deu(_write(tmp_path, header + "\n"))


def test_semicolon_files_and_unseen_rows_read(tmp_path):
    header, *rows = _lines(5)
    # a new, made-up issue of an unseen proposal, with tab... semicolons as delimiter
    p = _write(tmp_path, "\n".join(line.replace(",", ";") for line in [header, *rows]))
    data = read_deu(p)
    assert [i.isnr for i in data.issues] == [i.isnr for i in load_dev().issues[:5]]


def test_bad_scheme_is_refused():
    with pytest.raises(ParameterError, match="no capability scheme"):
        CapabilityScheme("gdp")  # type: ignore[arg-type]
