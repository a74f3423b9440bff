"""The oracle: run one generated case through the real CLI and list the promises it broke.

Each case runs as ``python -m censusmig`` in its own folder (inputs in ``in/``, outputs in
``out/``, ``TMPDIR`` in ``tmp/``) with a timeout and an address-space cap. A problem is a short
signature such as ``traceback_OverflowError@recipes/model.py`` or ``marker_leak_stderr``; a
case passes when it has none.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from fuzz.folders import NULL, Rerun, keys_of
from fuzz.generators import RECIPES, ROOT, Case

TIMEOUT_SECONDS = 60.0
SPARK_TIMEOUT_SECONDS = 300.0
"""A Spark rerun starts a JVM (15 s or more on a busy machine)."""
MEMORY_BYTES = 3 << 30
_FRAME = re.compile(r'(?:File "([^"]+)", line \d+, in|│ (/\S+?\.py):\d+ in)')
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b", re.M)
_INTERNAL = re.compile(r"internal error \(([\w.]+)\)")


@dataclass
class Outcome:
    """What one case did and which promises it broke.

    Attributes:
        case: The case run.
        exit_code: The exit code (negative: killed by that signal), None on a timeout.
        seconds: Wall time of the run.
        problems: Signatures of the broken promises, most serious first; empty when it passed.
        stdout: What the command printed on stdout.
        stderr: What it printed on stderr.
        folder: The case folder.
    """

    case: Case
    exit_code: int | None
    seconds: float
    problems: list[str] = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    folder: Path = Path()

    @property
    def passed(self) -> bool:
        """No promise broken."""
        return not self.problems

    @property
    def signature(self) -> str:
        """The group a failing case is filed under: its first problem and the command."""
        if not self.problems:
            return "pass"
        command = self.case.command.replace(" ", "_")
        return re.sub(r"[^\w.@=-]+", "_", f"{self.problems[0]}--{command}")[:120]


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def command_line(case: Case, python: str = sys.executable) -> list[str]:
    """The argv run for ``case`` (relative to its folder)."""
    return [python, "-m", "censusmig", *case.argv]


def environment(folder: Path) -> dict[str, str]:
    """The environment of a run: the worktree's sources, a private TMPDIR, plain output."""
    env = dict(os.environ)
    tmp = str(folder / "tmp")
    env.update(TMPDIR=tmp, TEMP=tmp, TMP=tmp, COLUMNS="120", NO_COLOR="1", TERM="dumb")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


def materialise(case: Case, folder: Path) -> None:
    """Write the case's inputs into a fresh ``folder`` (in/, out/, tmp/ and pre-made folders)."""
    shutil.rmtree(folder, ignore_errors=True)
    for name in ("in", "out", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    for name, data in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for name in case.folders:
        (folder / name).mkdir(parents=True, exist_ok=True)


def _listing(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def run_case(case: Case, root: Path, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """Run ``case`` in ``root/case_<id>`` and check every promise.

    Args:
        case: The generated case.
        root: Folder that receives the case folder.
        timeout: Seconds before the run is killed (a ``timeout`` problem).

    Returns:
        The outcome, with its problems.
    """
    folder = root / f"case_{case.case_id:05d}"
    materialise(case, folder)
    before_in, before_out = _listing(folder / "in"), _listing(folder / "out")
    target_existed = bool(case.target) and (folder / str(case.target)).exists()
    exit_code, stdout, stderr, seconds = _execute(case.argv, folder, timeout)
    outcome = Outcome(case, exit_code, seconds, [], stdout, stderr, folder)
    problems = outcome.problems
    problems += _run_problems(exit_code, stdout, stderr)
    if case.must_fail and exit_code == 0:
        problems.append(f"accepted_{case.must_fail}")
    if case.must_refuse and exit_code in (0, 1):
        problems.append(f"not_refused_{case.must_fail}")
    if case.must_refuse and exit_code == 2 and not _one_line_error(stderr):
        problems.append("error_not_one_line")
    if case.must_pass and exit_code == 2:
        problems.append("rejected_valid_input")
    problems += _leaks(case, folder, stdout, stderr)
    problems += _leftovers(case, folder, before_in, before_out)
    if exit_code == 2 and case.target and not target_existed:
        if (folder / case.target).exists():
            problems.append("partial_output_on_exit2")
    if exit_code in (0, 1):
        problems += _counts(case, folder, exit_code, stdout)
    if exit_code in (0, 1) and not case.must_fail:
        problems += _reruns(outcome, timeout)
        problems += _partition_problems(case, folder)
        problems += _frame_problems(case, folder)
    return outcome


def _execute(
    argv: list[str], folder: Path, timeout: float, capped: bool = True
) -> tuple[int | None, bytes, bytes, float]:
    """Run ``censusmig argv`` in ``folder``: exit code (None on a timeout), stdout, stderr, s.

    ``capped``: under the address-space cap (a JVM reserves more than it, and cannot start).
    """
    start = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "censusmig", *argv],
        cwd=folder,
        env=environment(folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit if capped else None,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        exit_code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        exit_code = None
    return exit_code, stdout, stderr, time.monotonic() - start


def _run_problems(exit_code: int | None, stdout: bytes, stderr: bytes) -> list[str]:
    """What any run must not do: time out, crash, show a traceback, exit otherwise than 0-2."""
    problems = []
    text = (stdout + b"\n" + stderr).decode("utf-8", "replace")
    if exit_code is None:
        problems.append("timeout")
    elif exit_code < 0:
        problems.append(f"crash_signal_{-exit_code}")
    if "Traceback" in text:
        problems.append(f"traceback_{_exception(text)}")
    if internal := _INTERNAL.search(text):
        problems.append(f"internal_error_{internal.group(1)}")
    elif "internal error" in text:
        problems.append("internal_error")
    if exit_code is not None and exit_code not in (0, 1, 2) and exit_code >= 0:
        problems.append(f"exit_{exit_code}")
    if exit_code == 2 and not stderr.strip():
        problems.append("exit2_without_message_on_stderr")
    return problems


def _one_line_error(stderr: bytes) -> bool:
    """The error is one line, the last one printed (status lines may come before it)."""
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("censusmig: error:")]
    return errors == [len(lines) - 1]


def spark_available() -> bool:
    """Whether the Spark engine can run here (pyspark importable, a java on the PATH)."""
    return importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


def _reruns(outcome: Outcome, timeout: float) -> list[str]:
    """Run the case's reruns; each must exit as the main run did, with the same tables."""
    case, folder = outcome.case, outcome.folder
    problems: list[str] = []
    for rerun in case.reruns:
        if rerun.spark and not spark_available():
            continue
        limit = max(timeout, SPARK_TIMEOUT_SECONDS) if rerun.spark else timeout
        exit_code, stdout, stderr, _ = _execute(rerun.argv, folder, limit, not rerun.spark)
        outcome.stdout += f"\n--- {rerun.label} (exit {exit_code}) ---\n".encode() + stdout
        outcome.stderr += f"\n--- {rerun.label} (exit {exit_code}) ---\n".encode() + stderr
        problems += [f"{rerun.label}_{p}" for p in _run_problems(exit_code, stdout, stderr)]
        marker = case.marker.encode()
        if marker in stdout or marker in stderr:
            problems.append(f"{rerun.label}_marker_leak")
        if exit_code != outcome.exit_code and rerun.same_tables_as is not None:
            problems.append(f"{rerun.label}_exit_{exit_code}_not_{outcome.exit_code}")
        elif exit_code not in (0, 1):
            if rerun.same_tables_as is None and exit_code == 2:
                problems.append(f"{rerun.label}_refused")
        elif rerun.same_tables_as is not None:
            problems += _same_tables(folder / rerun.same_tables_as, folder / rerun.target, rerun)
    return problems


def _same_tables(expected: Path, found: Path, rerun: Rerun) -> list[str]:
    """Every tidy CSV of ``found`` byte-identical to ``expected``'s, and the same files."""
    mine = {p.name: p for p in (expected / "csv").glob("*.csv")}
    theirs = {p.name: p for p in (found / "csv").glob("*.csv")}
    if set(mine) != set(theirs):
        return [f"{rerun.label}_other_tables"]
    if any(mine[name].read_bytes() != theirs[name].read_bytes() for name in mine):
        return [f"{rerun.label}_tables_differ"]
    return []


def _frame_problems(case: Case, folder: Path) -> list[str]:
    """Parquet files written hold the reference's records (in order, or in any order)."""
    import polars as pl

    problems = []
    for check in case.frame_checks:
        produced = folder / check.produced
        if not produced.is_file():
            continue  # its run failed, which the run's own checks report
        got = pl.read_parquet(produced)
        want = pl.read_parquet(folder / check.reference)
        if got.schema != want.schema:
            problems.append("frame_columns_differ")
            continue
        if not check.ordered and got.width:
            got = got.sort(got.columns, nulls_last=True)
            want = want.sort(want.columns, nulls_last=True)
        if not got.equals(want, null_equal=True):
            problems.append("frame_records_differ")
    return problems


def _partition_problems(case: Case, folder: Path) -> list[str]:
    """Each file of a partitioned folder holds one value of its key, the one its folder names."""
    import polars as pl

    problems: set[str] = set()
    for check in case.partition_checks:
        root = folder / check.folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or any(p.startswith(("_", ".")) for p in relative.parts):
                continue
            keys = dict(keys_of(relative.as_posix()))
            records = pl.read_parquet(path)
            if check.column not in keys:
                if records.height:  # no records: one file with the columns, no partition
                    problems.add("partition_folder_names_another_key")
                continue
            values = records.get_column(check.column).unique().to_list()
            if len(values) > 1:
                problems.add("partition_file_mixes_values")
            elif values and not isinstance(values[0], float):
                text = None if values[0] is None else str(values[0])
                if _null_spelling(text) != _null_spelling(keys[check.column]):
                    problems.add("partition_folder_names_another_value")
    return sorted(problems)


def _null_spelling(value: str | None) -> str | None:
    return None if value in (None, "", NULL) else value


def _exception(text: str) -> str:
    """``Type@file`` of the last traceback: its exception and the innermost censusmig frame."""
    tail = text[text.rfind("Traceback") :]
    frames = [plain or rich for plain, rich in _FRAME.findall(tail)]
    ours = [f for f in frames if "/censusmig/" in f]
    frame = (ours or frames or ["?"])[-1]
    where = frame.split("/censusmig/")[-1] if "/censusmig/" in frame else Path(frame).name
    names = _EXCEPTION.findall(tail)
    return f"{names[-1].split('.')[-1] if names else 'Unknown'}@{where}"


def _leaks(case: Case, folder: Path, stdout: bytes, stderr: bytes) -> list[str]:
    """Where the planted marker shows: stdout, stderr, or an output file (xlsx unzipped)."""
    marker = case.marker.encode()
    found = []
    if marker in stdout:
        found.append("marker_leak_stdout")
    if marker in stderr:
        found.append("marker_leak_stderr")
    skip = {case.target} if case.command == "convert" else set()
    for path in sorted((folder / "out").rglob("*")):
        relative = str(path.relative_to(folder))
        if not path.is_file() or relative in skip or path.suffix == ".parquet":
            continue
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            try:
                with zipfile.ZipFile(path) as archive:
                    data = b"".join(archive.read(name) for name in archive.namelist())
            except (zipfile.BadZipFile, OSError, ValueError):
                pass
        if marker in data:
            kind = path.name if path.suffix in (".json", ".html", ".xlsx") else path.suffix
            found.append(f"marker_leak_{kind.lstrip('.')}")
    return sorted(set(found), key=found.index)


def _leftovers(case: Case, folder: Path, before_in: set[str], before_out: set[str]) -> list[str]:
    """Files left in TMPDIR, beside the inputs, or beside the output target."""
    found = []
    if any((folder / "tmp").iterdir()):
        found.append("leftover_in_tmpdir")
    if _listing(folder / "in") - before_in:
        found.append("leftover_beside_input")
    if case.target and case.target.startswith("out/"):
        target = case.target.removeprefix("out/")
        extra = [
            name
            for name in _listing(folder / "out") - before_out
            if name != target and not name.startswith(target + "/")
        ]
        if extra:
            found.append("leftover_beside_output")
    return found


def _counts(case: Case, folder: Path, exit_code: int, stdout: bytes) -> list[str]:
    """Record counts against what the generator wrote; every table reconciles."""
    expected = case.expected_records
    if case.command == "tabulate" and exit_code == 0 and case.target:
        run = folder / case.target / "run.json"
        if not run.is_file():
            return ["missing_run_json"]
        manifest = json.loads(run.read_text(encoding="utf-8"))
        records = manifest["input"]["records"]
        found = []
        if expected is not None and records != expected:
            found.append("record_count_mismatch")
        for table in manifest["tables"]:
            totals = {
                table["universe_records"],
                table["inner_cells_records"],
                table["grand_total_records"],
            }
            if not table["reconciles"]:
                found.append("table_not_reconciled")
            if "protection" in table:
                # Published counts are protected: withheld, rounded or perturbed, totals on
                # their own. The engine reconciled them before protection ("reconciles").
                continue
            if len(totals) != 1:
                found.append("table_not_reconciled")
            if _whole_population(folder, table["id"]) and table["universe_records"] != records:
                found.append("universe_not_every_record")
        return sorted(set(found), key=found.index)
    if case.command in ("check", "inspect") and "--json" in case.argv:
        if exit_code == 1 and case.command == "inspect":
            return []
        try:
            report = json.loads(stdout)
        except ValueError:
            return ["stdout_not_json"]
        if expected is not None and report.get("records") != expected:
            return ["record_count_mismatch"]
    if (
        case.command == "convert"
        and exit_code == 0
        and case.target
        and "--partition-by" not in case.argv
    ):
        import pyarrow.parquet as pq

        try:
            rows = pq.ParquetFile(folder / case.target).metadata.num_rows
        except (OSError, ValueError):
            return ["unreadable_output"]
        if expected is not None and rows != expected:
            return ["record_count_mismatch"]
    return []


def _whole_population(folder: Path, recipe_id: str) -> bool:
    """Whether the recipe counts every record (an empty universe)."""
    for path in (folder / "in" / "recipes" / f"{recipe_id}.toml", RECIPES / f"{recipe_id}.toml"):
        if path.is_file():
            try:
                document = tomllib.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                return False
            return not document.get("universe", {}).get("where", [])
    return False


def save_failure(outcome: Outcome, failures: Path) -> Path:
    """Keep a failing case: pristine inputs, the command, its output and ``repro.sh``.

    Args:
        outcome: A failing outcome.
        failures: Folder of failures; the case goes under ``<signature>/case_<id>``.

    Returns:
        The folder written.
    """
    case = outcome.case
    where = failures / outcome.signature / f"case_{case.case_id:05d}"
    materialise(case, where / "case")
    (where / "stdout.txt").write_bytes(outcome.stdout[:200_000])
    (where / "stderr.txt").write_bytes(outcome.stderr[:200_000])
    listing = sorted(_listing(outcome.folder / "out")) if outcome.folder.exists() else []
    summary = {
        "case_id": case.case_id,
        "family": case.family,
        "kind": case.kind,
        "command": case.command,
        "argv": case.argv,
        "marker": case.marker,
        "expected_records": case.expected_records,
        "must_fail": case.must_fail,
        "exit_code": outcome.exit_code,
        "seconds": round(outcome.seconds, 2),
        "problems": outcome.problems,
        "out_listing": listing[:200],
    }
    (where / "case.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    argv = " ".join(shlex.quote(a) for a in ["-m", "censusmig", *case.argv])
    (where / "repro.sh").write_text(
        "#!/bin/sh\n"
        "# Rerun this case in a fresh copy of its inputs. CENSUSMIG_SRC: the sources to test.\n"
        f'src="${{CENSUSMIG_SRC:-{ROOT / "src"}}}"\n'
        f'py="${{CENSUSMIG_PYTHON:-{sys.executable}}}"\n'
        'here="$(cd "$(dirname "$0")" && pwd)"\n'
        'run="$(mktemp -d)"\n'
        'cp -a "$here/case/." "$run/"\n'
        'mkdir -p "$run/tmp" "$run/out"\n'
        'cd "$run" || exit 3\n'
        f'TMPDIR="$run/tmp" PYTHONPATH="$src" "$py" {argv}\n'
        'echo "exit code: $?; outputs and inputs in $run" >&2\n'
        + "".join(
            f"# then ({rerun.label}, compared with it): "
            + " ".join(shlex.quote(a) for a in ["-m", "censusmig", *rerun.argv])
            + "\n"
            for rerun in case.reruns
        )
    )
    (where / "repro.sh").chmod(0o755)
    return where
