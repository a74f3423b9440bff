"""The oracle: run one generated case through the real CLI and list the promises it broke.

Each case runs as ``python -m censusmig`` in its own folder (inputs in ``in/``, outputs in
``out/``, ``TMPDIR`` in ``tmp/``) with a timeout and an address-space cap. A problem is a short
signature such as ``traceback_OverflowError@recipes/model.py`` or ``marker_leak_stderr``; a
case passes when it has none.
"""

from __future__ import annotations

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

from fuzz.generators import RECIPES, ROOT, Case

TIMEOUT_SECONDS = 60.0
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
    start = time.monotonic()
    process = subprocess.Popen(
        command_line(case),
        cwd=folder,
        env=environment(folder),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        exit_code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        exit_code = None
    outcome = Outcome(case, exit_code, time.monotonic() - start, [], stdout, stderr, folder)
    problems = outcome.problems
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
    if case.must_fail and exit_code == 0:
        problems.append(f"accepted_{case.must_fail}")
    if case.must_pass and exit_code == 2:
        problems.append("rejected_valid_input")
    problems += _leaks(case, folder, stdout, stderr)
    problems += _leftovers(case, folder, before_in, before_out)
    if exit_code == 2 and case.target and not target_existed:
        if (folder / case.target).exists():
            problems.append("partial_output_on_exit2")
    if exit_code in (0, 1):
        problems += _counts(case, folder, exit_code, stdout)
    return outcome


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
    if case.command == "convert" and exit_code == 0 and case.target:
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
    )
    (where / "repro.sh").chmod(0o755)
    return where
