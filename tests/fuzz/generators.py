"""Seeded generators of odd inputs: data files, profiles, recipes and command-line options.

A plain ``random.Random`` seeded by ``"<seed>:<index>"`` builds each case, so case 417 of seed 12
is the same case whatever else runs (no shrinking database, no dependence on a Hypothesis
version, and a failing case is rebuilt from two numbers). Families rotate with the index
(data, profile, recipe, options twice, then a folder of Parquet files: :data:`ROTATION`), so
any slice of nine consecutive cases covers all five.

Every generated data row carries ``ZQX<case id>`` in a free-text column ``NOTE``; the oracle
fails a case when that string appears in anything censusmig prints or writes.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import random
import tomllib
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fuzz import folders, toml_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_microdata"
PROFILE = SAMPLE / "census.profile.toml"
RECIPES = ROOT / "recipes"
IPUMS_XML = ROOT / "tests" / "data" / "ipums" / "cps_00160.xml"
IPUMS_DAT = ROOT / "tests" / "data" / "ipums" / "cps_00160.dat.gz"
CSPRO_DCF = ROOT / "tests" / "data" / "cspro" / "CensusMainShortForm.dcf"

FAMILIES = ("data", "profile", "recipe", "options", "folder")
ROTATION = ("data", "profile", "recipe", "options") * 2 + ("folder",)
"""Families by case index (``ROTATION[index % 9]``): each file family twice, then a folder."""
FAST_RECIPES = (
    "nativity_age_sex",
    "foreign_born_period_of_arrival_country_of_birth",
    "residence_5_years_ago_age_sex",
    "citizenship_status_age_sex",
    "internal_lifetime_origin_destination",
    "generation_age_sex",
)
CODE_COLUMNS = ("SEX", "AGE", "POB", "CIT", "YOA", "RES1", "RES5", "EDUC", "DISABILITY", "REGION")
ODD_CODES = (
    "99999999999999999999",
    "18446744073709551616",
    "9223372036854775808",
    "-1",
    "-999999999999",
    "1.5",
    "2.0",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "\u0661",
    "\u0663\u0665",
    "\uff12",
    "\x00",
    "1\x00",
    "",
    " ",
    "0x10",
    "+1",
    "1_000",
    "\u00b2",
    "--15",
)
ODD_TEXT = (
    "\u202eright-to-left\u202c",
    "zero\u200bwidth",
    "e\u0301\u0301\u0301",
    "\U0001f600 emoji",
    "tab\there",
    "\u2028line sep",
    "\x1b[31mansi",
    "<script>alert(1)</script>",
    "{{ jinja }}",
    "=cmd|' /C calc'!A0",
    "\ufffd",
)


_VALID_TEXT = {
    "text",
    "clean",
    "odd_codes",
    "blank_lines",
    "line_ends_crlf",
    "bom",
    "no_final_newline",
    "quoted_note",
    "long_field",
    "tsv",
    "semicolon",
    "odd_text",
    "padding",
    "gz",
    "zip",
}
"""Text mutations that leave a valid file (blank lines are skipped, not persons)."""


@dataclass
class Case:
    """One generated case: input files, the command, and what the oracle may expect.

    Attributes:
        case_id: Index of the case within its seed.
        family: data, profile, recipe or options.
        kind: The mutations applied, joined by "+".
        command: The censusmig command run (tabulate, check, ...).
        argv: Arguments after ``censusmig``; paths are relative to the case folder.
        files: Input files (path relative to the case folder -> bytes).
        folders: Folders created before the run (relative to the case folder).
        marker: The string planted in every data row.
        expected_records: Data records the generator wrote, or None when a mutation makes
            the number unknowable (a flipped byte).
        must_fail: Why the input is invalid (exit 0 is then a failure), or None.
        target: The output the command writes (relative), checked for partial output.
        must_pass: The input is valid as documented (exit 2 is then a failure).
        must_refuse: An invalid input must end in exit 2 with a one-line message (not
            merely not exit 0).
        reruns: Runs after the main one whose outputs must agree with it (folder family).
        frame_checks: Parquet files written that must hold a reference file's records.
        partition_checks: Partitioned folders written: each file under its key's value.
    """

    case_id: int
    family: str
    kind: str
    command: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)
    marker: str = ""
    expected_records: int | None = None
    must_fail: str | None = None
    target: str | None = None
    must_pass: bool = False
    must_refuse: bool = False
    reruns: list[folders.Rerun] = field(default_factory=list)
    frame_checks: list[folders.FrameCheck] = field(default_factory=list)
    partition_checks: list[folders.PartitionCheck] = field(default_factory=list)


# ---------------------------------------------------------------------------------- base data


@cache
def _base_rows() -> tuple[list[str], list[list[str]]]:
    """Header and the first 3,000 rows of the committed sample census (written by ``sample``)."""
    with (SAMPLE / "census.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for _, row in zip(range(3000), reader, strict=False)]
    return header, rows


@cache
def _profile_document() -> dict[str, Any]:
    with PROFILE.open("rb") as handle:
        return tomllib.load(handle)


@cache
def _recipe_documents() -> dict[str, dict[str, Any]]:
    documents = {}
    for path in sorted(RECIPES.glob("*.toml")):
        with path.open("rb") as handle:
            documents[path.stem] = tomllib.load(handle)
    return documents


@cache
def _ipums_lines() -> list[bytes]:
    with gzip.open(IPUMS_DAT, "rb") as handle:
        return [line.rstrip(b"\r\n") for _, line in zip(range(400), handle, strict=False)]


@cache
def _spss_meta(suffix: str) -> Any:
    import pyreadstat

    reader = pyreadstat.read_sav if suffix == "sav" else pyreadstat.read_dta
    return reader(str(SAMPLE / f"census.{suffix}"), row_limit=1)[1]


def _table(rng: random.Random, marker: str, n: int) -> tuple[list[str], list[list[str]], int]:
    """Header and ``n`` sample rows with a NOTE column holding the marker; NOTE's index."""
    header, rows = _base_rows()
    picked = [list(row) for row in rng.sample(rows, n)]
    note = rng.randrange(len(header) + 1)
    out_header = header[:note] + ["NOTE"] + header[note:]
    out_rows = []
    for index, row in enumerate(picked):
        text = f"{marker} free text of row {index}"
        out_rows.append(row[:note] + [text] + row[note:])
    return out_header, out_rows, note


def _size(rng: random.Random) -> int:
    return rng.choice((0, 1, 2, 3, 7, 20, 40, 60, 100, 150))


def _data_command(
    rng: random.Random, path: str, extra: list[str], profile: str = "in/profile.toml"
) -> tuple[str, list[str], str | None]:
    """A random command reading ``path``: (command, argv, target)."""
    command = rng.choice(("tabulate", "tabulate", "check", "inspect", "convert", "profile init"))
    if command == "tabulate":
        recipes = rng.sample(FAST_RECIPES, rng.choice((1, 1, 2, 3)))
        picks = [] if rng.random() < 0.1 else [a for r in recipes for a in ("-r", r)]
        argv = ["-q", "tabulate", path, "-p", profile, "-o", "out/result", *picks, *extra]
        return command, argv, "out/result"
    if command == "check":
        return command, ["check", path, "-p", profile, "--json", *extra], None
    if command == "inspect":
        return command, ["inspect", path, "--json", *extra], None
    if command == "convert":
        keep = ["-p", profile] if rng.random() < 0.5 else []
        return command, ["convert", path, "--to", "out/x.parquet", *keep, *extra], "out/x.parquet"
    argv = ["profile", "init", path, "--out", "out/draft.toml", *extra]
    return command, argv, "out/draft.toml"


# ---------------------------------------------------------------------------------- text files


def _csv_text(
    rng: random.Random, marker: str, n: int | None = None
) -> tuple[bytes, int | None, str | None, list[str], list[str], str]:
    """A CSV/TSV text with 1-3 mutations: (bytes, records, must_fail, kinds, options, suffix)."""
    header, rows, note = _table(rng, marker, _size(rng) if n is None else n)
    kinds: list[str] = []
    must_fail: str | None = None
    expected: int | None = len(rows)
    delimiter, suffix, options = ",", "csv", []
    mutations = rng.sample(
        (
            "odd_codes",
            "odd_codes",
            "blank_lines",
            "line_ends",
            "line_ends",
            "bom",
            "no_final_newline",
            "ragged",
            "missing_separator",
            "dup_header",
            "quoted_note",
            "quoted_newline",
            "unbalanced_quote",
            "long_field",
            "latin1_byte",
            "nul",
            "tsv",
            "semicolon",
            "odd_text",
            "padding",
            "byte_flip",
        ),
        rng.choice((1, 1, 2, 3)),
    )
    if "tsv" in mutations:
        delimiter, suffix = "\t", "tsv"
    elif "semicolon" in mutations:
        delimiter, options = ";", ["--delimiter", "semicolon"]
    raw_bytes: dict[tuple[int, int], bytes] = {}
    reshaped: set[int] = set()
    # Field-count changes last: a mutation of a row's fields after them could miss its end.
    mutations = sorted(mutations, key=lambda m: m in ("ragged", "missing_separator"))
    for mutation in mutations:
        if mutation in ("tsv", "semicolon", "line_ends", "bom", "no_final_newline", "byte_flip"):
            continue
        if mutation in ("blank_lines",):
            continue
        if not rows and mutation not in ("dup_header",):
            continue
        kinds.append(mutation)
        if mutation == "odd_codes":
            column = header.index(rng.choice(CODE_COLUMNS))
            for row in rng.sample(rows, max(1, len(rows) // 5)):
                row[column] = rng.choice(ODD_CODES)
        elif mutation == "ragged":
            row = rng.choice([r for r in rows if id(r) not in reshaped] or rows)
            reshaped.add(id(row))  # two changes of field count on one row could cancel out
            if rng.random() < 0.5 and len(row) > 2:
                del row[rng.randrange(len(row))]
            else:
                row.append(rng.choice(("1", "", marker)))
            must_fail = "ragged_row"
        elif mutation == "missing_separator":
            row = rng.choice([r for r in rows if id(r) not in reshaped] or rows)
            reshaped.add(id(row))
            at = rng.randrange(len(row) - 1)
            row[at : at + 2] = [row[at] + row[at + 1]]
            must_fail = "ragged_row"
        elif mutation == "dup_header":
            header.append(header[rng.choice([i for i in range(len(header)) if i != note])])
            source = header.index(header[-1])
            for row in rows:  # a row a mutation shortened has no copy to make
                row.append(row[source] if source < len(row) else "")
            must_fail = "duplicate_column"
        elif mutation == "quoted_note":
            for row in rng.sample(rows, max(1, len(rows) // 3)):
                row[note] = row[note] + f'{delimiter} with ""quotes"" and {delimiter}{delimiter}'
                row[note] = f'"{row[note]}"'
        elif mutation == "quoted_newline":
            row = rng.choice(rows)
            inner = rng.choice(("\n", "\r\n"))
            row[note] = '"' + row[note] + inner + 'second line"'
        elif mutation == "unbalanced_quote":
            row = rng.choice(rows)
            row[note] = '"' + row[note]
            must_fail = "unbalanced_quote"
        elif mutation == "long_field":
            rows[-1][note] = _appended(rows[-1][note], " " + "x" * rng.choice((70_000, 140_000)))
        elif mutation == "latin1_byte":
            index = rows.index(rng.choice(rows))
            quoted = _appended(rows[index][note], " caf\ue000")  # a stand-in for the byte
            raw_bytes[(index, note)] = quoted.encode().replace("\ue000".encode(), b"\xe9")
        elif mutation == "nul":
            row = rng.choice(rows)
            row[note] = _appended(row[note], "\x00nul")
        elif mutation == "odd_text":
            for row in rng.sample(rows, max(1, len(rows) // 4)):
                row[note] = _appended(row[note], " " + rng.choice(ODD_TEXT).replace(delimiter, " "))
        elif mutation == "padding":
            column = header.index(rng.choice(CODE_COLUMNS))
            for row in rows:
                if column < len(row):  # a row another mutation cut short keeps its length
                    row[column] = f"  {row[column]} "
    if "tsv" in mutations or "semicolon" in mutations:
        kinds.append("tsv" if "tsv" in mutations else "semicolon")
    lines: list[bytes] = [delimiter.join(header).encode()]
    for index, row in enumerate(rows):
        cells = [raw_bytes.get((index, c)) or cell.encode() for c, cell in enumerate(row)]
        lines.append(delimiter.encode().join(cells))
    if "blank_lines" in mutations:
        kinds.append("blank_lines")
        for _ in range(rng.choice((1, 2, 5, 30))):
            lines.insert(rng.randrange(1, len(lines) + 1), b"")
    end = b"\n"
    if "line_ends" in mutations:
        style = rng.choice(("crlf", "cr", "mixed"))
        kinds.append(f"line_ends_{style}")
        end = {"crlf": b"\r\n", "cr": b"\r", "mixed": b""}[style]
    if end:
        body = end.join(lines) + end
    else:
        body = b"".join(line + rng.choice((b"\n", b"\r\n", b"\r")) for line in lines)
    if "no_final_newline" in mutations:
        kinds.append("no_final_newline")
        body = body.rstrip(b"\r\n")
    if "bom" in mutations:
        kinds.append("bom")
        body = b"\xef\xbb\xbf" + body
    if "byte_flip" in mutations:
        kinds.append("byte_flip")
        body = _flip(rng, body, rng.choice((1, 2, 3)))
        expected, must_fail = None, None
    return body, expected, must_fail, kinds or ["clean"], options, suffix


def _flip(rng: random.Random, data: bytes, count: int) -> bytes:
    buffer = bytearray(data)
    for _ in range(count):
        if buffer:
            at = rng.randrange(len(buffer))
            buffer[at] ^= 1 << rng.randrange(8)
    return bytes(buffer)


def _clean_csv(rng: random.Random, marker: str, n: int) -> bytes:
    header, rows, _ = _table(rng, marker, n)
    return ("\n".join(",".join(line) for line in [header, *rows]) + "\n").encode()


def _wrap(rng: random.Random, body: bytes, suffix: str) -> tuple[bytes, str, str]:
    """Maybe compress ``body``: (bytes, file suffix, kind)."""
    choice = rng.random()
    if choice < 0.12:
        return gzip.compress(body, mtime=0), f"{suffix}.gz", "gz"
    if choice < 0.2:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"data.{suffix}", body)
        return buffer.getvalue(), f"{suffix}.zip", "zip"
    return body, suffix, ""


# ------------------------------------------------------------------------------- binary files


def _binary(rng: random.Random, marker: str, fmt: str, n: int) -> bytes:
    """A file of ``n`` sample records with the NOTE column, in ``fmt``."""
    import polars as pl

    header, rows, _ = _table(rng, marker, n)
    if fmt in ("csv.gz", "zip"):
        body = ("\n".join(",".join(line) for line in [header, *rows]) + "\n").encode()
        if fmt == "csv.gz":
            return gzip.compress(body, mtime=0)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("census.csv", body)
        return buffer.getvalue()
    frame = pl.DataFrame(
        {
            name: [row[i] for row in rows] if name == "NOTE" else [int(row[i]) for row in rows]
            for i, name in enumerate(header)
        },
        schema={name: pl.String if name == "NOTE" else pl.Int64 for name in header},
    )
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
        return buffer.getvalue()
    import tempfile

    import pyreadstat

    meta = _spss_meta(fmt)
    labels = {k: v for k, v in meta.variable_value_labels.items() if k in header}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x.{fmt}"
        pandas_frame = frame.to_pandas()
        if fmt == "sav":
            pyreadstat.write_sav(
                pandas_frame,
                str(path),
                variable_value_labels=labels,
                missing_ranges={k: v for k, v in meta.missing_ranges.items() if k in header},
            )
        else:
            pyreadstat.write_dta(pandas_frame, str(path), variable_value_labels=labels)
        return path.read_bytes()


# ------------------------------------------------------------------------------------ families


def _data_case(rng: random.Random, case: Case) -> None:
    which = rng.random()
    if which < 0.55:
        body, expected, must_fail, kinds, options, suffix = _csv_text(rng, case.marker)
        body, suffix, wrap = _wrap(rng, body, suffix)
        name = f"in/data.{suffix}"
        case.kind = "+".join(["text", *kinds, *([wrap] if wrap else [])])
        case.must_pass = set(case.kind.split("+")) <= _VALID_TEXT
    elif which < 0.6:
        # Size cases: a long last line, many blank lines, a few thousand rows.
        size = rng.choice(("long_last_line", "many_blank_lines", "many_rows"))
        header, rows, note = _table(rng, case.marker, 2000 if size == "many_rows" else 30)
        if size == "long_last_line":
            rows[-1][note] += " " + "y" * 200_000
        lines = [",".join(line) for line in [header, *rows]]
        if size == "many_blank_lines":
            lines += [""] * 100_000
        body, expected, must_fail, options = ("\n".join(lines) + "\n").encode(), len(rows), None, []
        body, suffix, wrap = _wrap(rng, body, "csv")
        name = f"in/data.{suffix}"
        case.kind = "+".join(["size", size, *([wrap] if wrap else [])])
        case.must_pass = True
    elif which < 0.88:
        fmt = rng.choice(("parquet", "sav", "dta", "csv.gz", "zip"))
        n = rng.choice((5, 40, 150))
        body = _binary(rng, case.marker, fmt, n)
        damage = rng.choice(("truncated", "truncated", "flipped", "intact"))
        expected, must_fail = n, None
        if damage == "truncated":
            cut = rng.choice((1, 2, 16, rng.randrange(1, len(body)), len(body) // 2))
            body = body[: max(0, len(body) - cut)]
            must_fail, expected = f"truncated_{fmt.replace('.', '_')}", None
        elif damage == "flipped":
            body, expected = _flip(rng, body, rng.choice((1, 4, 16))), None
        name, options = f"in/data.{fmt}", []
        case.kind = f"binary+{fmt}+{damage}"
        case.must_pass = damage == "intact"
    else:
        lines = list(_ipums_lines()[: rng.choice((1, 5, 50, 300))])
        kinds, must_fail = [], None
        expected: int | None = len(lines)
        mutation = rng.choice(("clean", "blank", "crlf", "cr", "short_last", "flip", "long_line"))
        if mutation == "blank":
            for _ in range(3):
                lines.insert(rng.randrange(len(lines) + 1), b"")
        elif mutation == "short_last":
            lines[-1] = lines[-1][: rng.randrange(1, len(lines[-1]))]
            must_fail = "truncated_fixed_width"
        elif mutation == "long_line":
            # Bytes after the last field: every field still reads right, and an IPUMS DDI
            # states no record length (a CSPro dictionary does, and there they are refused).
            lines[rng.randrange(len(lines))] += b"12345"
        end = {"crlf": b"\r\n", "cr": b"\r"}.get(mutation, b"\n")
        body = end.join(lines) + end
        if mutation == "flip":
            body, expected = _flip(rng, body, 3), None
        kinds.append(mutation)
        name = "in/cps_00160.dat"
        case.files["in/cps_00160.xml"] = IPUMS_XML.read_bytes()
        options = ["--codebook", "in/cps_00160.xml"]
        case.kind = "fixed_width+" + "+".join(kinds)
        case.must_pass = mutation in ("clean", "crlf")
        command = rng.choice(("inspect", "convert"))
        case.files[name] = body
        case.expected_records, case.must_fail = expected, must_fail
        if command == "inspect":
            case.command, case.argv = command, ["inspect", name, "--json", *options]
        else:
            case.command, case.target = command, "out/x.parquet"
            case.argv = ["convert", name, "--to", "out/x.parquet", *options]
        return
    case.files[name] = body
    case.files["in/profile.toml"] = PROFILE.read_bytes()
    case.expected_records, case.must_fail = expected, must_fail
    case.command, case.argv, case.target = _data_command(rng, name, options)


def _profile_case(rng: random.Random, case: Case) -> None:
    document = copy.deepcopy(_profile_document())
    document["census"]["reference_date"] = document["census"]["reference_date"]
    concepts = document["concepts"]
    mutation = rng.choice(
        (
            "wrong_type",
            "wrong_type",
            "huge_code",
            "huge_code",
            "huge_number",
            "contradictory",
            "contradictory",
            "missing_key",
            "deep_nesting",
            "odd_unicode",
            "foreign_digits_range",
            "geography_nan",
            "weight_text",
            "concept_on_free_text",
            "concept_on_free_text",
            "invalid_toml",
            "schema_version",
            "design",
            "design",
            "protection",
            "protection",
        )
    )
    must_fail: str | None = None
    raw: str | None = None
    if mutation == "wrong_type":
        odd = rng.choice((5, True, 1.5, [], {}, "x", float("nan"), [1, 2], {"a": {"b": 1}}))
        where = rng.choice(
            ("concept_column", "concept_codes", "not_stated", "date", "months", "person_id")
        )
        concept = concepts[rng.choice(sorted(concepts))]
        if where == "concept_column":
            concept["column"] = odd
        elif where == "concept_codes":
            concept["codes"] = odd
        elif where == "not_stated":
            concept["not_stated"] = odd
        elif where == "date":
            document["census"]["reference_date"] = odd
        elif where == "months":
            document["census"]["residence_rule_months"] = odd
        else:
            document["data"]["person_id"] = odd
        mutation += "_" + where
    elif mutation == "huge_code":
        code = rng.choice(
            ("9223372036854775808", "18446744073709551616", "-9223372036854775809", "1" + "0" * 30)
        )
        where = rng.choice(("codes", "not_applicable", "range"))
        if where == "codes":
            concepts["sex"]["codes"][code] = "F"
        elif where == "not_applicable":
            concepts["age"]["not_applicable"] = [code]
        else:
            document["schema_version"] = 2
            concepts["sex"]["code_groups"] = [
                {"codes": [{"from": "3", "to": code}], "standard": "F"}
            ]
        mutation += "_" + where
    elif mutation == "huge_number":
        value = rng.choice((10**19, 2**63 - 1, -(2**63), 10**400))
        where = rng.choice(("months", "schema"))
        if where == "months":
            document["census"]["residence_rule_months"] = value
        else:
            document["schema_version"] = value
        mutation += "_" + where
    elif mutation == "contradictory":
        which = rng.choice(("range_overlap", "not_stated_code", "stated_twice"))
        if which == "range_overlap":
            document["schema_version"] = 2
            concepts["sex"]["code_groups"] = [
                {"codes": [{"from": "1", "to": "2"}], "standard": "F"}
            ]
        elif which == "not_stated_code":
            concepts["sex"]["not_stated"] = ["1", "9"]
        else:
            concepts["residence_1_year_ago"]["not_applicable"] = ["8", "9"]
        must_fail = f"contradictory_{which}"
        mutation += "_" + which
    elif mutation == "missing_key":
        where = rng.choice(
            ("census.country", "census.reference_date", "data.person_id", "sex.column", "census")
        )
        if where == "census":
            del document["census"]
        elif where.startswith("census.") or where.startswith("data."):
            section, key = where.split(".")
            del document[section][key]
        else:
            del concepts["sex"]["column"]
        mutation += "_" + where
    elif mutation == "odd_unicode":
        odd = rng.choice(("SEX\u200d", "\u202eSEX", "\uff33\uff25\uff38", "S\u0301EX", "SEX\x00"))
        concepts["sex"]["column"] = odd
        concepts["sex"]["codes"] = {"1": "M", "2\u200b": "F"}
    elif mutation == "foreign_digits_range":
        document["schema_version"] = 2
        concepts["sex"]["codes"] = {"3": "F"}
        concepts["sex"]["code_groups"] = [
            {"codes": [{"from": "\u0661", "to": "\u0662"}], "standard": "M"}
        ]
        must_fail = "non_ascii_range"
    elif mutation == "geography_nan":
        document["geography"]["levels"][0]["labels"]["1"] = rng.choice(("nan", "NaN", "null"))
        must_fail = "geography_label_nan"
    elif mutation == "weight_text":
        document["data"]["weight"] = "NOTE"
    elif mutation == "concept_on_free_text":
        concept = rng.choice(("disability", "sex", "reason_for_migration", "age"))
        concepts[concept]["column"] = "NOTE"
        mutation += "_" + concept
    elif mutation == "schema_version":
        document["schema_version"] = rng.choice((0, -1, 3, 999, "1"))
    elif mutation == "design":
        which, must_fail = _design(rng, document)
        mutation += "_" + which
    elif mutation == "protection":
        mutation += "_" + _protection(rng, document)
    text = raw or toml_text.dumps(document)
    if mutation == "deep_nesting":
        depth = rng.choice((50, 5000))
        text = f"x = {'[' * depth}{']' * depth}\n" + text
        mutation += f"_{depth}"
    elif mutation == "invalid_toml":
        text = text[: rng.randrange(len(text))] + rng.choice(("", "[", "= =", '"\\u', "\x00"))
    case.kind = mutation
    n = rng.choice((20, 60))
    case.files["in/data.csv"] = _clean_csv(rng, case.marker, n)
    case.files["in/profile.toml"] = text.encode()
    case.expected_records, case.must_fail = n, must_fail
    command = rng.choice(("tabulate", "tabulate", "check", "convert"))
    if command != "tabulate" and mutation.startswith("design"):
        case.must_fail = None  # only tabulate computes with the design's columns
    if command == "tabulate":
        recipes = [a for r in rng.sample(FAST_RECIPES, 2) for a in ("-r", r)]
        case.argv = ["-q", "tabulate", "in/data.csv", "-p", "in/profile.toml", "-o", "out/result"]
        case.argv += recipes
        case.target = "out/result"
    elif command == "check":
        case.argv = ["check", "in/data.csv", "-p", "in/profile.toml", "--json"]
    else:
        case.argv = ["convert", "in/data.csv", "--to", "out/x.parquet", "-p", "in/profile.toml"]
        case.target = "out/x.parquet"
    case.command = command


def _protection(rng: random.Random, document: dict[str, Any]) -> str:
    """Disclosure control ([protection]) on small files: a valid choice or an odd value.

    Returns:
        What was made (an odd value must give a clean error, a valid one a protected run).
    """
    method = rng.choice(("suppress", "suppress", "round3", "round5", "cell-key"))
    table: dict[str, Any] = {"method": method, "threshold": rng.choice((2, 3, 5))}
    if method == "suppress":
        table["rule"] = rng.choice(("count", "count-or-margin"))
    table["seed"] = rng.randrange(2**32)
    which = "valid_" + method
    if rng.random() < 0.4:
        odd = rng.choice((0, -1, True, 1.5, [], {}, "x", 10**20, float("nan"), "cellkey"))
        key = rng.choice(("method", "threshold", "rule", "interval", "seed", "ptable", "recipes"))
        table[key] = odd
        which = "odd_" + key
    document["protection"] = table
    return which


def _design(rng: random.Random, document: dict[str, Any]) -> tuple[str, str | None]:
    """A survey design ([design], [estimates]) on the sample's columns: valid or not.

    Returns:
        What was made, and why it must fail (None when it may run).
    """
    document["data"]["weight"] = "YOB"  # positive whole numbers: a valid weight
    which = rng.choice(
        (
            "taylor",
            "taylor_text_strata",
            "taylor_fpc_text",
            "replicates",
            "replicates_text",
            "replicates_missing",
            "weight_zero",
            "odd_value",
            "estimates",
        )
    )
    must_fail: str | None = None
    lonely = rng.choice(("certainty", "remove", "adjust", "average"))
    if which == "taylor":
        document["design"] = {
            "method": "taylor",
            "strata": "REGION",
            "psu": "DISTRICT",
            "lonely_psu": lonely,
        }
    elif which == "taylor_text_strata":  # the marker's column as strata: never quoted
        document["design"] = {"method": "taylor", "strata": "NOTE", "lonely_psu": lonely}
    elif which == "taylor_fpc_text":
        document["design"] = {"method": "taylor", "psu": "DISTRICT", "fpc": "NOTE"}
        must_fail = "fpc_not_numbers"
    elif which == "replicates":
        document["design"] = {
            "method": rng.choice(("sdr", "jk1", "bootstrap", "brr")),
            "replicate_weights": ["YOB", "AGE", "EDUC", "HH_ID"],
        }
    elif which == "replicates_text":
        document["design"] = {"method": "sdr", "replicate_weights": ["YOB", "NOTE"]}
        must_fail = "replicate_not_numbers"
    elif which == "replicates_missing":
        document["design"] = {"method": "sdr", "replicate_weights": "RWGT1..RWGT80"}
        must_fail = "replicate_columns_missing"
    elif which == "weight_zero":
        document["data"]["weight"] = "AGE"  # the sample has infants: weight 0
        document["design"] = {"method": "taylor", "psu": "HH_ID", "lonely_psu": lonely}
        # fails only when the drawn rows hold an infant (weight 0): not always
    elif which == "odd_value":
        odd = rng.choice((5, True, 1.5, [], {}, "x", float("nan"), [1, 2], "RW1..RW0", -1))
        key = rng.choice(
            ("method", "strata", "psu", "fpc", "lonely_psu", "replicate_weights", "rho", "scale")
        )
        document["design"] = {"method": "fay", "replicate_weights": ["YOB", "AGE"], "rho": 0.5}
        document["design"][key] = odd
        which += "_" + key
    else:
        odd = rng.choice((0.2, 1.0, "x", True, -5, 10**30, float("inf")))
        key = rng.choice(("confidence", "cv_caution", "cv_unreliable", "min_unweighted"))
        document["design"] = {"method": "taylor", "psu": "HH_ID", "lonely_psu": lonely}
        document["estimates"] = {key: odd}
        which += "_" + key
    return which, must_fail


_CONDITIONS = (
    "age >= \u00b2",
    "age >= --15",
    "age >= 99999999999999999999",
    "age >= 9223372036854775808",
    "age >= -5",
    "age in 1, 2",
    "age >= 1e3",
    "age >= \u0661\u0665",
    "age >= 15.5",
    "age >= \u00bd",
    "age >= 1_5",
    "age >= +15",
    "age >= 0x10",
    "age >= 15 15",
    "age >=",
    ">= 15",
    "age == 15",
    "AGE >= 15",
    "nativity = foreign_born",
    "nativity = nope",
    "nativity in foreign_born, native_born",
    "sex = M",
    "sex = M = F",
    "sex in M,",
    "year_of_arrival >= 2020",
    "year_of_arrival <= -99999999999999999999",
    "year_of_arrival >= 99999",
    "country_of_birth = ZZZ",
    "country_of_birth in ARG, BRA",
    "region = 1",
    "age < 0",
    "age > 200",
    "",
    "   ",
    "age >= 15\x00",
)
_BREAKS = (
    [0, 10**18],
    [0, 2**63 - 1],
    [0, 10**19],
    [0, 1e20],
    [0, 15.5],
    [5, 3],
    [0],
    [],
    [-1, 5],
    [0, 15, 15],
    ["0", "15"],
    list(range(0, 300, 1)),
    [0, 121],
    [0, 1_000_000],
    [0, 15, 65],
    [True, 5],
)
_TOPS = (10**30, 2**63, 2**63 - 1, 0, -1, 1, 3, 1.5, "5", True, 10**6, 10**18)


def _recipe_case(rng: random.Random, case: Case) -> None:
    documents = _recipe_documents()
    source = rng.choice(sorted(documents))
    document = copy.deepcopy(documents[source])
    recipe_id = f"fuzz{case.case_id}"
    document["id"] = recipe_id
    mutation = rng.choice(
        ("condition", "condition", "breaks", "breaks", "top", "top", "dimensions", "options")
    )
    detail = ""
    if mutation == "condition":
        picks = rng.sample(_CONDITIONS, rng.choice((1, 1, 2)))
        document["universe"]["where"] = picks
        detail = str(_CONDITIONS.index(picks[0]))
    elif mutation == "breaks":
        dimension = rng.choice(("age_group", "broad_age_group", "period_of_arrival"))
        breaks = rng.choice(_BREAKS)
        document["rows"], document["columns"] = [dimension], ["sex"]
        document.setdefault("options", {}).pop("percent_of", None)
        document["categories"] = {dimension: {"breaks": breaks}}
        detail = f"{dimension}_{_BREAKS.index(breaks)}"
        if dimension == "period_of_arrival":
            document["universe"]["where"] = []
    elif mutation == "top":
        dimension = rng.choice(("country_of_birth", "citizenship"))
        top = rng.choice(_TOPS)
        document["rows"], document["columns"] = [dimension], ["sex"]
        document.setdefault("options", {}).pop("percent_of", None)
        document["categories"] = {dimension: {"top": top}}
        detail = f"{dimension}_{_TOPS.index(top)}"
    elif mutation == "dimensions":
        from censusmig.dimensions import DIMENSIONS

        names = sorted(DIMENSIONS)
        count = rng.choice((1, 2, 3, 4, 5, 8)) if rng.random() < 0.15 else rng.choice((1, 2, 3))
        picked = rng.sample(names, count)
        oddity = rng.choice(("", "", "repeat", "unknown", "empty_rows"))
        if oddity == "repeat":
            picked.append(picked[0])
        elif oddity == "unknown":
            picked.append(rng.choice(("agegroup", "nope", "", "Sex", "age")))
        split = rng.randrange(1, len(picked) + 1)
        document["rows"], document["columns"] = picked[:split], picked[split:]
        if oddity == "empty_rows":
            document["rows"] = []
        document.setdefault("options", {}).pop("percent_of", None)
        detail = f"{count}{('_' + oddity) if oddity else ''}"
    else:
        options = document.setdefault("options", {})
        key = rng.choice(("percent_of", "country_order", "allow_coarser", "nope"))
        options[key] = rng.choice((["nope"], "size", 5, True, [], ["sex", "sex"], "alphabetical"))
        detail = key
    case.kind = f"{mutation}_{detail}" if detail else mutation
    n = rng.choice((20, 60, 150))
    case.files["in/data.csv"] = _clean_csv(rng, case.marker, n)
    case.files["in/profile.toml"] = PROFILE.read_bytes()
    case.files[f"in/recipes/{recipe_id}.toml"] = toml_text.dumps(document).encode()
    case.expected_records = n
    if rng.random() < 0.15:
        case.command = "recipes show"
        case.argv = ["recipes", "show", recipe_id, "--recipes-dir", "in/recipes"]
        return
    case.command = "tabulate"
    case.argv = ["-q", "tabulate", "in/data.csv", "-p", "in/profile.toml", "-o", "out/result"]
    case.argv += ["--recipes-dir", "in/recipes", "-r", recipe_id]
    case.target = "out/result"


_OPTIONS: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("tabulate", "--batch-rows", (0, -1, 1, 2**32 - 1, 2**32, 2**64, 10**30, "abc", "1e3")),
    ("check", "--max-ids", (-1, 0, 2**63, 10**30, "x")),
    ("inspect", "--max-codes", (-1, 0, 2**63, 10**30)),
    ("sample", "--persons", (-1, 0, 1, 3, 2**63, 10**30, "1.5")),
    ("sample", "--seed", (-1, 2**32, 2**64, -(2**63), "x")),
    ("sample", "--out", (".", "", "out/", "out/x.txt", "out/x", "out/no/such/dir/x.csv")),
    ("profile init", "--out", (".", "", "out/", "out/existing.toml", "out/dir")),
    ("profile init", "--country", ("ZZZ", "", "arg", "QUE", "\u202eARG", "A" * 300)),
    ("profile init", "--reference-date", ("2025-13-45", "", "REVIEW", "0000-01-01", "99999-01-01")),
    ("tabulate", "--out", (".", "in/data.csv", "out/", "out/csvdir", "out/no/such/dir")),
    ("tabulate", "--format", ("", "pdf", "csv,csv", ",", "CSV", "xlsx")),
    ("tabulate", "-r", ("nope", "", "nativity_age_sex", "../recipes/nativity_age_sex")),
    ("tabulate", "--recipes-dir", ("in/nope", "in/data.csv", "out", "in")),
    ("tabulate", "-p", ("in/nope.toml", "in", "in/data.csv", "in/empty.toml")),
    ("check", "--delimiter", ("", "ab", "\\t", "tab", "\x01", ",", ";", "pipe", "\n", '"')),
    ("inspect", "--encoding", ("nope", "utf-16", "rot13", "latin-1", "", "utf-8-sig", "base64")),
    ("inspect", "--data-format", ("", "xlsx", "csv", "parquet", "fixed-width", "sav", "dta")),
    ("inspect", "--codebook", ("in/nope.xml", "in", "in/data.csv", "cspro", "ipums", "cut_ipums")),
    ("inspect", "--record", ("", "Z", "P", "\x01")),
    ("inspect", "--columns", ("", "a", "a,a", ",", "many")),
    ("tabulate", "data", ("in/nope.csv", "in", "in/empty.csv", "/dev/null", "in/data.xlsx")),
    ("convert", "--to", (".", "out/", "out/x.csv", "in/data.csv", "out/no/such/dir/x.parquet")),
)


def _options_case(rng: random.Random, case: Case) -> None:
    command, option, values = rng.choice(_OPTIONS)
    value = rng.choice(values)
    n = rng.choice((5, 30))
    case.files["in/data.csv"] = _clean_csv(rng, case.marker, n)
    case.files["in/profile.toml"] = PROFILE.read_bytes()
    case.kind = f"{command.replace(' ', '_')}{option}={value!r}"[:80]
    case.expected_records = n
    text = str(value)
    reading = option in ("--delimiter", "--encoding", "--data-format", "--columns", "--codebook")
    if reading or option in ("--record", "data"):
        case.expected_records = None
    if option == "--codebook":
        if text == "cspro":
            text = "in/k.dcf"
            case.files[text] = CSPRO_DCF.read_bytes()
        elif text in ("ipums", "cut_ipums"):
            xml = IPUMS_XML.read_bytes()
            case.files["in/k.xml"] = xml if text == "ipums" else xml[: len(xml) // 2]
            text = "in/k.xml"
    if option == "--columns" and text == "many":
        text = ",".join(f"c{i}" for i in range(60))
    if text == "in/empty.toml" or text == "in/empty.csv":
        case.files[text] = b""
    if text == "in/data.xlsx":
        case.files[text] = case.files["in/data.csv"]
    if text == "out/existing.toml":
        case.files[text] = b"# an existing profile\n"
    if text in ("out/dir", "out/csvdir"):
        case.folders.append(text)
        if text == "out/csvdir":
            case.folders.append("out/csvdir/csv/nativity_age_sex.csv")
    case.command = command
    if command == "sample":
        argv = ["sample", "--out", "out/s.csv", "--persons", "20"]
        target = "out/s.csv"
        if option == "--out":
            argv[2], target = text, text
        else:
            argv += [option, text]
        case.argv, case.target, case.expected_records = argv, None, None
        return
    if command == "profile init":
        argv = ["profile", "init", "in/data.csv", "--out", "out/draft.toml"]
        if option == "--out":
            argv[4] = text
            argv += ["--force"] if rng.random() < 0.5 else []
        else:
            argv += [option, text]
        case.argv, case.target = argv, None
        return
    if command == "tabulate":
        argv = ["-q", "tabulate", "in/data.csv", "-p", "in/profile.toml", "-o", "out/result"]
        argv += ["-r", "nativity_age_sex"] if option not in ("-r", "--recipes-dir") else []
        target: str | None = "out/result"
        if option == "--out":
            argv[6], target = text, None
        elif option == "-p":
            argv[4] = text
        elif option == "data":
            argv[2] = text
        else:
            argv += [option, text]
        if option == "--recipes-dir":
            argv += ["-r", "nativity_age_sex"]
        case.argv, case.target = argv, target
        return
    if command == "convert":
        case.argv, case.target = ["convert", "in/data.csv", "--to", text], None
        return
    base = ["check", "in/data.csv", "-p", "in/profile.toml", "--json"]
    if command == "inspect":
        base = ["inspect", "in/data.csv", "--json"]
    if option == "--columns":
        base.append("--no-header")
    case.argv = [*base, option, text]


def _folder_case(rng: random.Random, case: Case) -> None:
    """A folder of Parquet files made of generated rows (:mod:`fuzz.folders`)."""
    n = rng.choice((0, 1, 3, 20, 60, 150))
    header, rows, _ = _table(rng, case.marker, n)
    recipes = rng.sample(FAST_RECIPES, rng.choice((1, 1, 2)))
    # Folder case number k (one in every len(ROTATION) cases) runs Spark when k is 24, 49...:
    # a run of the first N cases never holds more than a 25th of its folder cases on Spark.
    number = case.case_id // len(ROTATION)
    spark = number % folders.SPARK_EVERY == folders.SPARK_EVERY - 1
    made = folders.fill_case(rng, header, rows, recipes, spark)
    case.kind, case.command, case.argv, case.target = (
        made.kind,
        made.command,
        made.argv,
        made.target,
    )
    case.files = {**made.files, "in/profile.toml": PROFILE.read_bytes()}
    case.folders = made.folders
    case.expected_records, case.must_fail, case.must_pass = (
        made.expected_records,
        made.must_fail,
        made.must_pass,
    )
    case.must_refuse = made.must_fail is not None
    case.reruns, case.frame_checks = made.reruns, made.frame_checks
    case.partition_checks = made.partition_checks


def generate_case(seed: int, index: int) -> Case:
    """Build case ``index`` of ``seed`` (deterministic, independent of every other case)."""
    rng = random.Random(f"{seed}:{index}")
    family = ROTATION[index % len(ROTATION)]
    case = Case(case_id=index, family=family, kind="", command="", argv=[])
    case.marker = f"ZQX{seed}Q{index:05d}"
    {
        "data": _data_case,
        "profile": _profile_case,
        "recipe": _recipe_case,
        "options": _options_case,
        "folder": _folder_case,
    }[family](rng, case)
    return case


def _appended(field: str, text: str) -> str:
    """``field`` with ``text`` added as data: inside its quotes when it is a quoted field.

    Text after a closing quote would make the record invalid CSV (and a valid case must stay
    valid whatever mutations it combines); a quote in the added text is doubled inside quotes
    and written as an apostrophe outside them.
    """
    if len(field) >= 2 and field.startswith('"') and field.endswith('"'):
        return field[:-1] + text.replace('"', '""') + '"'
    return field + text.replace('"', "'")
