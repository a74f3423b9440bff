"""Outputs are atomic, locked and never stale (issue 12): one named test per cause."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from censusmig import api
from censusmig.cli.main import app
from censusmig.errors import CensusmigError
from censusmig.renderers import tidy_csv, workbook
from censusmig.renderers.output_folder import OutputFolderError, output_folder
from censusmig.renderers.registry import output_patterns
from helpers import SAMPLE_DIR, SAMPLE_PROFILE

DATA = SAMPLE_DIR / "census.parquet"
TWO = ("nativity_age_sex", "generation_age_sex")
COMMAND = ("censusmig", "tabulate", "fixed")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def tabulate_cli(out: Path, *extra: str) -> tuple[int, str, str]:
    return invoke(
        "-q", "tabulate", str(DATA), "-p", str(SAMPLE_PROFILE), "-o", str(out), "--no-checks",
        *extra,
    )  # fmt: skip


def run(out: Path, recipes: tuple[str, ...] = TWO, **options: object) -> api.Tabulation:
    return api.tabulate(
        DATA,
        SAMPLE_PROFILE,
        out=out,
        recipes=recipes,
        command=COMMAND,
        **{"edit_checks": False, **options},  # type: ignore[arg-type]
    )


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Temporary folders, set-aside sets and lock files of ``out`` beside it."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture()
def previous(tmp_path: Path) -> Iterator[tuple[Path, dict[str, bytes]]]:
    """An output folder holding a previous run's full set, and its bytes."""
    out = tmp_path / "out"
    run(out)
    yield out, files(out)


# --- 1. written whole, replaced whole, never stale -------------------------------------------


def test_a_rerun_of_one_recipe_leaves_no_stale_outputs_of_the_previous_run(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, before = previous
    assert {"csv/nativity_age_sex.csv", "csv/generation_age_sex.csv", "tables.xlsx"} <= set(before)
    again = run(out, ("nativity_age_sex",), formats=("csv",))
    assert sorted(files(out)) == ["csv/nativity_age_sex.csv", "run.json"]
    assert again.outputs == (out / "csv" / "nativity_age_sex.csv", out / "run.json")
    assert [t["id"] for t in json.loads((out / "run.json").read_text())["tables"]] == [
        "nativity_age_sex"
    ]
    assert leftovers(out) == []


def test_the_outputs_are_written_beside_the_target_and_moved_in_when_complete(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with output_folder(out, ("csv/*.csv",)) as folder:
        assert folder.staging.parent == tmp_path
        assert folder.staging.name.startswith(".out.censusmig-tmp-")
        assert (tmp_path / ".out.censusmig-lock").is_file()
        (folder.staging / "run.json").write_text('{"censusmig_version": "0"}')
        assert not out.exists()  # nothing in place until the block ends
    assert sorted(files(out)) == ["run.json"]
    assert leftovers(out) == []


def test_an_exception_while_writing_keeps_the_previous_set_and_removes_the_temporary_folder(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, before = previous
    with pytest.raises(KeyboardInterrupt), output_folder(out, output_patterns()) as folder:
        (folder.staging / "run.json").write_text("half")
        raise KeyboardInterrupt
    assert files(out) == before
    assert leftovers(out) == []


def test_a_folder_holding_user_files_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    (out / "tables.xlsx").write_text("my own workbook")
    code, stdout, stderr = tabulate_cli(out)
    assert code == 2 and stdout == ""
    assert f"cannot write outputs to {out}: it holds 'notes.txt', 'tables.xlsx'" in stderr
    assert "which censusmig did not write (it has no run.json)" in stderr
    assert "choose another --out" in stderr and "Traceback" not in stderr
    assert files(out) == {"notes.txt": b"my notes", "tables.xlsx": b"my own workbook"}
    assert leftovers(out) == []


def test_a_user_file_beside_a_previous_output_set_is_refused(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, before = previous
    (out / "csv" / "readme.txt").write_text("mine")
    code, _, stderr = tabulate_cli(out)
    assert code == 2
    assert "it holds 'csv/readme.txt', which censusmig did not write" in stderr
    assert files(out) == {**before, "csv/readme.txt": b"mine"}


def test_a_run_json_censusmig_did_not_write_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text('{"runner": "someone else"}')
    code, _, stderr = tabulate_cli(out)
    assert code == 2
    assert "it holds 'run.json (not a censusmig run record)'" in stderr
    assert (out / "run.json").read_text() == '{"runner": "someone else"}'


def test_an_empty_folder_is_written_and_the_api_says_where(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    tabulation = run(out, ("nativity_age_sex",), formats=("csv", "html"))
    expected = (out / "csv" / "nativity_age_sex.csv", out / "report.html", out / "run.json")
    assert tabulation.outputs == expected
    assert all(path.is_file() for path in expected)


def test_a_file_as_the_output_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file")
    code, _, stderr = tabulate_cli(out)
    assert code == 2
    assert f"cannot write outputs to {out}: it is a file, not a folder" in stderr
    assert out.read_text() == "a file"


def test_the_current_folder_as_the_output_folder_is_refused(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    monkeypatch.chdir(out / "csv")
    code, _, stderr = tabulate_cli(out)
    assert code == 2
    assert "it holds the current folder" in stderr and "run from outside it" in stderr
    assert files(out) == before


def test_an_output_folder_holding_the_data_file_is_refused_whatever_its_name(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, before = previous
    data = out / "csv" / "people.csv"  # a name an output set may hold
    data.write_bytes(DATA.read_bytes())
    code, _, stderr = invoke(
        "-q", "tabulate", str(data), "-p", str(SAMPLE_PROFILE), "-o", str(out),
        "--data-format", "parquet",
    )  # fmt: skip
    assert code == 2
    assert f"it holds {data}, which this run reads" in stderr and "choose another --out" in stderr
    assert files(out) == {**before, "csv/people.csv": DATA.read_bytes()}


def test_a_crash_between_the_renames_is_recovered_by_the_next_run(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, before = previous
    aside = out.parent / ".out.censusmig-old-99999-0123abcd"
    out.rename(aside)  # the crash: the previous set aside, the new one still staged
    staged = out.parent / ".out.censusmig-tmp-99999-89abcdef"
    (staged / "csv").mkdir(parents=True)
    (staged / "csv" / "nativity_age_sex.csv").write_text("half")
    with pytest.raises(CensusmigError, match="data file not found"):
        api.tabulate("absent.parquet", SAMPLE_PROFILE, out=out)
    assert files(out) == before  # the previous set is back, whole
    assert leftovers(out) == []


# --- 2. locked ------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_second_run_into_a_locked_folder_is_refused(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    import fcntl

    out, before = previous
    lock = out.parent / ".out.censusmig-lock"
    with lock.open("w") as held:  # as another run holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write(f"{os.getpid()}\n")
        held.flush()
        code, stdout, stderr = tabulate_cli(out)
    lock.unlink()
    assert code == 2 and stdout == ""
    assert f"cannot write outputs to {out}: another censusmig run (process {os.getpid()})" in stderr
    assert "is writing to it" in stderr and "choose another --out" in stderr
    assert files(out) == before
    assert leftovers(out) == []


def test_a_lock_file_left_by_a_killed_run_is_taken_over(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, _ = previous
    (out.parent / ".out.censusmig-lock").write_text("99999\n")  # kill -9: nobody holds it
    run(out, ("nativity_age_sex",), formats=("csv",))
    assert sorted(files(out)) == ["csv/nativity_age_sex.csv", "run.json"]
    assert leftovers(out) == []


# --- 3. write errors -------------------------------------------------------------------------


def test_a_csv_path_that_is_a_folder_is_refused_before_anything_is_written(
    previous: tuple[Path, dict[str, bytes]],
) -> None:
    out, _ = previous
    (out / "csv" / "nativity_age_sex.csv").unlink()
    (out / "csv" / "nativity_age_sex.csv").mkdir()
    before = files(out)
    code, _, stderr = tabulate_cli(out, "-f", "csv")
    assert code == 2
    assert "it holds 'csv/nativity_age_sex.csv/', which censusmig did not write" in stderr
    assert ": None" not in stderr and files(out) == before


def test_an_error_from_polars_while_writing_names_the_reason_and_leaves_nothing(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous
    real = tidy_csv.write_csv
    written: list[Path] = []

    def second_fails(table: object, folder: Path) -> Path:
        if written:  # Polars' IO errors carry no errno and no strerror: only their text
            raise IsADirectoryError(f"expected a file path; '{folder}' is a directory")
        written.append(real(table, folder))  # type: ignore[arg-type]
        return written[-1]

    monkeypatch.setattr(tidy_csv, "write_csv", second_fails)
    code, _, stderr = tabulate_cli(out, "-f", "csv", "-r", TWO[0], "-r", TWO[1])
    assert code == 2
    assert f"cannot write outputs to {out}: expected a file path;" in stderr
    assert "is a directory; nothing was written there" in stderr
    assert not stderr.rstrip().endswith("None")
    assert written and files(out) == before  # one CSV was written, into the staging folder
    assert leftovers(out) == []


def test_a_full_disk_is_a_clear_error_naming_the_file_and_leaves_nothing(
    previous: tuple[Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = previous

    def full(book: object, path: Path) -> None:
        path.write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(workbook, "save", full)
    code, _, stderr = tabulate_cli(out)
    assert code == 2
    assert f"cannot write outputs to {out}: " in stderr
    assert "tables.xlsx: No space left on device; nothing was written there" in stderr
    assert files(out) == before
    assert leftovers(out) == []


def test_an_output_folder_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    out = tmp_path / "file" / "out"
    code, _, stderr = tabulate_cli(out)
    assert code == 2
    assert f"cannot write outputs to {out}: cannot create {tmp_path / 'file'}" in stderr
    assert f"{tmp_path / 'file'} is a file, not a folder; choose another --out" in stderr
    assert "Traceback" not in stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_parent_is_a_clear_error(tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, _, stderr = tabulate_cli(parent / "out")
    finally:
        parent.chmod(0o755)
    assert code == 2
    assert "cannot create its lock file" in stderr and "Permission denied" in stderr


def test_an_unwritable_parent_is_a_clear_error_from_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.open

    def denied(path: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(path).endswith(".censusmig-lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, flags, mode)

    monkeypatch.setattr(os, "open", denied)
    out = tmp_path / "out"
    with pytest.raises(OutputFolderError) as raised:
        run(out)
    message = str(raised.value)
    assert f"cannot write outputs to {out}: cannot create its lock file" in message
    assert message.endswith(f"{tmp_path / '.out.censusmig-lock'}: Permission denied")
    assert raised.value.exit_code == 2
    assert not out.exists() and leftovers(out) == []


# --- 4. SIGINT mid-run: no temporary folder, the previous set intact; a second run refused ---


@pytest.fixture(scope="module")
def larger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("larger") / "x.parquet"
    api.write_sample(300_000, 1, path)
    return path


def test_sigint_mid_run_removes_the_temporary_folder_and_keeps_the_previous_set(
    previous: tuple[Path, dict[str, bytes]], larger: Path
) -> None:
    out, before = previous
    command = [sys.executable, "-m", "censusmig", "-q", "tabulate", str(larger)]
    process = subprocess.Popen(
        [*command, "-p", str(SAMPLE_PROFILE), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        # A shell's background job ignores SIGINT, and Python then never raises on it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not [n for n in leftovers(out) if "censusmig-tmp" in n]:
        assert process.poll() is None, "the run ended before it staged its outputs"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    code, _, stderr = tabulate_cli(out)  # the second, concurrent run
    assert code == 2
    assert f"another censusmig run (process {process.pid}) is writing to it" in stderr
    time.sleep(0.5)
    assert process.poll() is None, "the run ended before the signal: use a larger sample"
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode != 0, errors
    assert files(out) == before
    assert leftovers(out) == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_interrupted_sample_leaves_no_file_that_looks_complete(
    tmp_path: Path, suffix: str
) -> None:
    # A CSV cut between two records would read as a smaller census: the sample is written
    # beside the target and renamed only when whole.
    target = tmp_path / f"census{suffix}"
    process = subprocess.Popen(
        [sys.executable, "-m", "censusmig", "-q", "sample", "-n", "20000000", "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if p.stat().st_size > 0]:
        assert process.poll() is None, "the sample ended before it wrote anything"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert not target.exists(), "the sample is written under its own name while it grows"
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors
    assert b"interrupted" in errors
    assert list(tmp_path.iterdir()) == []


# --- 5. same inputs, same bytes --------------------------------------------------------------


def test_the_same_inputs_give_the_same_bytes_in_every_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(out, edit_checks=True)
    first = files(out)
    assert {"tables.xlsx", "report.html", "run.json", "csv/nativity_age_sex.csv"} <= set(first)
    time.sleep(2.1)  # past a zip timestamp's 2-second resolution
    again = run(out, edit_checks=True)
    assert files(out) == first
    assert "timings_seconds" not in json.loads(first["run.json"])
    assert set(again.record.timings_seconds) >= {"total", "edit_checks"}  # --json keeps them


def test_the_workbook_states_fixed_times(previous: tuple[Path, dict[str, bytes]]) -> None:
    out, _ = previous
    with zipfile.ZipFile(out / "tables.xlsx") as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {entry.compress_type for entry in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        core = archive.read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z' in core
    assert '<dcterms:modified xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z' in core


def test_an_interrupted_profile_init_leaves_no_partial_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the draft is checked: neither the draft nor its ``.partial`` remain."""
    import censusmig.profiles.model as model

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "read_profile", interrupted)
    target = tmp_path / "draft.profile.toml"
    with pytest.raises(KeyboardInterrupt):
        api.init_profile(SAMPLE_DIR / "census.csv", target)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
