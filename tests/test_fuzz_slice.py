"""A bounded slice of the generated-input suite (``make fuzz`` runs 1,000+ cases).

Cases 0-47 of seed 12 rotate through the five families (data files, profiles, recipes,
options, and five folders of Parquet files, none of them on Spark); every one runs the real
CLI and must keep every promise the oracle checks (exit 0/1/2, no traceback, no planted marker
in any message or output, no leftover temporary file, records counted and tables reconciled;
a legal folder tabulates as its single file does, an illegal one ends in exit 2 and one line).
A failure names the case: rerun it alone with
``python scripts/fuzz.py --seed 12 --only <id> --keep``.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from fuzz.generators import FAMILIES, Case, generate_case
from fuzz.oracle import Outcome, run_case

SEED = 12
CASES = 48


def test_generated_cases_keep_every_promise(tmp_path: Path) -> None:
    cases = [generate_case(SEED, index) for index in range(CASES)]
    assert {case.family for case in cases} == set(FAMILIES)
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes: list[Outcome] = list(pool.map(lambda case: run_case(case, tmp_path), cases))
    failing = [
        f"case {o.case.case_id} ({o.case.family}: {o.case.kind}; censusmig "
        f"{' '.join(o.case.argv)}): exit {o.exit_code}, {', '.join(o.problems)}"
        for o in outcomes
        if not o.passed
    ]
    assert not failing, f"{len(failing)} of {CASES} generated cases failed:\n" + "\n".join(failing)


def test_generation_is_deterministic() -> None:
    first, again = generate_case(SEED, 5), generate_case(SEED, 5)
    assert (first.argv, first.files, first.kind) == (again.argv, again.files, again.kind)
    assert generate_case(SEED, 6).marker != first.marker


def test_oracle_sees_a_lost_record_and_a_leaked_marker(tmp_path: Path) -> None:
    # The oracle itself is tested on a valid file: one record more than written is a count
    # mismatch, and a marker that inspect prints (a column name, which it must print) is a leak.
    case = Case(
        case_id=99_999,
        family="data",
        kind="oracle self-test",
        command="inspect",
        argv=["inspect", "in/data.csv", "--json"],
        files={"in/data.csv": b"SEX,ZQXCOLUMN\n1,a\n2,b\n"},
        marker="ZQXCOLUMN",
        expected_records=3,
    )
    outcome = run_case(case, tmp_path)
    assert outcome.exit_code == 0
    assert outcome.problems == ["marker_leak_stdout", "record_count_mismatch"]


def test_oracle_sees_a_folder_that_tabulates_unlike_its_single_file(tmp_path: Path) -> None:
    # A legal folder case whose "single file" holds every person twice (the copies under
    # new ids): the folder's tables, right in themselves, no longer equal the single file's.
    case = generate_case(SEED, 35)
    assert case.family == "folder" and [r.label for r in case.reruns] == ["single_file"]
    single = pl.read_parquet(io.BytesIO(case.files["in/single.parquet"]))
    assert single.height
    copies = single.with_columns(pl.col("PERSON_ID") + 1_000_000)
    buffer = io.BytesIO()
    pl.concat([single, copies]).write_parquet(buffer)
    case.files["in/single.parquet"] = buffer.getvalue()
    outcome = run_case(case, tmp_path)
    assert outcome.exit_code == 0
    assert outcome.problems == ["single_file_tables_differ"]
