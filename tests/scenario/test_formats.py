import pytest

from detente.scenario.formats import COLUMN_SPELLINGS, read_bdm_table, read_csv_any, read_ktab_csv, slugify
from detente.scenario.io import load_scenario
from detente.scenarios import load_scenario as load_embedded
from tests.conftest import PACKAGE_SCENARIOS

EC_CSV = PACKAGE_SCENARIOS / "bdm" / "scholz_EC_emissions_ExampleActors.csv"


def test_ktab_3dim_is_read_as_the_spec_describes():
    s = read_ktab_csv(PACKAGE_SCENARIOS / "ktab" / "dummyData_3Dim.csv")
    assert s.name == "DummyData_3Dim"
    assert s.description == "Dummy scenario to test reading format"
    assert s.issue_ids == ("Pstn1", "Pstn2", "Pstn3")
    assert len(s.actors) == 7
    a0 = s.actor("SActor-00")
    assert a0.capability == 102.543 and a0.description == "Random Spatial Actor"
    assert [s.stance("SActor-00", i).position for i in s.issue_ids] == [75.79, 6.37, 70.45]
    assert sum(s.stance("SActor-00", i).salience for i in s.issue_ids) == pytest.approx(83.59)


def test_ktab_quirky_headers_are_accepted():
    soe = load_embedded("ktab-soe")
    assert soe.name == "China Policy/Competitive; scen 2"
    assert [i.name for i in soe.issues] == ["Policy Position", "Competitive Position"]
    assert soe.actor("XJ").capability == 100.0
    assert len(load_embedded("ktab-6dim").issues) == 6
    assert len(load_embedded("ktab-a160").actors) == 160


def test_ec_table_maps_years_onto_the_scale_and_back():
    s = read_bdm_table(EC_CSV)
    issue = s.issues[0]
    assert issue.units.at_0 == 4 and issue.units.at_100 == 10
    assert s.stance("Belgium", issue.id).position == 50.0
    assert s.stance("Denmark", issue.id).salience == 100.0
    assert issue.to_natural(s.stance("UK", issue.id).position) == 10.0


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_bdm_tables_with_any_line_endings(tmp_path, newline):
    path = tmp_path / EC_CSV.name
    path.write_bytes(EC_CSV.read_bytes().replace(b"\n", newline.encode()))
    assert load_scenario(path).stances == read_bdm_table(EC_CSV).stances


@pytest.mark.parametrize(
    "header",
    [
        "Actor,Capability,Position,Salience",
        "name;power;pos;sal",
        "Player\tInfluence\tStance\tImportance",
        "STAKEHOLDER, Clout , Ideal Point, Issue Salience",
    ],
)
def test_usual_spellings_and_delimiters(tmp_path, header):
    delim = ";" if ";" in header else ("\t" if "\t" in header else ",")
    rows = [header, delim.join(["A", "2", "-5", "40"]), delim.join(["B", "1", "15", "80"])]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(rows) + "\n")
    s = load_scenario(path)
    assert s.actor_ids == ("A", "B")
    assert [st.position for st in s.stances] == [0.0, 100.0]
    assert [st.salience for st in s.stances] == [40.0, 80.0]  # already 0-100: kept
    assert s.issues[0].units.at_0 == -5 and s.issues[0].units.at_100 == 15


def test_all_actors_at_one_position_get_a_centred_scale(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Actor,Capability,Position,Salience\nA,1,7,0.5\nB,2,7,0.5\n")
    s = load_scenario(path)
    assert [st.position for st in s.stances] == [50.0, 50.0]
    assert s.issues[0].to_natural(50.0) == 7.0


def test_explicit_scale_overrides_the_data_range():
    s = read_bdm_table(EC_CSV, scale=(0, 20), issue_name="Delay")
    assert s.issue_ids == ("Delay",)
    assert s.stance("UK", "Delay").position == 50.0


def test_spellings_table_covers_the_four_required_roles():
    assert {"name", "capability", "position", "salience"} <= set(COLUMN_SPELLINGS)


def test_slugify_makes_unique_valid_ids():
    taken: set[str] = set()
    assert slugify("Policy Position", taken) == "Policy_Position"
    assert slugify("Policy Position", taken) == "Policy_Position_2"
    assert slugify("  ---  ") == "x"
    assert slugify("_hidden") == "hidden"


def test_record_csv_is_recognised():
    from detente.scenario.io import dumps_scenario

    s = load_embedded("ec-emissions")
    assert read_csv_any(dumps_scenario(s, "csv"), source="x.csv") == s
