"""The engine on small handmade person files whose tables can be worked out by hand."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from censusmig.profiles.model import Profile
from censusmig.recipes.model import Recipe
from censusmig.renderers.formatting import format_cell
from censusmig.renderers.layout import Cell, grid
from censusmig.tables.engine import compute_tables
from helpers import people

# (SEX, AGE, POB): 900 = Quetzalia, 320 Guatemala, 724 Spain, 810 USSR, 998 not stated, 999 no code
ROWS = [
    (1, 3, 900),
    (2, 3, 900),
    (1, 40, 320),
    (2, 41, 320),
    (2, 88, 724),
    (1, 70, 810),
    (9, 30, 320),
    (1, 999, 998),
    (2, 150, 999),
]


def cell(frame: pl.DataFrame, **codes: str) -> int:
    found = frame.filter(*(pl.col(k) == v for k, v in codes.items()))
    assert found.height == 1, codes
    return int(found["value"][0])


@pytest.fixture()
def tables(profile: Profile, catalog: dict[str, Recipe]) -> dict[str, pl.DataFrame]:
    recipes = [catalog["nativity_age_sex"], catalog["foreign_born_country_of_birth_age_sex"]]
    result = compute_tables(people(ROWS).lazy(), profile, recipes)
    return {table.recipe_id: table.cells for table in result.tables}


def test_nativity_cells_by_hand(tables: dict[str, pl.DataFrame]) -> None:
    t = tables["nativity_age_sex"]
    assert cell(t, age_group="_T", sex="_T", nativity="_T") == 9
    assert cell(t, age_group="_T", sex="_T", nativity="native_born") == 2
    assert cell(t, age_group="_T", sex="_T", nativity="foreign_born") == 5
    assert cell(t, age_group="_T", sex="_T", nativity="_U") == 1
    assert cell(t, age_group="_T", sex="_T", nativity="_X") == 1
    assert cell(t, age_group="Y0T4", sex="_T", nativity="native_born") == 2
    assert cell(t, age_group="Y_GE85", sex="F", nativity="foreign_born") == 1
    assert cell(t, age_group="_U", sex="M", nativity="_U") == 1
    assert cell(t, age_group="_X", sex="F", nativity="_X") == 1
    assert cell(t, age_group="Y30T34", sex="_U", nativity="foreign_born") == 1
    # Fixed category sets are complete: an empty age group is a zero row, not a missing one.
    assert cell(t, age_group="Y60T64", sex="_T", nativity="_T") == 0


def test_country_of_birth_region_subtotals(tables: dict[str, pl.DataFrame]) -> None:
    t = tables["foreign_born_country_of_birth_age_sex"]
    total = {"sex": "_T", "age_group": "_T"}
    assert cell(t, region_of_birth="_T", country_of_birth="_T", **total) == 5
    assert cell(t, region_of_birth="019", country_of_birth="_T", **total) == 3
    assert cell(t, region_of_birth="019", country_of_birth="GTM", **total) == 3
    assert cell(t, region_of_birth="150", country_of_birth="_T", **total) == 2
    assert cell(t, region_of_birth="150", country_of_birth="SUN", **total) == 1
    labels = dict(zip(t["country_of_birth"], t["country_of_birth_label"], strict=True))
    assert labels["GTM"] == "Guatemala"
    assert labels["SUN"].startswith("USSR")
    # Native-born, not-stated and unknown-code persons are outside this universe.
    assert set(t["country_of_birth"]) >= {"GTM", "ESP", "SUN"}
    assert "QUE" not in set(t["country_of_birth"])


def test_publication_order_totals_first_and_largest_region_first(
    tables: dict[str, pl.DataFrame],
) -> None:
    t = tables["foreign_born_country_of_birth_age_sex"]
    regions = t.select("region_of_birth").unique(maintain_order=True)["region_of_birth"].to_list()
    assert regions[0] == "_T"
    assert regions.index("019") < regions.index("150")  # M49 order: Americas before Europe
    first = t.row(0, named=True)
    assert first["region_of_birth"] == "_T" and first["sex"] == "_T" and first["age_group"] == "_T"


def test_accounting_and_unknown_codes(profile: Profile, catalog: dict[str, Recipe]) -> None:
    result = compute_tables(people(ROWS).lazy(), profile, [catalog["nativity_age_sex"]])
    accounting = result.tables[0].accounting
    assert accounting.universe == 9 and accounting.inner_cells_total == 9
    assert accounting.not_stated == {"age_group": 1, "sex": 1, "nativity": 1}
    assert accounting.unknown_code == {"age_group": 1, "sex": 0, "nativity": 1}
    assert result.unknown_codes == {"age": {"AGE=150": 1}, "country_of_birth": {"POB=999": 1}}
    assert result.records == 9


def test_weighted_values_and_unweighted_counts(
    weighted_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    weights = [10.0, 20.0, 30.5, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0]
    frame = people(ROWS, weights)
    result = compute_tables(frame.lazy(), weighted_profile, [catalog["nativity_age_sex"]])
    table = result.tables[0]
    assert table.weighted
    t = table.cells
    grand = t.filter(pl.col("age_group") == "_T", pl.col("sex") == "_T", pl.col("nativity") == "_T")
    assert grand["value"][0] == pytest.approx(sum(weights))
    assert grand["n_unweighted"][0] == 9
    native = t.filter(
        pl.col("age_group") == "_T", pl.col("sex") == "_T", pl.col("nativity") == "native_born"
    )
    assert native["value"][0] == pytest.approx(30.0)
    assert result.weighted_records == pytest.approx(sum(weights))


def test_codes_read_from_text_columns_and_leading_zeros(
    profile: Profile, catalog: dict[str, Recipe]
) -> None:
    frame = people(ROWS).with_columns(
        pl.col("POB").cast(pl.String).str.zfill(3), pl.col("SEX").cast(pl.String)
    )
    result = compute_tables(frame.lazy(), profile, [catalog["nativity_age_sex"]])
    t = result.tables[0].cells
    assert cell(t, age_group="_T", sex="_T", nativity="foreign_born") == 5
    assert cell(t, age_group="_T", sex="M", nativity="_T") == 4


def test_layout_has_totals_first_and_every_value(
    profile: Profile, catalog: dict[str, Recipe]
) -> None:
    result = compute_tables(people(ROWS).lazy(), profile, [catalog["nativity_age_sex"]])
    layout = grid(result.tables[0])
    # Sex, a spanner of 4 x 5 columns in the recipe, is laid out as blocks of rows.
    assert layout.stub_titles == ("Sex", "Age (years)")
    assert layout.rows[0].labels == ("Both sexes", "Total, all ages") and layout.rows[0].total
    assert layout.rows[1].repeated == (True, False) and not layout.rows[1].total
    # "Unknown code" is shown with "Not stated"; its count is in a note.
    assert layout.rows[-3].labels == ("Female", "Not stated")
    assert layout.rows[-2].labels == ("Not stated", "Total, all ages")
    assert layout.rows[-1].labels == ("Not stated", "30-34")  # its empty rows left out
    assert [c.label for c in layout.header_rows[0]] == ["Nativity"]
    assert [c.label for c in layout.header_rows[1]][-1] == "Not stated"
    assert [c.value for c in layout.values[0]] == [9, 2, 5, 2]  # 1 _U + 1 _X
    assert any(n.startswith("Nativity: Not stated includes 1 coded") for n in layout.notes)


def test_layout_cells_carry_the_flag_column_or_a_derived_symbol(
    profile: Profile, catalog: dict[str, Recipe]
) -> None:
    table = compute_tables(people(ROWS).lazy(), profile, [catalog["nativity_age_sex"]]).tables[0]
    plain = grid(table)
    assert plain.values[0][0] == Cell(9, None)
    grand = pl.all_horizontal(pl.col(c) == "_T" for c in table.level_columns)
    flagged = replace(
        table,
        cells=table.cells.with_columns(
            pl.when(grand).then(None).otherwise(pl.col("value")).alias("value"),
            pl.when(grand).then(pl.lit("x")).otherwise(None).alias("flag"),
        ),
    )
    layout = grid(flagged)
    assert layout.values[0][0] == Cell(None, "x")
    assert format_cell(layout.values[0][0], "value") == "x"
    assert layout.values[0][1:] == plain.values[0][1:]  # cells without a flag keep theirs
    assert format_cell(Cell(None), "percent") == ".."
    assert format_cell(Cell(0.04), "percent") == "0.0"  # rounds to zero: not "-"
    assert format_cell(Cell(0), "percent") == "-"
    assert format_cell(Cell(0.3), "value") == "0"
    assert format_cell(Cell(None, "z"), "value") == "z"


def test_text_that_is_not_a_number_is_an_unknown_code(
    profile: Profile, catalog: dict[str, Recipe]
) -> None:
    frame = people(ROWS[:3]).with_columns(pl.Series("AGE", ["abc", None, "40"]))
    result = compute_tables(frame.lazy(), profile, [catalog["nativity_age_sex"]])
    t = result.tables[0].cells
    assert cell(t, age_group="_X", sex="_T", nativity="_T") == 1  # "abc"
    assert cell(t, age_group="_U", sex="_T", nativity="_T") == 1  # blank
    assert cell(t, age_group="Y40T44", sex="_T", nativity="_T") == 1
    assert result.unknown_codes["age"] == {"AGE=abc": 1}


def test_fractional_codes_are_not_truncated_into_valid_ones(
    profile: Profile, catalog: dict[str, Recipe]
) -> None:
    frame = people(ROWS[:4]).with_columns(pl.Series("SEX", [1.0, 2.0, 2.7, None]))
    result = compute_tables(frame.lazy(), profile, [catalog["nativity_age_sex"]])
    t = result.tables[0].cells
    assert cell(t, age_group="_T", sex="M", nativity="_T") == 1
    assert cell(t, age_group="_T", sex="F", nativity="_T") == 1
    assert cell(t, age_group="_T", sex="_X", nativity="_T") == 1
    assert cell(t, age_group="_T", sex="_U", nativity="_T") == 1
    assert result.unknown_codes["sex"] == {"SEX=2.7": 1}


def test_missing_and_non_positive_weights_are_reported(
    weighted_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    frame = people(ROWS[:4], [1.0, 2.0, 0.0, 3.0]).with_columns(
        pl.Series("WEIGHT", [1.0, None, 0.0, -3.0])
    )
    result = compute_tables(frame.lazy(), weighted_profile, [catalog["nativity_age_sex"]])
    assert result.weight_problems == {"missing": 1, "zero_or_negative": 2}
    # The record with no weight is still counted, with weight 0.
    assert result.tables[0].accounting.universe == 4
