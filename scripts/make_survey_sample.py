"""Regenerate sample_microdata/survey.parquet: the 10% household sample survey of the sample census.

Run by `make sample-data` (after the census files); the design is in
src/censusmig/synth/survey.py and in sample_microdata/CODEBOOK.md. Review the diff before
committing: the committed survey is the input of the survey tests and of the survey demo.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from censusmig.synth.survey import write_survey

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "sample_microdata" / "survey.parquet"


def main(argv: list[str] | None = None) -> None:
    """Parse the options and write the survey file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000, help="persons in the census")
    parser.add_argument("--seed", type=int, default=2025, help="seed of the census and sample")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Parquet file to write")
    options = parser.parse_args(argv)
    write_survey(options.out, options.persons, options.seed)
    print(options.out)


if __name__ == "__main__":
    main()
