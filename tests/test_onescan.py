"""The edit checks in the tables' one read of the data, sliced like the tables.

Checks counted slice by slice (and merged) give the report of the whole file, ids lists and
the verdict on repeated ids included; ``tabulate`` with edit checks reads the data once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.io.plugins import register_io_source

from censusmig import api
from censusmig.profiles.model import Profile, read_profile
from censusmig.recipes.model import Recipe
from censusmig.tables import checks as checks_module
from censusmig.tables.backend import POLARS
from censusmig.tables.checks import (
    CheckReport,
    IdOrder,
    check_frames,
    merge_checks,
    plan_checks,
    read_checks,
    run_checks,
)
from censusmig.tables.engine import compute_tables, plan_run
from censusmig.tables.plan import Partial, Plan
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

SLICE = 997


@pytest.fixture(scope="module")
def sample_profile() -> Profile:
    return read_profile(SAMPLE_PROFILE)


@pytest.fixture(scope="module")
def sample() -> pl.DataFrame:
    return pl.read_parquet(SAMPLE_DIR / "census.parquet")


@pytest.fixture(scope="module")
def dirty(sample: pl.DataFrame) -> pl.DataFrame:
    """The sample shuffled, with repeated ids (some in another household) and missing ids."""
    moved = sample.head(50).with_columns(pl.col("HH_ID") + 1)
    frame = pl.concat([sample, moved, sample.slice(7000, 30)]).sample(
        fraction=1.0, shuffle=True, seed=3
    )
    every_997th = pl.int_range(pl.len()) % SLICE == 5
    return frame.with_columns(
        pl.when(every_997th).then(None).otherwise(pl.col("PERSON_ID")).alias("PERSON_ID")
    )


def _report(frame: pl.DataFrame, profile: Profile, batch_rows: int | None) -> CheckReport:
    return run_checks(frame.lazy(), profile, show_ids=True, max_ids=1_000, batch_rows=batch_rows)


def test_sliced_checks_equal_the_whole_file(sample: pl.DataFrame, sample_profile: Profile) -> None:
    whole = _report(sample, sample_profile, None)
    sliced = _report(sample, sample_profile, SLICE)
    assert sliced == whole
    assert whole.result("unknown_code").records == 30
    assert len(whole.result("unknown_code").ids) == 30
    capped = run_checks(sample.lazy(), sample_profile, show_ids=True, max_ids=3, batch_rows=SLICE)
    assert capped.result("unknown_code").ids == whole.result("unknown_code").ids[:3]


def test_sliced_checks_find_repeats_across_slices(
    dirty: pl.DataFrame, sample_profile: Profile
) -> None:
    whole = _report(dirty, sample_profile, None)
    sliced = _report(dirty, sample_profile, SLICE)
    assert sliced == whole
    # 80 ids twice (less those made missing), and the missing ids, one in every slice
    repeated = dirty["PERSON_ID"].is_duplicated()
    assert whole.result("duplicate_person_id").records == repeated.sum() > 150
    assert whole.result("person_in_two_households").records > 0
    assert whole.result("duplicate_person_id").ids[:3] == tuple(
        "?" if i is None else str(i)
        for i in dirty.filter(pl.struct("PERSON_ID").is_duplicated())["PERSON_ID"].head(3)
    )


def test_ids_increasing_within_slices_but_not_across(
    sample: pl.DataFrame, sample_profile: Profile
) -> None:
    # Each slice of 997 records has increasing ids; the next slice starts lower. Row 0 and
    # row 997 share id 0: a repeat that only the look across slices can see.
    row = pl.int_range(pl.len())
    frame = sample.with_columns(((row % SLICE) * 100_000 + row // SLICE).alias("PERSON_ID"))
    frame = frame.with_columns(
        pl.when(row == SLICE).then(0).otherwise(pl.col("PERSON_ID")).alias("PERSON_ID")
    )
    plan = plan_checks(sample_profile, frame.schema, show_ids=True)
    parts = []
    for start in range(0, frame.height, SLICE):
        part = frame.slice(start, SLICE).lazy()
        derived = part.with_columns(
            checks_module.concept_exprs(sample_profile, frame.schema, plan.concepts)
        ).with_columns(checks_module.nativity_exprs(sample_profile, plan.concepts))
        parts.append(read_checks(plan, pl.collect_all(check_frames(derived, plan))))
    assert all(p.order is not None and p.order.increasing for p in parts)
    merged = merge_checks(parts, plan)
    assert merged.order is not None and not merged.order.increasing
    sliced = _report(frame, sample_profile, SLICE)
    assert sliced == _report(frame, sample_profile, None)
    assert sliced.result("duplicate_person_id").records == 2
    assert sliced.result("duplicate_person_id").ids == ("0", "0")


def test_id_order_across_stretches() -> None:
    one, two = IdOrder((1,), (5,), True), IdOrder((6,), (9,), True)
    empty = IdOrder(None, None, True)
    assert one.then(two) == IdOrder((1,), (9,), True)
    assert not two.then(one).increasing
    assert one.then(empty).then(two) == IdOrder((1,), (9,), True)
    assert not one.then(IdOrder((5,), (7,), True)).increasing  # 5 twice
    assert not one.then(IdOrder((6,), (9,), False)).increasing
    # several id columns compare as the file is sorted: household, then person
    assert IdOrder((7, 2), (7, 9), True).then(IdOrder((8, 1), (8, 1), True)).increasing


def test_ids_of_several_text_columns_increase(
    sample: pl.DataFrame, sample_profile: Profile
) -> None:
    profile = dataclasses.replace(sample_profile, person_id=("HH_ID", "PERSON_ID"))
    frame = sample.head(4).with_columns(
        pl.Series("HH_ID", ["a", "a", "b", "b"]), pl.Series("PERSON_ID", ["1", "2", "1", "1"])
    )
    plan = plan_checks(profile, frame.schema)
    assert plan.ordered_ids == ("HH_ID", "PERSON_ID")

    def increasing(part: pl.DataFrame) -> bool:
        derived = part.lazy().with_columns(
            checks_module.concept_exprs(profile, part.schema, plan.concepts)
        )
        derived = derived.with_columns(checks_module.nativity_exprs(profile, plan.concepts))
        order = read_checks(plan, pl.collect_all(check_frames(derived, plan))).order
        assert order is not None
        return order.increasing

    assert increasing(frame.head(3))
    assert not increasing(frame)  # b-1 twice
    assert not increasing(frame.reverse().head(2))
    assert run_checks(frame.lazy(), profile).result("duplicate_person_id").records == 2


def test_record_numbers_count_across_slices(sample: pl.DataFrame, sample_profile: Profile) -> None:
    profile = dataclasses.replace(sample_profile, person_id=())
    whole = _report(sample, profile, None)
    assert whole.result("unknown_code").ids[0].startswith("record ")
    assert _report(sample, profile, SLICE) == whole


def test_repeated_ids_in_several_rounds(
    dirty: pl.DataFrame, sample_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_round = _report(dirty, sample_profile, None)
    monkeypatch.setattr(checks_module, "HASHES_PER_ROUND", 1_000)  # 21 rounds
    assert _report(dirty, sample_profile, SLICE) == one_round


# --- one read -------------------------------------------------------------------------------


class Reads:
    """A person file served by a Python source that counts its reads and their columns."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.data = frame
        self.columns: list[list[str] | None] = []

    def frame(self) -> pl.LazyFrame:
        def read(
            with_columns: list[str] | None,
            predicate: pl.Expr | None,
            n_rows: int | None,
            batch_size: int | None,
        ) -> Iterator[pl.DataFrame]:
            self.columns.append(with_columns)
            data = self.data if with_columns is None else self.data.select(with_columns)
            if predicate is not None:
                data = data.filter(predicate)
            yield data if n_rows is None else data.head(n_rows)

        return register_io_source(read, schema=self.data.schema)


def test_tabulate_with_checks_reads_the_data_once(
    sample: pl.DataFrame, sample_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    recipes = list(catalog.values())[:3]
    reads = Reads(sample)
    plan = plan_checks(sample_profile, sample.schema)
    result = compute_tables(reads.frame(), sample_profile, recipes, checks=plan)
    assert len(reads.columns) == 1  # tables and checks: one read
    assert result.checks == run_checks(sample.lazy(), sample_profile)
    plain = compute_tables(sample.lazy(), sample_profile, recipes)
    assert all(t.cells.equals(p.cells) for t, p in zip(result.tables, plain.tables, strict=True))


def test_repeated_ids_cost_one_read_of_the_id_columns(
    dirty: pl.DataFrame, sample_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    recipes = list(catalog.values())[:2]
    reads = Reads(dirty)
    plan = plan_checks(sample_profile, dirty.schema, show_ids=True)
    result = compute_tables(reads.frame(), sample_profile, recipes, checks=plan)
    # the tables' read; the ids hashed; the records whose hash repeats, ids and households
    assert len(reads.columns) == 3
    assert reads.columns[1] == ["PERSON_ID"]
    assert sorted(reads.columns[2] or []) == ["HH_ID", "PERSON_ID"]
    assert result.checks == run_checks(dirty.lazy(), sample_profile, show_ids=True)


class NoChecksBackend:
    """A backend that knows only the tables: it drops what the Polars backend checked."""

    name = "no-checks"

    def aggregate(self, frame: pl.LazyFrame, plan: Plan) -> Partial:
        return dataclasses.replace(POLARS.aggregate(frame, plan), checks=None)


def test_a_backend_without_checks_still_gives_them(
    sample: pl.DataFrame, sample_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    recipes = list(catalog.values())[:2]
    plan = plan_checks(sample_profile, sample.schema)
    result = compute_tables(
        sample.lazy(),
        sample_profile,
        recipes,
        batch_rows=5000,
        backend=NoChecksBackend(),
        checks=plan,
    )
    assert result.checks == run_checks(sample.lazy(), sample_profile)


def test_a_data_column_named_like_a_dimension_keeps_its_codes(
    sample: pl.DataFrame, sample_profile: Profile, catalog: dict[str, Recipe]
) -> None:
    # The tables replace a data column "sex" with the sex dimension: the checks, which report
    # the data's codes, run in a read of their own then.
    frame = sample.rename({"SEX": "sex"}).with_columns(
        pl.when(pl.int_range(pl.len()) < 5).then(7).otherwise(pl.col("sex")).alias("sex")
    )
    sex = dataclasses.replace(sample_profile.concepts["sex"], column="sex")
    profile = dataclasses.replace(sample_profile, concepts={**sample_profile.concepts, "sex": sex})
    recipes = [r for r in catalog.values() if "sex" in r.dimensions][:1]
    plan = plan_checks(profile, frame.schema)
    assert plan_run(profile, recipes, checks=plan).checks is None
    assert plan_run(sample_profile, recipes, checks=plan_checks(sample_profile, sample.schema))
    result = compute_tables(frame.lazy(), profile, recipes, checks=plan)
    assert result.checks == run_checks(frame.lazy(), profile)
    assert result.checks is not None
    assert result.checks.result("unknown_code").detail["sex=7"] == 5
    # The tables' own report names the data's codes too, never the dimension's "_X".
    assert plan_run(profile, recipes).shadowed == {"sex"}
    assert plan_run(sample_profile, recipes).shadowed == frozenset()
    detail = result.checks.result("unknown_code").detail
    assert result.unknown_codes["sex"] == {k: v for k, v in detail.items() if k[:4] == "sex="}
    assert result.unknown_codes["sex"]["sex=7"] == 5
    whole = compute_tables(frame.lazy(), profile, recipes)
    assert whole.unknown_codes == result.unknown_codes
    assert whole.tables[0].cells.equals(result.tables[0].cells)


def test_api_tabulate_counts_checks_in_its_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def second_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the checks were read apart from the tables")

    monkeypatch.setattr("censusmig.tables.engine.scan_checks", second_read)
    run = api.tabulate(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, batch_rows=7000)
    checked = api.check(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE, batch_rows=SLICE)
    assert run.record.edit_checks == checked
    assert checked == api.check(SAMPLE_DIR / "census.parquet", SAMPLE_PROFILE)


def test_check_command_reads_in_the_slices_it_is_given(dirty: pl.DataFrame, tmp_path: Path) -> None:
    """`censusmig check --batch-rows N` gives the whole file's report, ids included."""
    from typer.testing import CliRunner

    from censusmig.cli.main import app

    path = tmp_path / "dirty.parquet"
    dirty.write_parquet(path)
    common = ["check", str(path), "-p", str(SAMPLE_PROFILE), "--json", "--show-ids"]
    whole = CliRunner().invoke(app, common)
    sliced = CliRunner().invoke(app, [*common, "--batch-rows", "997"])
    refused = CliRunner().invoke(app, [*common, "--batch-rows", "0"])
    assert whole.exit_code == sliced.exit_code == 1
    assert sliced.stdout == whole.stdout
    found = {r["id"]: r for r in json.loads(whole.stdout)["results"]}
    assert found["duplicate_person_id"]["records"] > 0
    assert found["person_in_two_households"]["ids"]
    assert refused.exit_code == 2
