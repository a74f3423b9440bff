"""Authoring commands: recipes show, recipes validate, recipes new, profile validate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.dimensions import DIMENSIONS
from censusmig.recipes.translations import Words, translatable
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

SHOWN = "foreign_born_country_of_birth_age_sex"
ANSI = re.compile(r"\x1b\[")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# recipes show


def test_show_speaks_in_titles_and_profile_entries_not_concept_ids() -> None:
    code, stdout, stderr = invoke("recipes", "show", SHOWN)
    assert code == 0, stderr
    assert "Who is counted: Foreign-born usually resident population (Nativity is" in stdout
    assert "Country of birth: countries (ISO 3166 alpha-3 codes) grouped under" in stdout
    assert "Sex: Male, Female; total “Both sexes”." in stdout
    assert "[concepts.country_of_birth]" in stdout and "[concepts.age]" in stdout
    assert "Rows: country_of_birth" not in stdout
    # the standard's abbreviation spelled out, from the workbook's glossary
    assert "(United Nations Demographic Yearbook:" in stdout
    assert "censusmig recipes new my_table --from " + SHOWN in stdout
    assert not ANSI.search(stdout)  # not a terminal: no colour codes
    assert max(len(line) for line in stdout.splitlines()) <= 88
    assert all(line == line.rstrip() for line in stdout.splitlines())


def test_show_draws_an_example_layout_without_numbers() -> None:
    explanation = api.explain_recipe(SHOWN)
    example = explanation.example
    assert example.rows[0] == "Total" and example.rows[-1] == "…"
    assert example.columns[0] == ("Both sexes", "Total, all ages")
    assert {cell for row in example.cells for cell in row} == {"n", "…"}
    _, stdout, _ = invoke("recipes", "show", SHOWN)
    assert not re.search(r"\b\d{2,}\b", stdout.split("Example layout")[1].split("Notes")[0])


def test_show_json_is_what_the_api_returns() -> None:
    code, stdout, _ = invoke("recipes", "show", "nativity_age_sex", "--json", "--lang", "fr")
    assert code == 0
    assert json.loads(stdout) == api.explain_recipe("nativity_age_sex", lang="fr").to_dict()


def test_show_in_spanish_and_french() -> None:
    code, stdout, _ = invoke("recipes", "show", "nativity_age_sex", "--lang", "es")
    assert code == 0
    assert "Sexo: Hombres, Mujeres; total “Ambos sexos”." in stdout
    assert "Qué cuenta" in stdout
    french = api.explain_recipe("citizenship_status_age_sex", lang="fr")
    assert french.spanners[1].categories[-1] == "Apatride"
    assert Words("es").country("Mexico") == "México"


def test_every_fixed_label_of_every_dimension_is_translated() -> None:
    labels = set()
    for definition in DIMENSIONS.values():
        labels.add(definition.title)
        for categories in (definition.categories, getattr(definition, "detailed", None)):
            if categories is not None:
                labels |= {c.label for c in categories.categories} | {categories.total_label}
    assert sorted(label for label in labels if not translatable(label)) == []


def test_show_explains_every_bundled_recipe_in_every_language() -> None:
    for entry in api.list_recipes():
        for lang in ("en", "es", "fr"):
            explanation = api.explain_recipe(entry["id"], lang=lang)
            assert explanation.stub and explanation.needs, entry["id"]
            assert all(d.words for d in (*explanation.stub, *explanation.spanners))


def test_show_unknown_language_and_recipe_exit_2() -> None:
    code, stdout, stderr = invoke("recipes", "show", SHOWN, "--lang", "de")
    assert (code, stdout) == (2, "")
    assert "unknown language 'de': choose one of en, es, fr" in stderr
    code, _, stderr = invoke("recipes", "show", SHOWN, "--lang", "esp")
    assert code == 2 and "did you mean 'es'?" in stderr
    code, _, stderr = invoke("recipes", "show", "nativity_age_sx")
    assert code == 2 and "Did you mean 'nativity_age_sex'?" in stderr


# recipes new and recipes validate


def test_new_recipe_copies_validates_and_tabulates(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    code, stdout, stderr = invoke(
        "recipes", "new", "fb_top", "--from", SHOWN, "--recipes-dir", str(folder)
    )
    assert code == 0, stderr
    written = folder / "fb_top.toml"
    assert stdout.strip() == str(written)
    text = written.read_text(encoding="utf-8")
    assert text.startswith(f"# Copied from the bundled recipe {SHOWN}")
    assert 'id = "fb_top"' in text and f'id = "{SHOWN}"' not in text
    assert "# DYB tables by age carry" in text  # the source's comments are kept
    assert api.validate_recipes([written]) == ()
    assert invoke("recipes", "validate", str(written)) == (0, "1 file, 0 problems\n", "")
    run = api.tabulate(
        SAMPLE_DIR / "census.parquet",
        SAMPLE_PROFILE,
        recipes=["fb_top"],
        recipes_dirs=[folder],
        edit_checks=False,
    )
    assert [table.recipe_id for table in run.tables] == ["fb_top"] and run.reconciles


def test_new_recipe_refuses_to_overwrite_and_names_the_nearest(tmp_path: Path) -> None:
    folder = str(tmp_path)
    assert invoke("recipes", "new", "mine", "--from", SHOWN, "--recipes-dir", folder)[0] == 0
    code, stdout, stderr = invoke(
        "recipes", "new", "mine", "--from", SHOWN, "--recipes-dir", folder
    )
    assert (code, stdout) == (2, "") and "exists; use --force to replace it" in stderr
    args = ("recipes", "new", "mine", "--from", SHOWN, "--recipes-dir", folder, "--force")
    assert invoke(*args)[0] == 0
    code, _, stderr = invoke(
        "recipes", "new", "x", "--from", "nativity_age_sx", "--recipes-dir", folder
    )
    assert code == 2 and "Did you mean 'nativity_age_sex'?" in stderr
    code, _, stderr = invoke("recipes", "new", "My-Table", "--from", SHOWN, "--recipes-dir", folder)
    assert code == 2 and "lower-case letters, digits and underscores" in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]


def test_new_recipe_with_a_bundled_id_says_so(tmp_path: Path) -> None:
    notes: list[str] = []
    path = api.new_recipe("nativity_age_sex", SHOWN, tmp_path, note=notes.append)
    assert path == tmp_path / "nativity_age_sex.toml"
    assert notes and "also a bundled recipe" in notes[0]


def test_validate_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    good = api.new_recipe("good", SHOWN, tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(
        good.read_text(encoding="utf-8")
        .replace('id = "good"', 'id = "bad"')
        .replace('"sex", "age_group"', '"sexx", "age_group"')
        .replace('country_order = "size"', 'country_order = "sise"'),
        encoding="utf-8",
    )
    problems = api.validate_recipes([good, bad])
    assert [(p.key, p.value) for p in problems] == [
        ("columns[0]", "sexx"),
        ("options.country_order", "sise"),
    ]
    code, stdout, stderr = invoke("recipes", "validate", str(good), str(bad))
    assert code == 1, stderr
    lines = stdout.splitlines()
    assert lines[0].startswith(f"{bad}: columns[0]: unknown dimension; (got 'sexx')")
    assert lines[0].endswith("did you mean 'sex'?")
    assert lines[-1] == "2 files, 2 problems"
    code, stdout, _ = invoke("recipes", "validate", str(bad), "--json")
    assert code == 1
    assert json.loads(stdout) == [p.to_dict() for p in api.validate_recipes([bad])]
    assert json.loads(stdout)[1]["nearest"] == "size"


def test_validate_a_missing_file_cannot_run(tmp_path: Path) -> None:
    code, stdout, stderr = invoke("recipes", "validate", str(tmp_path / "nope.toml"))
    assert (code, stdout) == (2, "")
    assert "recipe file not found" in stderr and "Traceback" not in stderr


def test_validate_flags_a_file_a_recipe_folder_would_not_load(tmp_path: Path) -> None:
    source = api.new_recipe("other", SHOWN, tmp_path)
    renamed = source.rename(tmp_path / "other.txt")
    keys = [p.key for p in api.validate_recipes([renamed])]
    assert "(file)" in keys


# profile validate


def _draft(tmp_path: Path) -> Path:
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    draft = re.sub(r'(?m)^country = "[A-Z]{3}"', 'country = "REVIEW"', text, count=1)
    assert draft != text
    path = tmp_path / "draft.toml"
    path.write_text(draft, encoding="utf-8")
    return path


def test_profile_validate_accepts_the_sample_with_its_data() -> None:
    data = str(SAMPLE_DIR / "census.parquet")
    assert api.validate_profile(SAMPLE_PROFILE, data) == ()
    code, stdout, stderr = invoke("profile", "validate", str(SAMPLE_PROFILE), "--data", data)
    assert (code, stdout) == (0, "2 files, 0 problems\n"), stderr


def test_profile_validate_reports_placeholders_and_missing_columns(tmp_path: Path) -> None:
    draft = _draft(tmp_path)
    data = tmp_path / "people.csv"
    data.write_text("PERSON_ID,HH_ID,SEX,AGE\n1,1,1,30\n", encoding="utf-8")
    problems = api.validate_profile(draft, data)
    assert problems[0].key == "census.country" and problems[0].value == "REVIEW"
    missing = {p.value: p.key for p in problems[1:]}
    assert missing["POB"] == "concepts.country_of_birth.column"
    assert "SEX" not in missing
    code, stdout, stderr = invoke("profile", "validate", str(draft), "--data", str(data))
    assert code == 1, stderr
    assert "census.country: still the draft's placeholder" in stdout
    code, stdout, _ = invoke("profile", "validate", str(draft), "--data", str(data), "--json")
    assert json.loads(stdout) == [p.to_dict() for p in problems]


def test_profile_validate_accepts_the_reading_options(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    data.write_text("PERSON_ID;HH_ID\n1;1\n", encoding="utf-8")
    args = ("profile", "validate", str(SAMPLE_PROFILE), "--data", str(data))
    code, stdout, _ = invoke(*args, "--delimiter", "semicolon")
    assert code == 1
    assert "column not in the data file" in stdout and "PERSON_ID" not in stdout.split("got")[0]


def test_profile_validate_missing_profile_cannot_run(tmp_path: Path) -> None:
    code, stdout, stderr = invoke("profile", "validate", str(tmp_path / "none.toml"))
    assert (code, stdout) == (2, "") and "profile file not found" in stderr


@pytest.mark.parametrize(
    "command",
    [["recipes", "show"], ["recipes", "validate"], ["recipes", "new"], ["profile", "validate"]],
)
def test_help_has_a_short_first_line_and_metavars_of_its_words(command: list[str]) -> None:
    code, stdout, _ = invoke(*command, "--help")
    assert code == 0
    usage = next(line for line in stdout.splitlines() if "Usage:" in line)
    words = {"show": "ID", "validate": "FILE", "new": "NEW_ID"}
    expected = "PROFILE" if command[0] == "profile" else words[command[1]]
    assert expected in usage
    assert not re.search(r"recipe_id|files|new_id|\{profile\}", usage)  # the words of the text
    first = stdout.split(usage)[1].strip().splitlines()[0].strip()
    assert first.endswith(".") and len(first) <= 80  # one short first line
