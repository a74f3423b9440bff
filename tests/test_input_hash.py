"""The input's sha256 is read in a background thread while the run scans the data."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from censusmig import api
from censusmig.errors import InputError
from censusmig.readers import scan
from censusmig.readers.scan import HASH_BLOCK, FileFacts, hashing
from helpers import SAMPLE_DIR, SAMPLE_PROFILE


def test_the_hash_of_a_file_of_several_blocks(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    content = os.urandom(2 * HASH_BLOCK + 12_345)
    path.write_bytes(content)
    with hashing(path) as running:
        facts = running.result()
    assert facts == FileFacts(path, len(content), hashlib.sha256(content).hexdigest())
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    with hashing(empty) as running:
        assert running.result().sha256 == hashlib.sha256(b"").hexdigest()


def test_the_hash_runs_while_the_block_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"census")
    started = threading.Event()
    real = scan.file_facts

    def watched(path: Path, stop: threading.Event | None = None) -> FileFacts:
        started.set()
        return real(path, stop)

    monkeypatch.setattr(scan, "file_facts", watched)
    with hashing(path) as running:
        # the read begins before anyone asks for the result (a lazy hash would never start)
        assert started.wait(timeout=30)
        assert running.result().sha256 == hashlib.sha256(b"census").hexdigest()


def test_leaving_the_block_stops_the_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(4 * 1024))
    monkeypatch.setattr(scan, "HASH_BLOCK", 1024)
    blocks: list[int] = []
    runs: list[scan.FileHashing] = []
    sha256 = hashlib.sha256

    class SlowDigest:
        """A sha256 whose first block waits until the run leaves the block."""

        def __init__(self) -> None:
            self.inner = sha256()

        def update(self, data: memoryview) -> None:
            blocks.append(len(data))
            while not runs:  # the block has not yet been entered
                threading.Event().wait(0.01)
            assert runs[0]._stop.wait(timeout=30)
            self.inner.update(data)

        def hexdigest(self) -> str:
            return self.inner.hexdigest()

    monkeypatch.setattr(scan.hashlib, "sha256", SlowDigest)
    with hashing(path) as running:
        runs.append(running)
        while not blocks:
            threading.Event().wait(0.01)
    assert blocks == [1024]  # the other three blocks were never read
    with pytest.raises(InputError, match="abandoned"):
        running.result()


def test_a_file_that_cannot_be_read_is_told_clearly(tmp_path: Path) -> None:
    with hashing(tmp_path) as running:  # a folder without Parquet files: as the reader says
        with pytest.raises(InputError, match="is a folder; name the data file inside it"):
            running.result()
    with hashing(tmp_path / "missing.csv") as running:
        with pytest.raises(InputError, match="missing.csv: not a regular file"):
            running.result()


def test_a_read_error_names_the_file_and_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"census")

    def failing(path: Path, stop: threading.Event | None = None) -> FileFacts:
        raise OSError(5, "Input/output error", str(path))

    monkeypatch.setattr(scan, "file_facts", failing)
    with hashing(path) as running:
        with pytest.raises(InputError) as caught:
            running.result()
    assert str(caught.value) == (
        f"{path}: cannot read it to compute its sha256: Input/output error"
    )


def test_tabulate_hashes_the_input_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    real = scan.file_facts

    def watched(path: Path, stop: threading.Event | None = None) -> FileFacts:
        threads.append(threading.current_thread().name)
        return real(path, stop)

    monkeypatch.setattr(scan, "file_facts", watched)
    data = SAMPLE_DIR / "census.parquet"
    run = api.tabulate(data, SAMPLE_PROFILE, recipes=["migratory_status_sex_age_region"])
    assert threads == ["censusmig-sha256"]  # one read, not on the main thread
    assert run.record.input.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    assert run.record.input.size_bytes == data.stat().st_size
