"""Fixed-width text read through a codebook: IPUMS DDI XML and CSPro dictionaries.

Real files (see tests/data/README.md): two IPUMS CPS extracts from the ipumsr package, read
against ipumspy's own reader as an independent oracle, and the Kenya 2019 census CSPro
dictionary, with lines built at its positions. A small handmade dictionary, in the CSPro 7
text format and the CSPro 8 JSON format, covers the edge cases.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from censusmig.errors import InputError
from censusmig.readers.fixedwidth import (
    FixedField,
    Layout,
    check_layout,
    layout_metadata,
    read_codebook,
    scan_fixed_width,
)

DATA = Path(__file__).resolve().parent / "data"
CPS_XML = DATA / "ipums" / "cps_00160.xml"
CPS_GZ = DATA / "ipums" / "cps_00160.dat.gz"
CPS_HIER_XML = DATA / "ipums" / "cps_00159.xml"
CPS_HIER_GZ = DATA / "ipums" / "cps_00159.dat.gz"
KENYA = DATA / "cspro" / "CensusMainShortForm.dcf"


def gunzip(source: Path, target: Path) -> Path:
    with gzip.open(source, "rb") as packed, target.open("wb") as plain:
        shutil.copyfileobj(packed, plain)
    return target


def ipumspy_reader() -> Any:
    readers = pytest.importorskip("ipumspy.readers")
    return readers


def read_ddi_with_ipumspy(xml: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ipumspy_reader().read_ipums_ddi(xml)


def fixed_line(layout: Layout, values: Mapping[str, str]) -> str:
    """A data line with each value at its field's columns, trailing blanks dropped as CSPro does.

    Numeric values are right-justified, alpha values left-justified.
    """
    by_name = {item.name: item for item in layout.fields}
    chars = [" "] * max(item.end for item in layout.fields)

    def put(start: int, text: str) -> None:
        chars[start - 1 : start - 1 + len(text)] = list(text)

    if layout.record_type is not None:
        start, width, value = layout.record_type
        put(start, value.ljust(width))
    for name, text in values.items():
        item = by_name[name]
        assert len(text) <= item.width, name
        put(item.start, text.rjust(item.width) if item.numeric else text.ljust(item.width))
    return "".join(chars).rstrip()


def write_lines(path: Path, lines: Sequence[str], newline: str = "\n", bom: bool = False) -> Path:
    text = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- IPUMS, rectangular


@pytest.fixture(scope="module")
def cps_dat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # ipumspy picks its reader by the ".dat" suffix, so the file keeps the codebook's name.
    return gunzip(CPS_GZ, tmp_path_factory.mktemp("cps") / "cps_00160.dat")


@pytest.fixture(scope="module")
def cps_oracle(cps_dat: Path) -> pl.DataFrame:
    ddi = read_ddi_with_ipumspy(CPS_XML)
    return pl.from_pandas(ipumspy_reader().read_microdata(ddi, cps_dat))


def test_ipums_layout_from_the_ddi() -> None:
    layout = read_codebook(CPS_XML)
    assert layout.kind == "ddi"
    assert layout.record_type is None
    assert layout.record_length is None
    # The DDI names cps_00160.dat; only its gzipped download is beside the codebook.
    assert layout.data_file == CPS_GZ
    names = [item.name for item in layout.fields]
    assert names == [
        "YEAR", "SERIAL", "MONTH", "CPSID", "ASECFLAG", "ASECWTH", "STATEFIP", "PERNUM",
        "CPSIDP", "ASECWT", "AGE", "EDUC", "INCTOT", "MIGRATE1", "HEALTH",
    ]  # fmt: skip
    by_name = {item.name: item for item in layout.fields}
    assert by_name["ASECWT"] == FixedField(
        name="ASECWT",
        start=56,
        width=11,
        numeric=True,
        decimals=4,
        label="Annual Social and Economic Supplement Weight",
    )
    assert (by_name["MIGRATE1"].start, by_name["MIGRATE1"].width) == (81, 1)
    assert by_name["HEALTH"].end == 82


def test_ipums_values_equal_ipumspy_column_by_column(
    cps_dat: Path, cps_oracle: pl.DataFrame
) -> None:
    layout = read_codebook(CPS_XML)
    check_layout(cps_dat, layout)
    frame = scan_fixed_width(cps_dat, layout).collect()
    assert frame.height == cps_oracle.height == 10_883
    assert frame.columns == cps_oracle.columns
    for name in frame.columns:
        assert frame[name].dtype == cps_oracle[name].dtype, name
        assert frame[name].equals(cps_oracle[name]), name


def test_ipums_implied_decimals(cps_dat: Path) -> None:
    layout = read_codebook(CPS_XML)
    weights = scan_fixed_width(cps_dat, layout).select("ASECWT", "ASECWTH").collect()
    lines = cps_dat.read_text(encoding="ascii").splitlines()
    # ASECWT holds 11 digits with four implied decimals in columns 56-66.
    assert weights["ASECWT"].to_list() == [int(line[55:66]) / 10_000 for line in lines]
    assert weights["ASECWTH"].to_list() == [int(line[26:37]) / 10_000 for line in lines]
    assert weights["ASECWT"][0] == 3249.07


def test_ipums_scan_is_lazy_and_streams(cps_dat: Path) -> None:
    lazy = scan_fixed_width(cps_dat, read_codebook(CPS_XML))
    assert isinstance(lazy, pl.LazyFrame)
    schema = lazy.collect_schema()
    assert schema["AGE"] == pl.Int64 and schema["ASECWT"] == pl.Float64
    streamed = lazy.select(pl.col("AGE").sum(), pl.len()).collect(engine="streaming")
    assert streamed.row(0) == (lazy.collect()["AGE"].sum(), 10_883)


def test_ipums_metadata() -> None:
    metadata = layout_metadata(read_codebook(CPS_XML))
    assert metadata.format == "ddi"
    assert metadata.column_labels["AGE"] == "Age"
    assert metadata.column_labels["MIGRATE1"] == "Migration status, 1 year"
    # Numeric codes are the numbers' text: the DDI writes March as "03".
    assert metadata.value_labels["MONTH"]["3"] == "March"
    assert metadata.value_labels["STATEFIP"]["6"] == "California"
    assert metadata.value_labels["MIGRATE1"]["6"] == "Abroad"
    assert "ASECWT" not in metadata.value_labels
    assert metadata.missing == {}


def test_ipums_rectangular_extract_has_no_record_to_choose() -> None:
    with pytest.raises(InputError, match="rectangular"):
        read_codebook(CPS_XML, record="H")


# --------------------------------------------------------------------------- IPUMS, hierarchical


@pytest.fixture(scope="module")
def cps_hier_dat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gunzip(CPS_HIER_GZ, tmp_path_factory.mktemp("cps_hier") / "cps_00159.dat")


@pytest.fixture(scope="module")
def cps_hier_oracle(cps_hier_dat: Path) -> dict[str, pl.DataFrame]:
    ddi = read_ddi_with_ipumspy(CPS_HIER_XML)
    frames = ipumspy_reader().read_hierarchical_microdata(ddi, cps_hier_dat, as_dict=True)
    return {rectype: pl.from_pandas(frame) for rectype, frame in frames.items()}


@pytest.mark.parametrize(("record", "count"), [(None, 7_668), ("P", 7_668), ("h", 3_385)])
def test_ipums_hierarchical_selects_one_record_type(
    cps_hier_dat: Path, cps_hier_oracle: dict[str, pl.DataFrame], record: str | None, count: int
) -> None:
    layout = read_codebook(CPS_HIER_XML, record=record)
    rectype = (record or "P").upper()
    assert layout.record_type == (1, 1, rectype)
    assert layout.record == rectype
    check_layout(cps_hier_dat, layout)
    frame = scan_fixed_width(cps_hier_dat, layout).collect()
    oracle = cps_hier_oracle[rectype]
    assert frame.height == oracle.height == count
    assert frame.columns[: oracle.width] == oracle.columns
    for name in oracle.columns:
        assert frame[name].equals(oracle[name]), name


def test_ipums_persons_get_their_household_variables(
    cps_hier_dat: Path, cps_hier_oracle: dict[str, pl.DataFrame]
) -> None:
    layout = read_codebook(CPS_HIER_XML)
    assert layout.keys == ("YEAR", "SERIAL")
    frame = scan_fixed_width(cps_hier_dat, layout).collect()
    assert frame.columns[-3:] == ["MONTH", "ASECWTH", "STATEFIP"]
    # the oracle: ipumspy's two record types joined on the linking keys
    households = cps_hier_oracle["H"].drop("RECTYPE")
    expected = cps_hier_oracle["P"].join(households, on=["YEAR", "SERIAL"], how="left")
    assert frame.height == 7_668 and frame["STATEFIP"].null_count() == 0
    assert frame.sort("SERIAL", "PERNUM").equals(expected.sort("SERIAL", "PERNUM"))
    meta = layout_metadata(layout)
    assert meta.value_labels["STATEFIP"]["27"] == "Minnesota"


def test_ipums_hierarchical_unknown_record_type() -> None:
    with pytest.raises(InputError) as caught:
        read_codebook(CPS_HIER_XML, record="X")
    message = str(caught.value)
    assert "no record type 'X'" in message
    assert "P, H" in message


def test_ipums_record_type_absent_from_data(tmp_path: Path, cps_hier_dat: Path) -> None:
    households = [line for line in cps_hier_dat.read_text().splitlines() if line[0] == "H"]
    data = write_lines(tmp_path / "households.dat", households[:50])
    with pytest.raises(InputError) as caught:
        check_layout(data, read_codebook(CPS_HIER_XML))
    message = str(caught.value)
    assert "no line has the record type 'P'" in message
    assert "'H' (50 lines)" in message
    assert "cps_00159.xml" in message and "households.dat" in message


def test_ipums_short_and_non_numeric_lines_are_all_reported(tmp_path: Path, cps_dat: Path) -> None:
    lines = cps_dat.read_text().splitlines()[:40]
    private = lines[6][11:25]  # the CPSID of the line made bad below
    lines[4] = lines[4][:70]
    lines[6] = lines[6][:66] + "4x" + lines[6][68:]  # AGE is columns 67-68
    lines[9] = lines[9][:66] + "x1" + lines[9][68:]
    data = write_lines(tmp_path / "cps_00160.dat", lines)
    with pytest.raises(InputError) as caught:
        check_layout(data, read_codebook(CPS_XML))
    message = str(caught.value)
    assert "1 of 40 lines are shorter than the 82 characters" in message
    assert "line 5 has 70 characters" in message
    assert "numeric field AGE (columns 67-68)" in message
    assert "on 2 of 40 lines, first on line 7" in message
    assert "cps_00160.xml" in message and str(data) in message
    assert "Check that cps_00160.xml is the codebook of cps_00160.dat" in message
    assert private not in message and "4x" not in message


def test_ipums_sample_lines_limits_the_check(tmp_path: Path, cps_dat: Path) -> None:
    lines = cps_dat.read_text().splitlines()[:40]
    lines[30] = lines[30][:70]
    data = write_lines(tmp_path / "late.dat", lines)
    check_layout(data, read_codebook(CPS_XML), sample_lines=30)
    with pytest.raises(InputError, match="line 31 has 70 characters"):
        check_layout(data, read_codebook(CPS_XML), sample_lines=31)


# --------------------------------------------------------------------------- IPUMS, bad codebooks


def test_ipums_codebook_not_xml(tmp_path: Path) -> None:
    bad = tmp_path / "extract.xml"
    bad.write_text('<?xml version="1.0"?>\n<codeBook>\n  <dataDscr>\n</codeBook>\n')
    with pytest.raises(InputError, match=r"not well-formed XML at line 4, column"):
        read_codebook(bad)


def test_ipums_codebook_without_variables(tmp_path: Path) -> None:
    bad = tmp_path / "extract.xml"
    bad.write_text('<codeBook xmlns="ddi:codebook:2_5"><fileDscr><fileTxt/></fileDscr></codeBook>')
    with pytest.raises(InputError, match=r"not an IPUMS DDI codebook: it has no <dataDscr><var>"):
        read_codebook(bad)


def test_ipums_codebook_that_ipumspy_cannot_read(tmp_path: Path) -> None:
    text = CPS_XML.read_text(encoding="utf-8")
    bad = tmp_path / "extract.xml"
    bad.write_text(text.replace('<location EndPos="4" StartPos="1" width="4"/>', ""))
    with pytest.raises(InputError, match="ipumspy cannot read this DDI codebook"):
        read_codebook(bad)


# --------------------------------------------------------------------------- CSPro: Kenya 2019


@pytest.fixture(scope="module")
def kenya() -> Layout:
    return read_codebook(KENYA)


@pytest.fixture(scope="module")
def kenya_housing() -> Layout:
    return read_codebook(KENYA, record="HOUSING_REC")


def kenya_ids(county: str, household: str) -> dict[str, str]:
    return {"COUNTY": county, "SUBCOUNTY": "01", "EA": "005", "HHNUMBER": household}


@pytest.fixture()
def kenya_data(tmp_path: Path, kenya: Layout, kenya_housing: Layout) -> Path:
    def person(county: str, household: str, line: str, **values: str) -> str:
        return fixed_line(kenya, kenya_ids(county, household) | {"LINE_NUMBER": line} | values)

    def housing(county: str, household: str, **values: str) -> str:
        return fixed_line(kenya_housing, kenya_ids(county, household) | values)

    lines = [
        housing("47", "001", H21="123.456"),
        person("47", "001", "001", P00="TEST PERSON A", P11="2", P12="034", P19="047",
               P20="047", P62="0012345678"),
        person("47", "001", "002", P00="TEST PERSON B", P11="1", P12="005", P19="001",
               P20="001", P23="4"),
        housing("01", "002", H21="7.5"),
        person("01", "002", "001", P00="TEST PERSON C", P11="3", P19="406", P20="047"),
    ]  # fmt: skip
    # CSPro writes Windows line ends.
    return write_lines(tmp_path / "kenya.dat", lines, newline="\r\n")


def test_kenya_person_record_is_chosen_by_default(kenya: Layout) -> None:
    assert kenya.kind == "cspro"
    assert kenya.record == "POP_REC"
    assert kenya.record_type == (1, 2, "70")
    assert kenya.record_length == 422
    assert kenya.data_file is None
    names = [item.name for item in kenya.fields]
    # The 14 id items come first, then the record's 110 items.
    assert names[:3] == ["COUNTY", "SUBCOUNTY", "DIVISION"]
    assert names[14:17] == ["HH_KEEP_ROW", "LINE_NUMBER", "P00"]
    assert names[-1] == "NEM" and len(names) == 124
    by_name = {item.name: item for item in kenya.fields}
    assert by_name["P11"] == FixedField(
        name="P11",
        start=125,
        width=1,
        numeric=True,
        decimals=0,
        label="P11. Sex",
        value_labels={"1": "Male", "2": "Female", "3": "Intersex"},
    )
    assert (by_name["P62"].start, by_name["P62"].width, by_name["P62"].numeric) == (344, 15, False)


def test_kenya_person_records_are_selected_and_decoded(kenya: Layout, kenya_data: Path) -> None:
    check_layout(kenya_data, kenya)
    frame = scan_fixed_width(kenya_data, kenya).collect()
    assert frame.height == 3
    assert frame["COUNTY"].to_list() == [47, 47, 1]
    assert frame["LINE_NUMBER"].to_list() == [1, 2, 1]
    assert frame["P11"].to_list() == [2, 1, 3]
    assert frame["P12"].to_list() == [34, 5, None]
    assert frame["P19"].to_list() == [47, 1, 406]
    assert frame["P23"].to_list() == [None, 4, None]
    # An alpha item is text: its leading zeros stay.
    assert frame["P62"].to_list() == ["0012345678", None, None]
    assert frame["P00"].to_list() == ["TEST PERSON A", "TEST PERSON B", "TEST PERSON C"]
    assert frame.schema["P62"] == pl.String and frame.schema["P12"] == pl.Int64


def test_kenya_housing_record_with_decimal_mark(kenya_housing: Layout, kenya_data: Path) -> None:
    assert kenya_housing.record_type == (1, 2, "11")
    h21 = next(item for item in kenya_housing.fields if item.name == "H21")
    assert (h21.decimals, h21.decimal_char) == (3, True)
    check_layout(kenya_data, kenya_housing)
    frame = scan_fixed_width(kenya_data, kenya_housing).collect()
    assert frame["H21"].to_list() == [123.456, 7.5]
    assert frame["COUNTY"].to_list() == [47, 1]


def test_kenya_value_labels(kenya: Layout) -> None:
    metadata = layout_metadata(kenya)
    assert metadata.format == "cspro"
    assert metadata.column_labels["P19"] == "P19. Birth Place"
    assert metadata.value_labels["COUNTY"]["47"] == "Nairobi City"
    assert metadata.value_labels["COUNTY"]["1"] == "Mombasa"
    assert metadata.value_labels["P11"] == {"1": "Male", "2": "Female", "3": "Intersex"}
    # Birthplace codes: Kenya's counties, then countries.
    assert metadata.value_labels["P19"]["47"] == "Nairobi City"
    assert len(metadata.value_labels["P19"]) == 243
    # Age has only ranges (0:120 and groups): no code labels.
    assert "P12" not in metadata.value_labels
    # The dictionary's only special values are blank NOTAPPL codes, which are null in the frame.
    assert metadata.missing == {}


def test_kenya_record_by_name_and_unknown_record(kenya: Layout) -> None:
    assert read_codebook(KENYA, record="pop_rec") == kenya
    with pytest.raises(InputError) as caught:
        read_codebook(KENYA, record="POPREC")
    message = str(caught.value)
    assert "no record 'POPREC'. Did you mean 'POP_REC'?" in message
    assert "POP_REC, HOUSING_REC, DEATH_REC" in message
    assert "CensusMainShortForm.dcf" in message


def test_kenya_non_numeric_text_in_numeric_item(
    tmp_path: Path, kenya: Layout, kenya_data: Path
) -> None:
    lines = kenya_data.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:125] + "3A" + lines[2][127:]  # P12 is columns 126-128
    data = write_lines(tmp_path / "bad.dat", lines)
    with pytest.raises(InputError) as caught:
        check_layout(data, kenya)
    message = str(caught.value)
    assert "judged on its first 3 POP_REC records" in message
    assert "numeric field P12 (columns 126-128)" in message
    assert "on 1 of 3 lines, first on line 3" in message
    assert "TEST PERSON" not in message and "3A" not in message


def test_kenya_lines_longer_than_the_record(tmp_path: Path, kenya: Layout) -> None:
    line = fixed_line(kenya, {"COUNTY": "47", "NEM": "1"})
    assert len(line) == 422
    data = write_lines(tmp_path / "long.dat", [line, line + "  9"])
    with pytest.raises(InputError, match=r"1 of 2 lines are longer than the record length of 422"):
        check_layout(data, kenya)


def test_kenya_no_person_record_in_data(
    tmp_path: Path, kenya_housing: Layout, kenya: Layout
) -> None:
    lines = [fixed_line(kenya_housing, kenya_ids("47", f"{n:03}")) for n in range(1, 4)]
    data = write_lines(tmp_path / "housing_only.dat", lines)
    with pytest.raises(InputError) as caught:
        check_layout(data, kenya)
    message = str(caught.value)
    assert "no line has the record type '70' (POP_REC) in columns 1-2" in message
    assert "'11' (3 lines)" in message


# --------------------------------------------------------------------------- CSPro: edge cases

MINI_DCF = """\
[Dictionary]
Version=CSPro 7.7
Label=Mini census|Mini recensement
Name=MINI_DICT
RecordTypeStart=1
RecordTypeLen=1
Positions=Relative
ZeroFill=Yes
DecimalChar=No

[Level]
Label=Household
Name=MINI_QUEST

[IdItems]

[Item]
Label=Province
Name=PROV
Start=2
Len=2
DataType=Alpha

[ValueSet]
Label=Province
Name=PROV_VS1
Value='07';Coast
Value='12';Highlands

[Item]
Label=Household number
Name=HH
Start=4
Len=3
ZeroFill=Yes

[Record]
Label=Housing unit
Name=HOUSING
RecordTypeValue='1'
RecordLen=13

[Item]
Label=Rooms
Name=ROOMS
Start=7
Len=2

[Item]
Label=Floor area
Name=AREA
Start=9
Len=5
Decimal=1
DecimalChar=Yes

[Record]
Label=Persons in the household
Name=PERSONS
RecordTypeValue='2'
Required=No
MaxRecords=30
RecordLen=27

[Item]
Label=Sex|Sexe
Name=SEX
Start=7
Len=1

[ValueSet]
Label=Sex
Name=SEX_VS1
Value=1;Male|Homme
Value=2;Female|Femme
Value=9;Missing
Name=MISSING,Special

[Item]
Label=Age
Name=AGE
Start=8
Len=3

[ValueSet]
Label=Age
Name=AGE_VS1
Value=0:120
Value=998;Don't know
Note=Asked again at the end
Name=DEFAULT,Special
Value=999;Refused
Value='   ';Not applicable
Name=NOTAPPL,Special

[ValueSet]
Label=Age groups
Name=AGE_VS2
Value=0:14;Children
Value=15:120;Adults
Value=999;Other label

[Item]
Label=Date of birth
Name=DOB
Start=11
Len=8

[Item]
Label=Day of birth
Name=DOB_DAY
Start=11
Len=2
ItemType=SubItem

[Item]
Label=Month of birth
Name=DOB_MONTH
Start=13
Len=2
ItemType=SubItem

[Item]
Label=Children born alive
Name=CEB
Start=19
Len=2
Occurrences=2
OccurrenceLabel=1,Boys
OccurrenceLabel=2,Girls

[Item]
Label=Income
Name=INCOME
Start=23
Len=4
Decimal=2

[Item]
Label=Language
Name=LANG
Start=27
Len=1
DataType=Alpha

[ValueSet]
Label=Language
Name=LANG_VS1
Value='A';Amharic
Value='B' 'C';Other
Value=' ';Blank
Name=NOTAPPL,Special
"""


def mini_json() -> dict[str, Any]:
    """The same dictionary in the CSPro 8 JSON format (relative positions: no record starts)."""

    def labels(*texts: str) -> list[dict[str, str]]:
        return [{"text": text} for text in texts]

    def value(label: str, *codes: str, special: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"labels": labels(label), "pairs": [{"value": c} for c in codes]}
        if special:
            entry["special"] = special
        return entry

    def span(label: str, low: str, high: str) -> dict[str, Any]:
        return {"labels": labels(label), "pairs": [{"range": [low, high]}]}

    return {
        "software": "CSPro",
        "version": 8.0,
        "fileType": "dictionary",
        "name": "MINI_DICT",
        "labels": labels("Mini census"),
        "recordType": {"start": 1, "length": 1},
        "defaults": {"decimalMark": False, "zeroFill": True},
        "relativePositions": True,
        "levels": [
            {
                "name": "MINI_QUEST",
                "labels": labels("Household"),
                "ids": {
                    "items": [
                        {
                            "name": "PROV",
                            "labels": labels("Province"),
                            "contentType": "alpha",
                            "start": 2,
                            "length": 2,
                            "valueSets": [
                                {
                                    "name": "PROV_VS1",
                                    "values": [value("Coast", "07"), value("Highlands", "12")],
                                }
                            ],
                        },
                        {
                            "name": "HH",
                            "labels": labels("Household number"),
                            "contentType": "numeric",
                            "start": 4,
                            "length": 3,
                            "zeroFill": True,
                        },
                    ]
                },
                "records": [
                    {
                        "name": "HOUSING",
                        "labels": labels("Housing unit"),
                        "recordType": "1",
                        "occurrences": {"required": True, "maximum": 1},
                        "items": [
                            {"name": "ROOMS", "labels": labels("Rooms"),
                             "contentType": "numeric", "length": 2},
                            {"name": "AREA", "labels": labels("Floor area"),
                             "contentType": "numeric", "length": 5, "decimals": 1,
                             "decimalMark": True},
                        ],
                    },
                    {
                        "name": "PERSONS",
                        "labels": labels("Persons in the household"),
                        "recordType": "2",
                        "occurrences": {"required": False, "maximum": 30},
                        "items": [
                            {"name": "SEX", "labels": labels("Sex", "Sexe"),
                             "contentType": "numeric", "length": 1,
                             "valueSets": [{"name": "SEX_VS1", "values": [
                                 value("Male", "1"), value("Female", "2"),
                                 value("Missing", "9", special="MISSING")]}]},
                            {"name": "AGE", "labels": labels("Age"),
                             "contentType": "numeric", "length": 3,
                             "valueSets": [
                                 {"name": "AGE_VS1", "values": [
                                     span("", "0", "120"),
                                     value("Don't know", "998", special="DEFAULT"),
                                     value("Refused", "999"),
                                     value("Not applicable", special="NOTAPPL")]},
                                 {"name": "AGE_VS2", "values": [
                                     span("Children", "0", "14"), span("Adults", "15", "120"),
                                     value("Other label", "999")]}]},
                            {"name": "DOB", "labels": labels("Date of birth"),
                             "contentType": "numeric", "length": 8},
                            {"name": "DOB_DAY", "labels": labels("Day of birth"),
                             "contentType": "numeric", "subitem": True, "subitemOffset": 0,
                             "length": 2},
                            {"name": "DOB_MONTH", "labels": labels("Month of birth"),
                             "contentType": "numeric", "subitem": True, "subitemOffset": 2,
                             "length": 2},
                            {"name": "CEB", "labels": labels("Children born alive"),
                             "occurrences": {"maximum": 2, "labels": [
                                 {"occurrence": 1, "labels": labels("Boys")},
                                 {"occurrence": 2, "labels": labels("Girls")}]},
                             "contentType": "numeric", "length": 2},
                            {"name": "INCOME", "labels": labels("Income"),
                             "contentType": "numeric", "length": 4, "decimals": 2,
                             "decimalMark": False},
                            {"name": "LANG", "labels": labels("Language"),
                             "contentType": "alpha", "length": 1,
                             "valueSets": [{"name": "LANG_VS1", "values": [
                                 value("Amharic", "A"), value("Other", "B", "C"),
                                 value("Blank", " ", special="NOTAPPL")]}]},
                        ],
                    },
                ],
            }
        ],
    }  # fmt: skip


@pytest.fixture()
def mini_dcf(tmp_path: Path) -> Path:
    # A BOM and Windows line ends, as CSPro writes them.
    path = tmp_path / "mini.dcf"
    path.write_bytes(b"\xef\xbb\xbf" + MINI_DCF.replace("\n", "\r\n").encode("utf-8"))
    return path


@pytest.fixture()
def mini_json_dcf(tmp_path: Path) -> Path:
    path = tmp_path / "mini8.dcf"
    path.write_text(json.dumps(mini_json(), indent=2), encoding="utf-8")
    return path


def test_mini_dictionary_layout(mini_dcf: Path) -> None:
    layout = read_codebook(mini_dcf)
    assert layout.record == "PERSONS"  # its label says "Persons"
    assert layout.record_type == (1, 1, "2")
    assert layout.record_length == 27
    fields = {item.name: item for item in layout.fields}
    # Subitems lie inside DOB, which is kept; CEB occurs twice.
    assert list(fields) == ["PROV", "HH", "SEX", "AGE", "DOB", "CEB_1", "CEB_2", "INCOME", "LANG"]
    assert fields["PROV"].value_labels == {"07": "Coast", "12": "Highlands"}
    assert not fields["PROV"].numeric
    assert fields["SEX"].label == "Sex"
    assert fields["SEX"].value_labels == {"1": "Male", "2": "Female", "9": "Missing"}
    assert fields["SEX"].missing == ("9",)
    # Ranges have no code labels; only the first value set labels codes.
    assert fields["AGE"].value_labels == {"998": "Don't know", "999": "Refused"}
    assert fields["AGE"].missing == ("998",)
    assert (fields["CEB_1"].start, fields["CEB_2"].start, fields["CEB_2"].width) == (19, 21, 2)
    assert fields["CEB_2"].label == "Children born alive (Girls)"
    assert (fields["INCOME"].decimals, fields["INCOME"].decimal_char) == (2, False)
    assert fields["LANG"].value_labels == {"A": "Amharic", "B": "Other", "C": "Other"}
    assert fields["LANG"].missing == ()


def test_mini_json_dictionary_equals_the_text_one(mini_dcf: Path, mini_json_dcf: Path) -> None:
    for record in (None, "HOUSING"):
        text = read_codebook(mini_dcf, record=record)
        modern = read_codebook(mini_json_dcf, record=record)
        assert modern.fields == text.fields
        assert (modern.record, modern.record_type) == (text.record, text.record_type)
    housing = {item.name: item for item in read_codebook(mini_json_dcf, "HOUSING").fields}
    assert (housing["AREA"].start, housing["AREA"].decimal_char) == (9, True)


@pytest.mark.parametrize("dictionary", ["mini_dcf", "mini_json_dcf"])
def test_mini_data_decoded(request: pytest.FixtureRequest, tmp_path: Path, dictionary: str) -> None:
    layout = read_codebook(request.getfixturevalue(dictionary))
    lines = [
        "107001 3045.5",
        "2070012 341506199001021250A",
        "2070011998",
        "2120019",
        "1120014",
    ]
    data = write_lines(tmp_path / "mini.dat", lines, newline="\r\n", bom=True)
    check_layout(data, layout)
    frame = scan_fixed_width(data, layout).collect()
    assert frame.to_dicts() == [
        {"PROV": "07", "HH": 1, "SEX": 2, "AGE": 34, "DOB": 15061990, "CEB_1": 1, "CEB_2": 2,
         "INCOME": 12.5, "LANG": "A"},
        {"PROV": "07", "HH": 1, "SEX": 1, "AGE": 998, "DOB": None, "CEB_1": None,
         "CEB_2": None, "INCOME": None, "LANG": None},
        {"PROV": "12", "HH": 1, "SEX": 9, "AGE": None, "DOB": None, "CEB_1": None,
         "CEB_2": None, "INCOME": None, "LANG": None},
    ]  # fmt: skip
    housing = scan_fixed_width(data, read_codebook(request.getfixturevalue(dictionary), "HOUSING"))
    assert housing.collect()["AREA"].to_list() == [45.5, None]


# --------------------------------------------------------------------------- CSPro: bad input


def broken(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = MINI_DCF
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.dcf"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str) -> int:
    return MINI_DCF[: MINI_DCF.index(text)].count("\n") + 1


def test_cspro_bad_number(tmp_path: Path) -> None:
    path = broken(tmp_path, ("Start=8\n", "Start=eight\n"))
    with pytest.raises(InputError) as caught:
        read_codebook(path)
    assert str(caught.value) == (
        f"{path}, line {line_of('Start=8')}: Start='eight' is not a whole number"
    )


def test_cspro_line_without_key(tmp_path: Path) -> None:
    path = broken(tmp_path, ("Len=3\n", "Len 3\n"))
    with pytest.raises(InputError, match=rf"line {line_of('Len=3')}: expected Key=value"):
        read_codebook(path)


def test_cspro_item_without_length(tmp_path: Path) -> None:
    path = broken(tmp_path, ("Name=AGE\nStart=8\nLen=3\n", "Name=AGE\nStart=8\n"))
    with pytest.raises(InputError, match=r"line \d+: item AGE has no Len"):
        read_codebook(path)


def test_cspro_unclosed_quote(tmp_path: Path) -> None:
    path = broken(tmp_path, ("Value='07';Coast", "Value='07;Coast"))
    with pytest.raises(InputError, match=r"unclosed ' quote"):
        read_codebook(path)


def test_cspro_not_a_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "notes.dcf"
    path.write_text("Name=SOMETHING\n")
    with pytest.raises(InputError, match=r"line 1: a CSPro dictionary starts with \[Dictionary\]"):
        read_codebook(path)
    empty = tmp_path / "empty.dcf"
    empty.write_text("")
    with pytest.raises(InputError, match="empty file"):
        read_codebook(empty)


def test_cspro_item_before_level(tmp_path: Path) -> None:
    path = tmp_path / "nolevel.dcf"
    path.write_text("[Dictionary]\nName=X\n\n[Item]\nName=A\nStart=1\nLen=1\n")
    with pytest.raises(InputError, match=r"line 4: \[Item\] comes before any \[Level\]"):
        read_codebook(path)


def test_cspro_no_person_record_to_choose(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        (
            "Label=Persons in the household\nName=PERSONS",
            "Label=Deaths in the last year\nName=DEATHS",
        ),
    )
    with pytest.raises(InputError) as caught:
        read_codebook(path)
    message = str(caught.value)
    assert "no record looks like the person record" in message
    assert "HOUSING (Housing unit); DEATHS (Deaths in the last year)" in message


def test_cspro_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "modern.dcf"
    path.write_text('{\n  "software": "CSPro",\n  "fileType": "dictionary",\n  "levels": [\n}\n')
    with pytest.raises(InputError, match=r"modern.dcf, line 5, column 1: not valid JSON"):
        read_codebook(path)
    path.write_text('{"fileType": "dictionary", "levels": [{"records": [{"items": []}]}]}')
    with pytest.raises(InputError, match=r"not a CSPro 8 dictionary: KeyError 'name'"):
        read_codebook(path)


def test_mini_data_checks(tmp_path: Path, mini_dcf: Path) -> None:
    layout = read_codebook(mini_dcf)
    data = write_lines(tmp_path / "bad.dat", ["107001 3", "2070012 3a", "2070011 3x", "2070011"])
    with pytest.raises(InputError) as caught:
        check_layout(data, layout)
    message = str(caught.value)
    assert "numeric field AGE (columns 8-10)" in message
    assert "on 2 of 3 lines, first on line 2" in message
    assert "CSPro dictionary" in message and "mini.dcf" in message
    housing_only = write_lines(tmp_path / "housing.dat", ["107001 3", "107002 4"])
    with pytest.raises(
        InputError, match=r"no line has the record type '2' \(PERSONS\) in column 1"
    ):
        check_layout(housing_only, layout)


# --------------------------------------------------------------------------- files


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="codebook not found"):
        read_codebook(tmp_path / "absent.xml")
    with pytest.raises(InputError, match="unsupported codebook type '.sps'"):
        read_codebook(tmp_path / "setup.sps")
    layout = read_codebook(CPS_XML)
    with pytest.raises(InputError, match="data file not found"):
        scan_fixed_width(tmp_path / "absent.dat", layout)
    with pytest.raises(InputError, match="data file not found"):
        check_layout(tmp_path / "absent.dat", layout)
    empty = tmp_path / "empty.dat"
    empty.write_text("\n\n")
    with pytest.raises(InputError, match="the data file is empty"):
        check_layout(empty, layout)
    assert scan_fixed_width(empty, layout).collect().height == 0


def test_every_data_file_has_its_source_and_checksum_in_the_readme() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    files = sorted((DATA / "ipums").iterdir()) + sorted((DATA / "cspro").iterdir())
    assert len(files) == 5
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.parent.name}/{path.name}" in readme, path.name


def test_ipums_lines_ending_in_a_lone_cr_are_refused_not_read_as_one_record(
    tmp_path: Path, cps_dat: Path
) -> None:
    """Old Mac line ends glue every record into one line: 50 records must not become 1."""
    lines = cps_dat.read_text().splitlines()[:50]
    data = write_lines(tmp_path / "cps_00160.dat", lines, newline="\r")
    with pytest.raises(InputError) as caught:
        check_layout(data, read_codebook(CPS_XML))
    assert "carriage return (CR) without a line feed (first at line 1)" in str(caught.value)


def test_ipums_lines_of_blanks_are_skipped_not_records_of_nulls(
    tmp_path: Path, cps_dat: Path
) -> None:
    lines = cps_dat.read_text().splitlines()[:20]
    data = write_lines(tmp_path / "cps_00160.dat", [*lines[:10], " " * 82, "   ", *lines[10:]])
    layout = read_codebook(CPS_XML)
    check_layout(data, layout)
    assert scan_fixed_width(data, layout).select(pl.len()).collect().item() == 20
