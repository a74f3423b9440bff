"""Issue 12, limits: numeric options, recipe numbers and table sizes stop with a clear error.

Every number a user gives (an option, a recipe's condition, top, breaks) is bounded by what
makes sense, and a table whose dimensions multiply beyond ``max_cells`` stops before any
data are read: exit 2, a message naming the setting, the file and key, and the valid range.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError, SpecError
from censusmig.profiles.model import Profile, read_profile
from censusmig.recipes.catalog import load_catalog, select_recipes
from censusmig.recipes.model import read_recipe
from censusmig.tables.engine import TableTooLargeError, table_size
from helpers import SAMPLE_DIR, SAMPLE_PROFILE, people

MARKER = "ZQXMARKER7731"
"""A free-text value planted in the data: no message may show it."""


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    rows = [(1, 30, 900), (2, 40, 900), (1, 8, 900), (2, 70, 900)]  # native-born, 4 regions
    frame = people(rows, REGION=[1, 2, 3, 4], REGION_BIRTH=[4, 3, 2, 1])
    frame.with_columns(pl.lit(MARKER).alias("NOTE")).write_csv(path)
    return path


def _recipe(folder: Path, name: str, body: str, rows: str = '["age_group"]') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(
        f'schema_version = 1\nid = "{name}"\ntitle = "T"\ndescription = "d"\n'
        'standard = ["x"]\nuniverse = { label = "All", where = [] }\n'
        f'rows = {rows}\ncolumns = ["sex", "country_of_birth"]\n{body}\n',
        encoding="utf-8",
    )
    return path


# --- A. command-line options --------------------------------------------------------------


def test_batch_rows_above_uint32_is_a_clear_error(data: Path, tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        "tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o"),
        "--batch-rows", str(2**32),
    )  # fmt: skip
    assert code == 2
    assert stderr.endswith(
        "censusmig: error: --batch-rows must be at most 4,294,967,295 (got 4,294,967,296)\n"
    )
    assert not (tmp_path / "o").exists()


def test_batch_rows_at_its_maximum_still_runs(data: Path) -> None:
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=["nativity_age_sex"], batch_rows=2**32 - 1)
    assert run.record.input.records == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed must be at least 0 (got -1)"),
        (["--seed", str(2**32)], "--seed must be at most 4,294,967,295 (got 4,294,967,296)"),
        (["--persons", "0"], "--persons must be at least 1 (got 0)"),
        (["--persons", str(10**17)], "--persons must be at most 1,000,000,000"),
        (["--persons", str(10**40)], "(got a number of more than 30 digits)"),
    ],
)
def test_sample_seed_and_persons_out_of_range_are_clear_errors(
    tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "s.csv"
    code, stdout, stderr = invoke("sample", "--out", str(target), *args)
    assert code == 2
    assert stderr.startswith("censusmig: error: ") and message in stderr, stderr
    assert "Generating" not in stderr and "Traceback" not in stderr
    assert not target.exists()


def test_sample_seed_range_in_the_api() -> None:
    with pytest.raises(CensusmigError, match=r"^seed must be at least 0 \(got -1\)$"):
        api.write_sample(10, -1, "x.csv")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["inspect", "{data}", "--max-codes", str(10**23)],
         "--max-codes must be at most 1,000,000"),
        (["check", "{data}", "-p", "{profile}", "--max-ids", str(10**7)],
         "--max-ids must be at most 1,000,000 (got 10,000,000)"),
        (["tabulate", "{data}", "-p", "{profile}", "-o", "{out}", "--max-cells", "0"],
         "--max-cells must be at least 1 (got 0)"),
        (["tabulate", "{data}", "-p", "{profile}", "-o", "{out}", "--max-cells", str(10**10)],
         "--max-cells must be at most 1,000,000,000"),
    ],
)  # fmt: skip
def test_every_numeric_option_is_bounded(
    data: Path, tmp_path: Path, command: list[str], message: str
) -> None:
    values = {"data": str(data), "profile": str(SAMPLE_PROFILE), "out": str(tmp_path / "o")}
    code, stdout, stderr = invoke(*(part.format(**values) for part in command))
    assert code == 2
    assert message in stderr and stdout == "", stderr


def test_profile_init_out_folder_is_a_clear_error(data: Path, tmp_path: Path) -> None:
    for target in (".", str(tmp_path)):
        code, stdout, stderr = invoke("profile", "init", str(data), "--out", target, "--force")
        assert code == 2
        assert "--out must name a file, got a folder" in stderr
        assert "profile.toml" in stderr  # the fix it suggests
    assert list(tmp_path.glob("*.toml")) == []


@pytest.mark.parametrize("group", [[], ["recipes"], ["profile"], ["-q"]])
def test_no_command_prints_the_help_on_stderr_with_exit_2(group: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "censusmig", *group], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Usage:" in done.stderr and "Commands" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_asked_for_still_goes_to_stdout_with_exit_0() -> None:
    code, stdout, stderr = invoke("recipes", "--help")
    assert code == 0 and "Usage:" in stdout


# --- B. recipe numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("age >= ²", "written in digits 0-9"),
        ("age >= --15", "written in digits 0-9"),
        ("age >= ١٥", "written in digits 0-9"),
        ("age >= 1e3", "written in digits 0-9"),
        ("age >= 151", "from 0 to 150"),
        ("age >= " + "9" * 40, "written in digits 0-9"),
        ("year_of_arrival >= 1700", "from 1800 to 2200"),
    ],
)
def test_recipe_condition_unicode_digits_or_double_minus_is_a_validation_error(
    tmp_path: Path, condition: str, words: str
) -> None:
    path = _recipe(tmp_path, "bad", "")
    text = path.read_text(encoding="utf-8").replace("where = []", f'where = ["{condition}"]')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_recipe(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.key == "universe.where[0]"
    assert words in problem.message


@pytest.mark.parametrize("top", ["1000000000000000000000000000000", "0", "-3", "1001", "2.5"])
def test_recipe_top_out_of_range_is_a_validation_error(tmp_path: Path, top: str) -> None:
    path = _recipe(tmp_path, "bad", f"[categories.country_of_birth]\ntop = {top}")
    with pytest.raises(SpecError) as caught:
        read_recipe(path)
    (problem,) = caught.value.problems
    assert problem.key == "categories.country_of_birth.top"
    assert "from 1 to 1000" in problem.message


def test_recipe_top_at_its_maximum_is_valid(tmp_path: Path) -> None:
    path = _recipe(tmp_path, "ok", "[categories.country_of_birth]\ntop = 1000")
    assert read_recipe(path).top == {"country_of_birth": 1000}


@pytest.mark.parametrize(
    ("breaks", "words"),
    [
        ("[0, 100000000000000000000]", "breaks of age_group must be from 0 to 150"),
        ("[0, 1000000000000000000]", "breaks of age_group must be from 0 to 150"),
        ("[0, 151]", "breaks of age_group must be from 0 to 150"),
        ("[0, 1e20]", "increasing whole numbers"),
        ("[0, 15.5]", "increasing whole numbers"),
        ("[0, 15, 10]", "increasing whole numbers"),
        ("[0, 15, 15]", "increasing whole numbers"),
        ("[-5, 15]", "increasing whole numbers"),
    ],
)
def test_recipe_huge_break_is_a_validation_error_not_20_gb(
    tmp_path: Path, breaks: str, words: str
) -> None:
    path = _recipe(tmp_path, "bad", f"[categories.age_group]\nbreaks = {breaks}")
    with pytest.raises(SpecError) as caught:
        read_recipe(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.key == "categories.age_group.breaks"
    assert words in problem.message


def test_period_of_arrival_breaks_reach_200_years(tmp_path: Path) -> None:
    body = "[categories.period_of_arrival]\nbreaks = [0, 5, 200]"
    read_recipe(_recipe(tmp_path, "ok", body, rows='["period_of_arrival"]'))
    bad = _recipe(tmp_path, "bad", "[categories.period_of_arrival]\nbreaks = [0, 5, 201]",
                  rows='["period_of_arrival"]')  # fmt: skip
    with pytest.raises(SpecError, match="breaks of period_of_arrival must be from 0 to 200"):
        read_recipe(bad)


def test_recipe_number_beyond_4300_digits_is_a_spec_error(tmp_path: Path) -> None:
    path = _recipe(tmp_path, "bad", f"[categories.age_group]\nbreaks = [0, {'9' * 5000}]")
    with pytest.raises(SpecError, match="a number has more than 4,300 digits"):
        read_recipe(path)


def test_bad_recipe_number_exits_2_naming_the_file_and_key(data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "recipes"
    path = _recipe(folder, "bad", "[categories.country_of_birth]\ntop = 1000000000000000000000")
    code, stdout, stderr = invoke(
        "tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o"),
        "--recipes-dir", str(folder), "-r", "bad",
    )  # fmt: skip
    assert code == 2
    assert f"{path}: categories.country_of_birth.top: must be a whole number from 1 to 1000" in (
        stderr
    )
    assert "Traceback" not in stderr


# --- C. cell-count limit -------------------------------------------------------------------

EIGHT = '["age_group", "sex", "country_of_birth", "citizenship"]'


def _eight_dimensions(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "big8.toml"
    path.write_text(
        'schema_version = 1\nid = "big8"\ntitle = "T"\ndescription = "d"\nstandard = ["x"]\n'
        'universe = { label = "All", where = [] }\n'
        f"rows = {EIGHT}\n"
        'columns = ["region", "education", "period_of_arrival", "residence_5_years_ago"]\n',
        encoding="utf-8",
    )
    return path


def test_eight_dimension_recipe_stops_before_reading_the_data(tmp_path: Path) -> None:
    folder = tmp_path / "recipes"
    path = _eight_dimensions(folder)
    missing = tmp_path / "no_such_file.csv"  # never opened: the limit is checked first
    code, stdout, stderr = invoke(
        "tabulate", str(missing), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o"),
        "--recipes-dir", str(folder), "-r", "big8",
    )  # fmt: skip
    assert code == 2 and stdout == ""
    assert f"recipe 'big8' ({path}) would make a table of about" in stderr
    assert "above the limit of 1,000,000 (--max-cells)" in stderr
    assert "age_group 23 x sex 7 x country_of_birth 296 x citizenship 296" in stderr
    assert "drop country_of_birth and citizenship" in stderr
    assert "[categories.country_of_birth] top = 20" in stderr
    assert "or raise --max-cells" in stderr
    assert "not found" not in stderr
    assert not (tmp_path / "o").exists()


def test_max_cells_raises_the_limit(data: Path) -> None:
    with pytest.raises(TableTooLargeError) as caught:
        api.tabulate(data, SAMPLE_PROFILE, recipes=["nativity_age_sex"], max_cells=1_000)
    assert caught.value.size.cells == 23 * 7 * 7
    assert "raise max_cells" in str(caught.value)
    assert caught.value.exit_code == 2
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=["nativity_age_sex"], max_cells=23 * 7 * 7)
    assert run.tables[0].cells.height <= 23 * 7 * 7


def _unlabelled(tmp_path: Path) -> Path:
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    text = re.sub(r", labels = \{[^}]*\}", "", text)
    path = tmp_path / "unlabelled.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_areas_no_profile_labels_are_counted_from_the_data(data: Path, tmp_path: Path) -> None:
    profile = _unlabelled(tmp_path)
    recipe = ["internal_lifetime_origin_destination"]
    size = table_size(read_profile(profile), load_catalog()[recipe[0]])
    assert dict(size.categories) == {"place_of_birth": None, "region": None}
    # Four regions observed: 1 + 4 + 4 special codes along each dimension.
    with pytest.raises(TableTooLargeError) as caught:
        api.tabulate(data, profile, recipes=recipe, max_cells=80)
    assert dict(caught.value.size.categories) == {"place_of_birth": 9, "region": 9}
    assert MARKER not in str(caught.value)
    api.tabulate(data, profile, recipes=recipe, max_cells=81)


def test_every_table_size_is_an_upper_bound_of_the_cells_written(
    data: Path, catalog: dict[str, object], profile: Profile
) -> None:
    run = api.tabulate(data, SAMPLE_PROFILE)
    recipes = {r.id: r for r in select_recipes(load_catalog(), profile, ())[0]}
    for table in run.tables:
        assert table.cells.height <= table_size(profile, recipes[table.recipe_id]).cells


def test_standard_recipes_stay_under_the_default_limit() -> None:
    catalog = load_catalog([Path(__file__).parent / "data" / "public" / "recipes"])
    profiles = [SAMPLE_PROFILE, *sorted((SAMPLE_DIR.parent / "profiles").glob("*.toml"))]
    largest = 0
    for path in profiles:
        profile = read_profile(path)
        for recipe in select_recipes(catalog, profile, ())[0]:
            largest = max(largest, table_size(profile, recipe).cells)
    assert largest == 205_128  # foreign_born_period_of_arrival_country_of_birth, sample
    assert largest < api.DEFAULT_MAX_CELLS


# --- D. universe codes the profile does not have -------------------------------------------


def _universe_recipe(folder: Path, where: str) -> Path:
    path = _recipe(folder, "regional", "")
    text = path.read_text(encoding="utf-8").replace("where = []", f"where = [{where!r}]")
    path.write_text(text, encoding="utf-8")
    return folder


def test_universe_region_code_the_profile_lacks_is_refused_not_an_empty_table(
    data: Path, tmp_path: Path
) -> None:
    folder = _universe_recipe(tmp_path / "recipes", "region = 99")
    code, _, stderr = invoke(
        "tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(tmp_path / "o"),
        "--recipes-dir", str(folder), "--recipe", "regional",
    )  # fmt: skip
    assert code == 2
    assert "'region = 99' names region code(s) '99'" in stderr
    assert "its codes: 1, 2, 3, 4, 5, 6" in stderr
    assert not (tmp_path / "o").exists()


def test_universe_region_code_written_with_a_leading_zero_is_refused(
    data: Path, tmp_path: Path
) -> None:
    """The tables compare area codes as the profile writes them: "01" would select nobody."""
    folder = _universe_recipe(tmp_path / "recipes", "region in 01, 2")
    with pytest.raises(CensusmigError, match="names region code\\(s\\) '01'"):
        api.tabulate(data, SAMPLE_PROFILE, recipes=["regional"], recipes_dirs=[folder])


def test_universe_region_codes_the_profile_has_are_accepted(data: Path, tmp_path: Path) -> None:
    folder = _universe_recipe(tmp_path / "recipes", "region in 1, 2")
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=["regional"], recipes_dirs=[folder])
    cells = run.tables[0].cells
    total = cells.filter((pl.col("age_group") == "_T") & (pl.col("sex") == "_T"))
    assert total.filter(pl.col("country_of_birth") == "_T")["value"].unique().to_list() == [2]
