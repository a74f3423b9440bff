"""The cell-key method: perturbation tables (ONS, sdcTools), the default table, perturb."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cellkey_helpers import KEY, counted, table_of
from censusmig.errors import CensusmigError, SpecError
from censusmig.protection.cellkey import (
    PTable,
    default_ptable,
    ons_reused_rows,
    perturb,
    read_ptable,
)
from censusmig.protection.keys import KEY_RANGE, RECORD_KEYS
from censusmig.tables.table import N_UNWEIGHTED, VALUE
from helpers import ROOT

DEFAULT_CSV = ROOT / "src/censusmig/protection/data/ptable_default.csv"


def write_ons(path: Path, rows: list[tuple[object, object, object]]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pcv", "ckey", "pvalue"])
        writer.writerows(rows)
    return path


def full_ons(max_pcv: int) -> list[tuple[object, object, object]]:
    """A valid ONS-layout table: every row -1 for the lower half of the keys, +1 above."""
    return [(pcv, k, -1 if k < 128 else 1) for pcv in range(1, max_pcv + 1) for k in range(256)]


def problems(error: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [p.render() for p in error.value.problems]


# --- the ONS layout -------------------------------------------------------------------


def test_reads_the_ons_layout_and_reuses_the_last_third_of_its_rows(tmp_path: Path) -> None:
    rows = full_ons(9)
    rows[3 * 256 + 7] = (4, 7, 5)  # pcv 4, ckey 7
    table = read_ptable(write_ons(tmp_path / "p.csv", rows))
    assert (table.max_pcv, table.key_range, table.reused_rows) == (9, 256, 3)
    assert table.pvalue(4, 7) == 5
    assert table.pvalue(0, 7) == 0
    assert table.pvalue(4, 200) == 1
    # 9 rows: counts above 9 reuse rows 7-9 (the ONS rule for 750 rows: 501-750)
    assert [table.row(c) for c in (9, 10, 11, 12, 13)] == [9, 7, 8, 9, 7]
    assert ons_reused_rows(750) == 250
    assert PTable(((0,) * 256,) * 750, 250).row(751) == 501
    assert PTable(((0,) * 256,) * 750, 250).row(1000) == 750
    assert PTable(((0,) * 256,) * 750, 250).row(1001) == 501


def test_a_file_is_parsed_once_per_content(tmp_path: Path) -> None:
    path = write_ons(tmp_path / "p.csv", full_ons(2))
    first = read_ptable(path)
    assert read_ptable(path) is first
    assert first.perturb_count(2, 200) == 3 and first.perturb_count(2, 3) == 1
    rows = full_ons(2)
    rows[0] = (1, 0, 0)
    changed = read_ptable(write_ons(path, rows))
    assert changed is not first and changed.pvalue(1, 0) == 0


def test_an_ons_table_missing_a_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("pcv,ckey,value\n1,0,0\n")
    with pytest.raises(SpecError) as error:
        read_ptable(path)
    assert problems(error) == [f"{path}: column pvalue: missing; valid: pcv, ckey, value"]


def test_an_ons_table_with_a_duplicate_names_both_lines(tmp_path: Path) -> None:
    rows = full_ons(2)
    rows.insert(10, (1, 3, 0))
    with pytest.raises(SpecError) as error:
        read_ptable(write_ons(tmp_path / "p.csv", rows))
    assert problems(error) == [
        f"{tmp_path / 'p.csv'}: line 12, columns pcv, ckey: duplicate (also on line 5)"
        "; (got '1, 3')"
    ]


def test_an_ons_table_with_a_gap_names_the_missing_row_and_key(tmp_path: Path) -> None:
    rows = [r for r in full_ons(3) if r[:2] != (2, 17)]
    with pytest.raises(SpecError) as error:
        read_ptable(write_ons(tmp_path / "p.csv", rows))
    assert problems(error) == [
        f"{tmp_path / 'p.csv'}: columns pcv, ckey: no row for this count row and cell key"
        "; (got '2, 17')"
    ]


def test_an_ons_table_with_a_non_integer_names_line_column_and_value(tmp_path: Path) -> None:
    rows = full_ons(2)
    rows[4] = (1, 4, "0.5")
    rows[300] = ("x", 44, 1)
    with pytest.raises(SpecError) as error:
        read_ptable(write_ons(tmp_path / "p.csv", rows))
    assert problems(error) == [
        f"{tmp_path / 'p.csv'}: line 302, column pcv: not a whole number; (got 'x')",
        f"{tmp_path / 'p.csv'}: line 6, column pvalue: not a whole number; (got '0.5')",
    ]
    assert isinstance(error.value, CensusmigError) and error.value.exit_code == 2


def test_an_ons_table_that_would_publish_a_negative_count_is_refused(tmp_path: Path) -> None:
    rows = full_ons(2)
    rows[0] = (1, 0, -2)
    with pytest.raises(SpecError, match=r"line 2, column pvalue: would publish a count of 1 as -1"):
        read_ptable(write_ons(tmp_path / "p.csv", rows))


def test_an_ons_table_of_another_key_range_is_refused(tmp_path: Path) -> None:
    rows = [(pcv, k, 0) for pcv in (1, 2) for k in range(4096)]
    with pytest.raises(SpecError, match=r"column ckey: cell keys must run from 0 to 255"):
        read_ptable(write_ons(tmp_path / "p.csv", rows))


def test_a_file_in_neither_layout_says_what_both_look_like(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(SpecError, match="the ONS layout has the columns pcv, ckey, pvalue"):
        read_ptable(path)
    with pytest.raises(CensusmigError, match="cannot read the perturbation table"):
        read_ptable(tmp_path / "missing.csv")


# --- the sdcTools layout ----------------------------------------------------------------

SDC_HEADER = "i;j;p;v;p_int_lb;p_int_ub;type"


def sdc_rows() -> list[str]:
    """A ptable of D = 2 as sdcTools writes it: i = 0, 1 and 2 (= every count from 2 up)."""
    return [
        "0;0;1;0;0;1;all",
        # count 1: 0 with 1/2, 2 with 1/4... (v -1: 0.5, v 0: 0.25, v +1: 0.25)
        "1;0;0.5;-1;0;0.5;all",
        "1;1;0.25;0;0.5;0.75;all",
        "1;2;0.25;1;0.75;1;all",
        # counts from 2 up: -2 1/8, -1 1/8, 0 1/2, +1 1/8, +2 1/8; bounds not all 256ths
        "2;0;0.125;-2;0;0.125;all",
        "2;1;0.125;-1;0.125;0.25;all",
        "2;2;0.50000001;0;0.25;0.75000001;all",
        "2;3;0.12499999;1;0.75000001;0.875;all",
        "2;4;0.125;2;0.875;1;all",
    ]


def write_sdc(path: Path, rows: list[str], header: str = SDC_HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_reads_the_sdctools_layout_with_keys_as_k_over_256(tmp_path: Path) -> None:
    table = read_ptable(write_sdc(tmp_path / "p.csv", sdc_rows()))
    assert (table.max_pcv, table.key_range, table.reused_rows) == (2, 256, 1)
    row1 = table.pvalues[0]
    assert row1[:128] == (-1,) * 128 and row1[128:192] == (0,) * 64 and row1[192:] == (1,) * 64
    row2 = table.pvalues[1]
    # key k is x = k/256; the first v whose p_int_ub exceeds x: 0.75000001 takes k = 192 too
    assert [row2.count(v) for v in (-2, -1, 0, 1, 2)] == [32, 32, 129, 31, 32]
    # every count from 2 up uses row 2 (sdcTools: "i >= 2")
    assert [table.row(c) for c in (1, 2, 3, 1000)] == [1, 2, 2, 2]
    # the same, comma-separated and without p_int_lb and type (TauArgus's export)
    commas = [",".join(r.split(";")[:5] + r.split(";")[5:6]) for r in sdc_rows()]
    plain = read_ptable(write_sdc(tmp_path / "q.csv", commas, "i,j,p,v,p_int_lb,p_int_ub"))
    assert plain.pvalues == table.pvalues


def test_an_sdctools_table_missing_a_column_names_it(tmp_path: Path) -> None:
    rows = [";".join(r.split(";")[:5] + r.split(";")[6:]) for r in sdc_rows()]
    with pytest.raises(SpecError) as error:
        read_ptable(write_sdc(tmp_path / "p.csv", rows, "i;j;p;v;p_int_lb;type"))
    assert problems(error) == [
        f"{tmp_path / 'p.csv'}: column p_int_ub: missing; valid: i, j, p, v, p_int_lb, type"
    ]


def test_an_sdctools_table_with_a_duplicate_gap_or_bad_value_says_where(tmp_path: Path) -> None:
    rows = sdc_rows()
    duplicate = [*rows[:3], "1;1;0.25;0;0.5;0.75;all", *rows[3:]]
    with pytest.raises(SpecError, match=r"line 5, columns i, v: duplicate \(also on line 4\)"):
        read_ptable(write_sdc(tmp_path / "p.csv", duplicate))
    gap = [r.replace("2;", "3;", 1) if r.startswith("2;") else r for r in rows]
    gap = [(f"3;{int(r.split(';')[1]) + 1}" + r[3:]) if r.startswith("3;") else r for r in gap]
    with pytest.raises(
        SpecError, match=r"column i: no rows for the count 2 \(i must run 1 to 3\); \(got '2'\)"
    ):
        read_ptable(write_sdc(tmp_path / "p.csv", gap))
    bad = [*rows]
    bad[1] = "1;0;0.5;-1.5;0;0.5;all"
    with pytest.raises(SpecError, match=r"line 3, column v: not a whole number; \(got '-1.5'\)"):
        read_ptable(write_sdc(tmp_path / "p.csv", bad))
    odd = [r.replace("all", "odd") if r.startswith("1;1") else r for r in rows]
    with pytest.raises(SpecError, match=r"line 4, column type: a ptable for counts has type"):
        read_ptable(write_sdc(tmp_path / "p.csv", odd))
    short = [*rows[:-1], "2;4;0.1;2;0.875;0.975;all"]
    with pytest.raises(SpecError, match=r"line 10, column p_int_ub: .* must end at 1"):
        read_ptable(write_sdc(tmp_path / "p.csv", short))
    wrong_j = [*rows]
    wrong_j[2] = "1;2;0.25;0;0.5;0.75;all"
    with pytest.raises(SpecError, match=r"line 4, column j: must be i \+ v; \(got '2'\)"):
        read_ptable(write_sdc(tmp_path / "p.csv", wrong_j))


# --- the default table, from its CSV ------------------------------------------------------


def default_rows() -> dict[int, list[int]]:
    frame = pl.read_csv(DEFAULT_CSV)
    assert frame.columns == ["pcv", "ckey", "pvalue"]
    assert frame.height == frame.select("pcv", "ckey").unique().height
    return {
        pcv: group.sort("ckey")["pvalue"].to_list()
        for (pcv,), group in frame.group_by("pcv", maintain_order=True)
    }


STATED = {  # count row -> (largest perturbation, variance), as the module docstring states
    1: (3, Fraction(129, 64)),
    2: (2, Fraction(65, 32)),
    3: (3, Fraction(13, 16)),
    4: (2, Fraction(3, 4)),
    **{pcv: (2, Fraction(1)) for pcv in range(5, 751)},
}


def test_the_default_table_is_unbiased_bounded_and_never_publishes_1_or_2() -> None:
    rows = default_rows()
    assert sorted(rows) == list(range(1, 751))
    for pcv, pvalues in rows.items():
        assert len(pvalues) == KEY_RANGE
        assert sum(pvalues) == 0, f"row {pcv} is biased"
        largest, variance = STATED[pcv]
        assert max(abs(p) for p in pvalues) == largest
        assert Fraction(sum(p * p for p in pvalues), KEY_RANGE) == variance
        assert all(pcv + p >= 0 and pcv + p not in (1, 2) for p in pvalues), pcv
    # counts above the table: every count from 1 to 5000 under every key
    table = default_ptable()
    assert table.pvalues == tuple(tuple(rows[p]) for p in range(1, 751))
    for count in range(1, 5001):
        published = {count + table.pvalue(count, k) for k in range(KEY_RANGE)}
        assert published.isdisjoint({1, 2}) and min(published) >= 0
        assert sum(table.pvalue(count, k) for k in range(KEY_RANGE)) == 0
    assert table.source == "default" and table.reused_rows == 250


def test_the_default_table_is_what_its_script_writes(tmp_path: Path) -> None:
    import runpy

    script = runpy.run_path(str(ROOT / "scripts/make_ptable.py"))
    script["main"](tmp_path)
    data = DEFAULT_CSV.parent
    assert (tmp_path / "ptable_default.csv").read_bytes() == DEFAULT_CSV.read_bytes()
    assert (tmp_path / "ptable_default.md").read_bytes() == (
        data / "ptable_default.md"
    ).read_bytes()


# --- perturb -------------------------------------------------------------------------------


def hand_table() -> pl.DataFrame:
    # sex x (total): count, record-key sum -> cell key = sum mod 256
    return pl.DataFrame(
        {
            "sex": ["_T", "1", "2", "3"],
            N_UNWEIGHTED: [1006, 1, 5, 1000],
            RECORD_KEYS: [300 + 256 * 10, 255, 1000, 256 * 5 + 45],
        }
    )


def test_perturb_adds_the_pvalue_of_each_cells_count_and_key_margins_too() -> None:
    table = default_ptable()
    out = perturb(table_of(hand_table(), ["sex"]), table)
    # keys: total 300 % 256 = 44, "1": 255, "2": 1000 % 256 = 232, "3": 45
    expected = [
        1006 + table.pvalues[table.row(1006) - 1][44],
        1 + table.pvalues[0][255],
        5 + table.pvalues[4][232],
        1000 + table.pvalues[table.row(1000) - 1][45],
    ]
    assert expected == [1006 - 1, 4, 6, 999]
    assert out.cells[N_UNWEIGHTED].to_list() == expected
    assert out.cells[VALUE].to_list() == [float(v) for v in expected]
    assert out.cells["sex"].to_list() == ["_T", "1", "2", "3"]
    # the total is perturbed on its own: not the sum of its published parts
    assert expected[0] != sum(expected[1:])


def test_a_count_of_0_stays_0_whatever_its_key() -> None:
    rows = [(pcv, k, 3) for pcv in (1, 2) for k in range(256)]
    table = PTable(tuple(tuple(p for _, _, p in rows[i * 256 : (i + 1) * 256]) for i in (0, 1)), 1)
    cells = pl.DataFrame({"sex": ["_T", "1"], N_UNWEIGHTED: [0, 0], RECORD_KEYS: [0, None]})
    out = perturb(table_of(cells, ["sex"]), table)
    assert out.cells[N_UNWEIGHTED].to_list() == [0, 0]


def test_the_same_records_get_the_same_value_in_every_table() -> None:
    rng = np.random.default_rng(7)
    data = pl.DataFrame(
        {
            "a": rng.integers(0, 4, 3000),
            "b": rng.integers(0, 3, 3000),
            "c": rng.integers(0, 5, 3000),
            KEY: rng.integers(0, 256, 3000),
        }
    )
    table = default_ptable()
    ab = perturb(counted(data, ["a", "b"]), table).cells
    ac = perturb(counted(data, ["a", "c"], "other"), table).cells
    # the a-margins of both tables are the same records: the same published values
    margin_ab = ab.filter(pl.col("b") == "_T").select("a", N_UNWEIGHTED)
    margin_ac = ac.filter(pl.col("c") == "_T").select("a", N_UNWEIGHTED)
    assert margin_ab.equals(margin_ac)
    # and a run again gives the same table
    assert perturb(counted(data, ["a", "b"]), table).cells.equals(ab)
    # a different key sum can change the value: the key, not the count, drives it
    shifted = counted(data.with_columns((pl.col(KEY) + 1) % 256), ["a", "b"])
    assert not perturb(shifted, table).cells[N_UNWEIGHTED].equals(ab[N_UNWEIGHTED])


def test_perturb_refuses_weighted_tables_and_tables_without_keys() -> None:
    from dataclasses import replace

    table = table_of(hand_table(), ["sex"])
    with pytest.raises(CensusmigError, match="is weighted: the cell-key method"):
        perturb(replace(table, weighted=True), default_ptable())
    no_keys = replace(table, cells=table.cells.drop(RECORD_KEYS))
    with pytest.raises(CensusmigError, match="_record_keys measure"):
        perturb(no_keys, default_ptable())
