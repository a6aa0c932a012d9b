"""The Korean calibration: estimates, the cutoff, sampling, the shipped file and the commands."""

from __future__ import annotations

import json
import math
import shutil
from datetime import date
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from detente.calibration import events as ev
from detente.calibration.korea import KoreaCalibration, calibrate, load_calibration, main
from detente.commands.calibrate import calibrate as calibrate_command
from detente.errors import ModelError, OutputExistsError, ParameterError

CUTOFF = date(2019, 12, 31)
PACKAGE_DATA = Path(str(files("detente").joinpath("data/korea")))
SHIPPED = Path(str(files("detente").joinpath("data/korea/calibration.json")))


@pytest.fixture(scope="module")
def cal() -> KoreaCalibration:
    return calibrate(CUTOFF)


def glms(c: KoreaCalibration):
    return [
        c.tests.model,
        c.tests.sensitivity,
        c.clashes.icb.model,
        c.clashes.armed_incidents.model,
        c.patience.exponential.model,
        c.patience.exponential_never_delivered.model,
    ]


def test_standard_errors_positive_and_finite(cal):
    for g in glms(cal):
        cov = g.cov_matrix()
        assert np.allclose(cov, cov.T)
        assert np.all(np.linalg.eigvalsh(cov) > 0)
        for k, c in enumerate(g.coefficients):
            assert math.isfinite(c.se) and c.se > 0, (g.response, c.name)
            assert c.se == pytest.approx(math.sqrt(cov[k, k]), rel=1e-4)
            assert c.ci_low < c.estimate < c.ci_high


def test_lag_odds_ratio_above_one(cal):
    lor = cal.tests.lag_odds_ratio
    assert lor.value > 1 and lor.ci_low > 1
    assert cal.tests.sensitivity_lag_odds_ratio.value > 1


def test_markov_chains(cal):
    chains = {c.regime: c for c in cal.tests.chains}
    for c in chains.values():
        assert 0 < c.p_test_after_quiet.value < c.p_test_after_test.value < 1
        assert c.p_test_after_quiet.se is not None and c.p_test_after_quiet.se > 0
    assert chains["talks"].p_test_after_quiet.value < chains["pressure"].p_test_after_quiet.value
    counts = {r.regime: (r.months, r.event_months) for r in cal.tests.regimes}
    assert counts == {"talks": (137, 2), "pressure": (187, 19)}
    assert cal.tests.model.n_obs == 324 and cal.tests.model.n_events == 21


def test_raw_checks_in_and_out_of_sample(cal):
    checks = {(f.window, f.series): f for f in cal.tests.checks}
    review = checks[(("2016-01", "2017-11"), "strategic_no_slv")]
    assert (review.event_months, review.months) == (12, 23) and review.value == pytest.approx(0.52, abs=0.005)
    assert checks[(("2018-01", "2019-02"), "strategic")].value == 0.0
    assert all(f.window[1] <= "2019-12" for f in cal.tests.checks)
    replay = cal.replay_checks
    assert replay is not None and replay.note.startswith("OUT OF SAMPLE")
    later = {f.series: f for f in replay.frequencies}
    assert later["strategic_no_slv"].value == pytest.approx(1 / 3, abs=1e-5)
    assert replay.until == "2024-12-31" and replay.months == 60


def test_clashes(cal):
    icb = cal.clashes
    assert (icb.crises_since_1954, icb.clash_crises, icb.serious_crises) == (13, 6, 0)
    assert [e.date for e in icb.icb_events][-1] == "2015-08-04"
    assert icb.icb.overall_per_year.value == pytest.approx(12 * 6 / 792, rel=1e-5)
    per_regime = {r.regime: (r.months, r.event_months) for r in icb.icb.regimes}
    assert per_regime == {"talks": (137, 1), "pressure": (187, 3), "pre-1993": (468, 2)}
    assert icb.armed_incidents.model.window == ("1958-01", "2017-11")


def test_patience(cal):
    p = cal.patience
    assert p.lower_bound_spell == "2018-moratorium" and p.lower_bound_months == pytest.approx(20.3696)
    assert p.exponential.events == 3 and len(p.exponential.spells) == 4
    assert p.exponential.rate_per_month.value == pytest.approx(3 / p.exponential.exposure_months, rel=1e-5)


def test_guarantor_table_marks_counts_and_estimates(cal):
    rows = cal.guarantors.rows
    assert {r.actor for r in rows} == {"China", "Russia"}
    assert all(r.date <= "2019-12-31" for r in rows)
    counts = [r for r in rows if r.basis == "count"]
    assert counts and all(r.value == 1.0 for r in counts)  # 9 of 9 resolutions, 6 of 6 nuclear tests
    assert all(r.rationale for r in rows if r.basis == "estimate")
    breaks = cal.replay_checks.guarantor_breaks
    assert {(r.date, r.actor) for r in breaks if r.basis == "count"} == {
        ("2022-05-26", "China"),
        ("2022-05-26", "Russia"),
    }
    assert any(r.date == "2024-06-19" and r.actor == "Russia" for r in breaks)


# ------------------------------------------------------------------------------------------------
# The cutoff


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "korea"
    for rel in ev.DATA_FILES.values():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE_DATA / rel, target / rel)
    return target


def _later(name: str, frame: pd.DataFrame) -> pd.Series:
    """Which rows of data set ``name`` are dated after the cutoff."""
    if name == "icb":
        return frame["year"].astype(int) > CUTOFF.year
    if name == "vetoes":

        def mdy(text: str) -> date:
            m, d, y = (int(x) for x in text.split("/"))
            return date(y, m, d)

        return frame["date"].map(lambda t: mdy(t) > CUTOFF)
    return frame["date"].map(lambda t: (t + "-31" if len(t) == 7 else t) > CUTOFF.isoformat())


def _rewrite(folder: Path, mode: str) -> None:
    """Drop or perturb every record dated after the cutoff (and add invented later records)."""
    for name, rel in ev.DATA_FILES.items():
        path = folder / rel
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        later = _later(name, frame)
        if mode == "drop":
            frame = frame.loc[~later]
        else:
            extra = frame.iloc[[0]].copy()
            if name == "timeline":
                frame.loc[later, ["kind", "event", "actors"]] = ["agreement", "freeze moratorium", "USA;DPRK"]
                extra[["date", "kind", "event", "actors"]] = ["2020-01", "test", "invented test", "DPRK"]
            elif name == "missile_tests":
                frame.loc[later, "missile_type"] = "ICBM"
                extra[["date", "missile_type"]] = ["2020-01-02", "ICBM"]
            elif name == "nuclear_tests":
                extra["date"] = "2021-01-01"
            elif name == "provocations":
                extra[["date", "description"]] = ["2020-03-03", "ten soldiers were killed"]
            elif name == "icb":
                frame.loc[later, "violence"] = "4"
                extra[["crisno", "year", "violence"]] = ["999", "2021", "3"]
            elif name == "vetoes":
                frame.loc[later, ["China", "Russia", "crisis_topic"]] = ["1", "1", "North Korea"]
                extra[["date", "China", "crisis_topic"]] = ["3/3/2021", "1", "North Korea"]
            frame = pd.concat([frame, extra], ignore_index=True)
        frame.to_csv(path, index=False)


def _in_sample(c: KoreaCalibration) -> dict:
    data = c.to_json_dict()
    data.pop("metadata")
    data.pop("replay_checks")
    return data


@pytest.mark.parametrize("mode", ["drop", "perturb"])
def test_records_after_the_cutoff_change_nothing(tmp_path, mode):
    folder = _copy(tmp_path)
    _rewrite(folder, mode)
    before = calibrate(CUTOFF, replay=False, digits=None)
    after = calibrate(CUTOFF, data_dir=folder, replay=False, digits=None)
    assert _in_sample(after) == _in_sample(before)  # exact float equality, no rounding
    pd.testing.assert_frame_equal(ev.monthly_series(CUTOFF, data_dir=folder), ev.monthly_series(CUTOFF))
    # the perturbation did reach the files: the out-of-sample part sees it
    if mode == "perturb":
        assert ev.load_missile_tests(date(2030, 1, 1), folder)["missile_type"].iloc[-1] == "ICBM"


def test_a_record_before_the_cutoff_does_change_the_estimates(tmp_path):
    folder = _copy(tmp_path)
    path = folder / ev.DATA_FILES["missile_tests"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["date"] == "2019-05-04", "missile_type"] = "ICBM"
    frame.to_csv(path, index=False)
    before = calibrate(CUTOFF, replay=False, digits=None)
    after = calibrate(CUTOFF, data_dir=folder, replay=False, digits=None)
    assert after.tests.model.coefficients != before.tests.model.coefficients


def test_bad_cutoffs():
    with pytest.raises(ParameterError):
        calibrate("2019-13-01")
    with pytest.raises(ParameterError):
        calibrate(date(2005, 12, 31))


def test_degenerate_cell_is_refused(tmp_path):
    folder = _copy(tmp_path)
    path = folder / ev.DATA_FILES["icb"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["crisno"] == "420", "violence"] = "1"  # the only clash during talks
    frame.to_csv(path, index=False)
    with pytest.raises(ModelError, match="talks"):
        calibrate(CUTOFF, data_dir=folder, replay=False)


# ------------------------------------------------------------------------------------------------
# Sampling


def test_sample_is_reproducible(cal):
    a = cal.sample(200, np.random.default_rng(42))
    b = cal.sample(200, np.random.default_rng(42))
    c = cal.sample(200, np.random.default_rng(43))
    assert a.values.shape == (200, len(a.names))
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    probs = [n for n in a.names if ".p_" in n]
    assert all(((a[n] > 0) & (a[n] < 1)).all() for n in probs)
    assert set(a.to_dict()) == set(a.names)


def test_sample_spreads_around_the_estimates(cal):
    draws = cal.sample(4000, np.random.default_rng(0))
    p = {c.regime: c for c in cal.tests.chains}["pressure"].p_test_after_quiet
    assert np.median(draws["tests.pressure.p_test_after_quiet"]) == pytest.approx(p.value, rel=0.05)
    lo, hi = np.quantile(draws["tests.pressure.p_test_after_quiet"], [0.025, 0.975])
    assert lo == pytest.approx(p.ci_low, rel=0.15) and hi == pytest.approx(p.ci_high, rel=0.15)
    with pytest.raises(ParameterError):
        cal.sample(0, np.random.default_rng(0))


# ------------------------------------------------------------------------------------------------
# The shipped file and the commands


def test_shipped_file_equals_a_fresh_calibration(cal):
    text = SHIPPED.read_text(encoding="utf-8")
    assert json.loads(text) == cal.to_json_dict()
    assert text == cal.to_json_text()
    shipped = load_calibration()
    assert shipped == cal
    assert np.array_equal(
        shipped.sample(5, np.random.default_rng(1)).values, cal.sample(5, np.random.default_rng(1)).values
    )


def test_module_main_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "cal.json"
    assert main(["--cutoff", "2019-12-31", "--out", str(out)]) == 0
    first = out.read_text()
    out.write_text("{}")
    assert main(["--cutoff", "2019-12-31", "--out", str(out)]) == 2
    assert out.read_text() == "{}" and "--force" in capsys.readouterr().err
    assert main(["--out", str(out), "--force"]) == 0
    assert out.read_text() == first


def test_calibrate_command(tmp_path):
    out = tmp_path / "c.json"
    calibrate_command(cutoff="2019-12-31", out=out, force=False)
    assert json.loads(out.read_text()) == json.loads(SHIPPED.read_text())
    with pytest.raises(OutputExistsError):
        calibrate_command(cutoff="2019-12-31", out=out, force=False)
    calibrate_command(cutoff="2018-12-31", out=out, force=True)
    assert json.loads(out.read_text())["metadata"]["cutoff"] == "2018-12-31"


def test_calibrate_command_line(tmp_path):
    app = typer.Typer()
    app.command()(calibrate_command)
    out = tmp_path / "c.json"
    runner = CliRunner()
    r = runner.invoke(app, ["--cutoff", "2019-12-31", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "lag odds ratio" in r.stdout and "s.e." in r.stdout
    again = runner.invoke(app, ["--json", str(out)])
    assert isinstance(again.exception, OutputExistsError)
