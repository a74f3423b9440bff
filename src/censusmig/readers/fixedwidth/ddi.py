"""IPUMS DDI codebooks (XML, read with ipumspy): the layout of an extract, flat or hierarchical."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from censusmig.errors import InputError, nearest
from censusmig.readers.fixedwidth.layout import FixedField, Layout, check_fields, first_line
from censusmig.readers.meta import code_text

__all__ = ["read_ddi"]


def read_ddi(path: Path, record: str | None) -> Layout:
    """Read the layout of one record type from an IPUMS DDI codebook.

    Args:
        path: The ``.xml`` codebook IPUMS sent with the extract.
        record: The IPUMS record type to read from a hierarchical extract (``"P"`` by
            default); a rectangular extract accepts only None or ``"P"``.

    Returns:
        The layout of the chosen records; for persons of a hierarchical extract with
        household records, the household layout and the keys that link the two.

    Raises:
        InputError: The XML is malformed, is not a DDI codebook, ipumspy cannot read it, or
            the record type is unknown.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        line, column = error.position
        raise InputError(
            f"{path}: not well-formed XML at line {line}, column {column}"
            f" ({first_line(error)}); is it the DDI codebook IPUMS sent with the extract?"
        ) from None
    namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    names = {"ddi": namespace} if namespace else {}
    prefix = "ddi:" if namespace else ""
    for required in ("fileDscr/fileTxt", "dataDscr/var"):
        steps = "/".join(prefix + step for step in required.split("/"))
        if root.find(f"./{steps}", names) is None:
            raise InputError(
                f"{path}: not an IPUMS DDI codebook: it has no <{required.replace('/', '><')}>"
                " element; use the .xml codebook IPUMS sent with the extract"
            )
    try:
        from ipumspy import readers  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(
            f"{path}: reading an IPUMS DDI codebook needs the ipumspy package;"
            " install it with: pip install ipumspy"
        ) from None
    try:
        with warnings.catch_warnings():
            # ipumspy warns that IPUMS data must be cited; the citation is the user's to make.
            warnings.simplefilter("ignore")
            ddi: Any = readers.read_ipums_ddi(path)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, NotImplementedError) as e:
        raise InputError(
            f"{path}: ipumspy cannot read this DDI codebook ({type(e).__name__}: {first_line(e)});"
            " use the .xml codebook IPUMS sent with the extract"
        ) from None
    # ipumspy keys categories by label, so codes that share a label are lost (IPUMS ATUS
    # ACTIVITY has seven); the categories are read from the XML instead.
    categories = _ddi_categories(root, names, prefix)
    description = ddi.file_description
    variables = list(ddi.data_description)
    record_type: tuple[int, int, str] | None = None
    chosen: str | None = None
    household: Layout | None = None
    keys: tuple[str, ...] = ()
    every = variables
    if description.structure == "hierarchical":
        rectypes = [str(value) for value in description.rectypes]
        chosen = _choose_ipums_record(path, record, rectypes)
        idvar = [v for v in variables if v.name == description.rectype_idvar]
        if not idvar:
            raise InputError(
                f"{path}: the hierarchical DDI codebook names the record type variable"
                f" {description.rectype_idvar!r} but does not describe it"
            )
        record_type = (idvar[0].start + 1, idvar[0].end - idvar[0].start, chosen)
        variables = [v for v in variables if chosen in str(v.rectype or "").split()]
        if chosen == "P" and "H" in rectypes:
            # Person records carry only the household's linking keys (YEAR, SERIAL); the
            # household's own variables (state, household weight) are joined on them.
            on_h = [v for v in every if "H" in str(v.rectype or "").split()]
            person_names = {v.name for v in variables}
            keys = tuple(
                str(v.name)
                for v in on_h
                if v.name in person_names and v.name != description.rectype_idvar
            )
            if keys:
                household = Layout(
                    codebook=path,
                    kind="ddi",
                    fields=tuple(_ddi_fields(on_h, categories)),
                    record_type=(record_type[0], record_type[1], "H"),
                    record_length=None,
                    data_file=None,
                    record="H",
                )
    elif record is not None and record.strip().upper() != "P":
        raise InputError(
            f"{path}: the extract is rectangular (one record per person), so there is no"
            f" record type {record!r} to choose; leave the record unset"
        )
    fields = _ddi_fields(variables, categories)
    check_fields(path, fields)
    return Layout(
        codebook=path,
        kind="ddi",
        fields=tuple(fields),
        record_type=record_type,
        record_length=None,
        data_file=_ddi_data_file(path, description.filename),
        record=chosen,
        household=household,
        keys=keys,
    )


def _ddi_fields(
    variables: list[Any], categories: Mapping[str, tuple[dict[str, str], tuple[str, ...]]]
) -> list[FixedField]:
    fields = []
    for variable in variables:
        numeric = variable.vartype in ("numeric", "integer", "float")
        decimals = int(variable.shift or 0)
        codes, missing = categories.get(variable.id, ({}, ()))
        if numeric:
            codes = {_ddi_number(code, decimals): label for code, label in codes.items()}
            missing = tuple(_ddi_number(code, decimals) for code in missing)
        fields.append(
            FixedField(
                name=str(variable.name),
                start=int(variable.start) + 1,
                width=int(variable.end) - int(variable.start),
                numeric=numeric,
                decimals=decimals if numeric else 0,
                label=str(variable.label or ""),
                value_labels=codes,
                missing=missing,
            )
        )
    return fields


def _ddi_categories(
    root: ET.Element, names: dict[str, str], prefix: str
) -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    result: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {}
    for var in root.iterfind(f"./{prefix}dataDscr/{prefix}var", names):
        labels: dict[str, str] = {}
        missing: list[str] = []
        for category in var.iterfind(f"./{prefix}catgry", names):
            code = (category.findtext(f"{prefix}catValu", "", names) or "").strip()
            if not code:
                continue
            labels.setdefault(code, (category.findtext(f"{prefix}labl", "", names) or "").strip())
            if category.get("missing", "").upper() == "Y":
                missing.append(code)
        result[var.get("ID", var.get("name", ""))] = (labels, tuple(missing))
    return result


def _ddi_number(code: str, decimals: int) -> str:
    try:
        whole = int(code)
    except ValueError:
        return code
    return code_text(whole / 10**decimals) if decimals else str(whole)


def _choose_ipums_record(path: Path, record: str | None, rectypes: Sequence[str]) -> str:
    wanted = (record or "P").strip().upper()
    if wanted in rectypes:
        return wanted
    match = nearest(wanted, rectypes)
    hint = f" Did you mean {match!r}?" if match else ""
    asked = "the person record type 'P'" if record is None else f"record type {record!r}"
    raise InputError(
        f"{path}: the hierarchical extract has no {asked}.{hint} Its record types are:"
        f" {', '.join(rectypes) or '(none)'}; choose one of them."
    )


def _ddi_data_file(path: Path, filename: str | None) -> Path | None:
    if not filename:
        return None
    named = path.parent / Path(filename).name
    # IPUMS delivers the data gzipped: cps_00160.dat is downloaded as cps_00160.dat.gz.
    zipped = named.with_name(named.name + ".gz")
    return zipped if not named.exists() and zipped.exists() else named
