"""The profile's optional ``[publication]``: publisher, contact and release date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from censusmig import api
from censusmig.errors import SpecError
from censusmig.profiles.model import Release, read_profile
from helpers import ROOT, SAMPLE_DIR, SAMPLE_PROFILE

PUBLICATION = """
[publication]
publisher = "National Statistics Office of Quetzalia (fictional)"
contact = "census@example.org"
release_date = 2026-06-30
"""


def _profile(tmp_path: Path, extra: str) -> Path:
    text = SAMPLE_PROFILE.read_text(encoding="utf-8")
    text = text[: text.index("\n[publication]")] + extra + text[text.index("\n[data]") :]
    path = tmp_path / "census.profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_publication_reaches_the_profile_and_run_json(tmp_path: Path) -> None:
    profile = _profile(tmp_path, PUBLICATION)
    assert read_profile(profile).release == Release(
        "National Statistics Office of Quetzalia (fictional)",
        "census@example.org",
        dt.date(2026, 6, 30),
    )
    api.tabulate(
        SAMPLE_DIR / "census.parquet", profile, out=tmp_path / "out", recipes=["nativity_age_sex"]
    )
    census = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["census"]
    assert census["publisher"] == "National Statistics Office of Quetzalia (fictional)"
    assert census["contact"] == "census@example.org"
    assert census["release_date"] == "2026-06-30"


def test_without_publication_the_release_is_empty() -> None:
    assert read_profile(ROOT / "profiles" / "eusilc_at_2006.toml").release == Release()


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('\n[publication]\nrelease_date = "soon"\n', "publication.release_date"),
        ("\n[publication]\nrelease_date = 1066-10-14\n", "publication.release_date"),
        ('\n[publication]\npublisher = "NSO"\nemail = "x@example.org"\n', "publication"),
        ("\n[publication]\ncontact = 42\n", "publication.contact"),
    ],
)
def test_a_bad_publication_key_is_a_clear_error(tmp_path: Path, extra: str, key: str) -> None:
    with pytest.raises(SpecError) as caught:
        read_profile(_profile(tmp_path, extra))
    assert key in str(caught.value)
