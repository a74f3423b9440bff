"""CSPro dictionaries: text ``.dcf`` (CSPro 7 and earlier) and JSON (CSPro 8) to a layout."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from censusmig.errors import Foreign, InputError, nearest
from censusmig.readers.fixedwidth.layout import FixedField, Layout, check_fields, first_line
from censusmig.readers.meta import code_text

__all__ = ["read_cspro"]

PERSON_WORDS = ("person", "population", "individual", "member")
"""Words in a CSPro record's name or label that mark the person record."""

CSPRO_SPECIALS = frozenset({"MISSING", "NOTAPPL", "DEFAULT", "REFUSED"})
"""CSPro special values; codes carrying one are missing values."""


@dataclass
class _Value:
    """One ``Value=`` entry of a CSPro value set, as parsed."""

    pairs: list[tuple[str, str | None]]
    label: str
    special: str | None = None


@dataclass
class _ValueSet:
    """One CSPro value set, as parsed."""

    name: str = ""
    values: list[_Value] = field(default_factory=list)


@dataclass
class _Item:
    """One CSPro item, as parsed (start may be computed later for relative positions)."""

    where: str
    name: str = ""
    label: str = ""
    start: int | None = None
    length: int | None = None
    alpha: bool = False
    binary: bool = False
    subitem: bool = False
    subitem_offset: int | None = None
    occurrences: int = 1
    decimals: int = 0
    decimal_char: bool = False
    occurrence_labels: dict[int, str] = field(default_factory=dict)
    value_sets: list[_ValueSet] = field(default_factory=list)


@dataclass
class _Record:
    """One CSPro record, as parsed."""

    where: str
    level: int
    name: str = ""
    label: str = ""
    type_value: str = ""
    length: int | None = None
    items: list[_Item] = field(default_factory=list)


@dataclass
class _Dictionary:
    """A CSPro dictionary, as parsed from either file format."""

    type_start: int = 1
    type_length: int = 0
    relative: bool = False
    ids: list[list[_Item]] = field(default_factory=list)
    records: list[_Record] = field(default_factory=list)


def read_cspro(path: Path, record: str | None) -> Layout:
    """Read the layout of one record from a CSPro dictionary, text or JSON.

    Args:
        path: The ``.dcf`` dictionary (UTF-8, or the Windows code page of CSPro before 7.0).
        record: The record name, such as ``POP_REC``; by default the record whose name or
            label says person, population, individual or member, or else the only record.

    Returns:
        The layout of the chosen record, the id items of its level and those above first.

    Raises:
        InputError: The dictionary is unreadable or malformed (the message names the line
            or key), or the record is unknown or cannot be chosen.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: ", Foreign.of(error)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Dictionaries from CSPro before 7.0 are in the Windows ANSI code page.
        text = raw.decode("cp1252", errors="replace")
    if text.lstrip().startswith("{"):
        dictionary = _parse_cspro_json(path, text)
    else:
        dictionary = _parse_cspro_text(path, text)
    if not dictionary.records:
        raise InputError(f"{path}: the CSPro dictionary defines no [Record]")
    chosen = _choose_cspro_record(path, dictionary.records, record)
    ids = [item for level in dictionary.ids[: chosen.level + 1] for item in level]
    fields = _cspro_fields(path, ids) + _cspro_fields(path, chosen.items)
    check_fields(path, fields)
    record_type = None
    if dictionary.type_length > 0:
        record_type = (dictionary.type_start, dictionary.type_length, chosen.type_value)
    return Layout(
        codebook=path,
        kind="cspro",
        fields=tuple(fields),
        record_type=record_type,
        record_length=chosen.length,
        data_file=None,
        record=chosen.name,
    )


def _choose_cspro_record(path: Path, records: Sequence[_Record], wanted: str | None) -> _Record:
    names = [rec.name for rec in records]
    if wanted is not None:
        for rec in records:
            if rec.name.upper() == wanted.strip().upper():
                return rec
        match = nearest(wanted.strip().upper(), names)
        hint = f" Did you mean {match!r}?" if match else ""
        raise InputError(
            f"{path}: the CSPro dictionary has no record {wanted!r}.{hint}"
            f" Its records are: {', '.join(names)}."
        )
    if len(records) == 1:
        return records[0]
    people = [
        rec
        for rec in records
        if any(word in f"{rec.name} {rec.label}".lower() for word in PERSON_WORDS)
        or "POP" in rec.name.upper().split("_")
    ]
    if len(people) == 1:
        return people[0]
    shown = "; ".join(f"{rec.name} ({rec.label})" if rec.label else rec.name for rec in records)
    reason = "several records look like" if people else "no record looks like"
    raise InputError(
        f"{path}: {reason} the person record, so name the one to read. Its records are: {shown}."
    )


def _cspro_fields(path: Path, items: Sequence[_Item]) -> list[FixedField]:
    fields: list[FixedField] = []
    parent: tuple[int, int] | None = None
    for item in items:
        if item.binary:
            continue
        if not item.name:
            raise InputError(f"{path}: {item.where}: the item has no Name")
        if item.start is None or item.length is None:
            key = "Start" if item.start is None else "Len"
            raise InputError(f"{path}: {item.where}: item {item.name} has no {key}")
        if item.start < 1 or item.length < 1 or item.occurrences < 1:
            raise InputError(
                f"{path}: {item.where}: item {item.name} has Start={item.start},"
                f" Len={item.length}, Occurrences={item.occurrences}; each must be 1 or more"
            )
        first, last = item.start, item.start + item.length * item.occurrences - 1
        # A subitem is a part of its parent item's columns; the parent is kept.
        if item.subitem and parent is not None and first <= parent[1] and last >= parent[0]:
            continue
        if not item.subitem:
            parent = (first, last)
        numeric = not item.alpha
        labels, missing = _cspro_codes(item, numeric)
        for occurrence in range(item.occurrences):
            name, label = item.name, item.label
            if item.occurrences > 1:
                name = f"{item.name}_{occurrence + 1}"
                extra = item.occurrence_labels.get(occurrence + 1, str(occurrence + 1))
                label = f"{item.label} ({extra})" if item.label else extra
            fields.append(
                FixedField(
                    name=name,
                    start=item.start + occurrence * item.length,
                    width=item.length,
                    numeric=numeric,
                    decimals=item.decimals if numeric else 0,
                    label=label,
                    value_labels=labels,
                    missing=missing,
                    decimal_char=numeric and item.decimals > 0 and item.decimal_char,
                )
            )
    return fields


def _cspro_codes(item: _Item, numeric: bool) -> tuple[dict[str, str], tuple[str, ...]]:
    labels: dict[str, str] = {}
    missing: list[str] = []
    # The first value set is the item's own (CSPro's default); later ones are alternatives
    # such as recode groupings, whose labels would overwrite the item's.
    for position, value_set in enumerate(item.value_sets):
        for value in value_set.values:
            for low, high in value.pairs:
                if high is not None:
                    continue
                code = _cspro_code(low, numeric)
                if not code:
                    # A blank code is NOTAPPL: the frame holds null there.
                    continue
                if position == 0 and value.label:
                    labels.setdefault(code, value.label)
                if value.special in CSPRO_SPECIALS and code not in missing:
                    missing.append(code)
    return labels, tuple(missing)


def _cspro_code(text: str, numeric: bool) -> str:
    code = text.strip()
    if numeric and code:
        try:
            return code_text(float(code))
        except ValueError:
            return code
    return code


# CSPro 7 (and earlier) text dictionaries: [Section] headers and Key=value lines.


class _TextParser:
    """Parse a CSPro text dictionary line by line, keeping line numbers for messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dictionary = _Dictionary()
        self.section = ""
        self.levels = 0
        self.in_ids = False
        self.record: _Record | None = None
        self.item: _Item | None = None
        self.value_set: _ValueSet | None = None
        self.value: _Value | None = None
        self.line = 0

    def fail(self, message: str) -> InputError:
        return InputError(f"{self.path}, line {self.line}: {message}")

    def integer(self, key: str, argument: str) -> int:
        try:
            return int(argument.strip())
        except ValueError:
            raise self.fail(f"{key}={argument.strip()!r} is not a whole number") from None

    def header(self, name: str) -> None:
        self.section = name.lower()
        where = f"line {self.line}"
        if self.section == "level":
            self.levels += 1
            self.dictionary.ids.append([])
            self.in_ids, self.record = False, None
        elif self.section in ("iditems", "record", "item") and self.levels == 0:
            raise self.fail(f"[{name}] comes before any [Level]")
        elif self.section == "iditems":
            self.in_ids, self.record = True, None
        elif self.section == "record":
            self.in_ids = False
            self.record = _Record(where=where, level=self.levels - 1)
            self.dictionary.records.append(self.record)
        elif self.section == "item":
            self.item = _Item(where=where)
            if self.record is not None:
                self.record.items.append(self.item)
            elif self.in_ids:
                self.dictionary.ids[-1].append(self.item)
            else:
                raise self.fail("[Item] is neither under [IdItems] nor under a [Record]")
            self.value_set = None
        elif self.section == "valueset":
            if self.item is None:
                raise self.fail("[ValueSet] comes before any [Item]")
            self.value_set = _ValueSet()
            self.item.value_sets.append(self.value_set)
            self.value = None

    def entry(self, key: str, argument: str) -> None:
        name = key.strip().lower()
        if self.section == "dictionary":
            if name == "recordtypestart":
                self.dictionary.type_start = self.integer(key, argument)
            elif name == "recordtypelen":
                self.dictionary.type_length = self.integer(key, argument)
            elif name == "positions":
                self.dictionary.relative = argument.strip().lower() == "relative"
        elif self.section == "record" and self.record is not None:
            if name == "name":
                self.record.name = argument.strip().upper()
            elif name == "label":
                self.record.label = _first_label(argument)
            elif name == "recordtypevalue":
                self.record.type_value = _unquote(argument)
            elif name == "recordlen":
                self.record.length = self.integer(key, argument)
        elif self.section == "item" and self.item is not None:
            self.item_entry(name, key, argument)
        elif self.section == "valueset" and self.value_set is not None:
            self.value_set_entry(name, argument)

    def item_entry(self, name: str, key: str, argument: str) -> None:
        item = self.item
        assert item is not None
        value = argument.strip()
        if name == "name":
            item.name = value.upper()
        elif name == "label":
            item.label = _first_label(argument)
        elif name == "start":
            item.start = self.integer(key, argument)
        elif name == "len":
            item.length = self.integer(key, argument)
        elif name == "datatype":
            item.alpha = value.lower() == "alpha"
        elif name == "itemtype":
            item.subitem = value.lower() == "subitem"
        elif name == "occurrences":
            item.occurrences = self.integer(key, argument)
        elif name == "decimal":
            item.decimals = self.integer(key, argument)
        elif name == "decimalchar":
            item.decimal_char = value.lower().startswith("y")
        elif name in ("occurrencelabel", "occurencelabel"):
            number, _, label = value.partition(",")
            if number.strip().isdigit():
                item.occurrence_labels[int(number)] = _first_label(label)

    def value_set_entry(self, name: str, argument: str) -> None:
        value_set = self.value_set
        assert value_set is not None
        if name == "value":
            text, _, label = argument.partition(";")
            self.value = _Value(pairs=self.pairs(text), label=_first_label(label))
            value_set.values.append(self.value)
        elif name == "name" and self.value is None:
            value_set.name = argument.strip()
        elif name == "name" and self.value is not None:
            # After a Value line, "Name=MISSING,Special" marks that value as a special one.
            special, _, marker = argument.partition(",")
            if marker.strip().lower() == "special":
                self.value.special = special.strip().upper()

    def pairs(self, text: str) -> list[tuple[str, str | None]]:
        pairs: list[tuple[str, str | None]] = []
        position = 0

        def atom() -> str:
            nonlocal position
            if position < len(text) and text[position] in "'\"":
                quote = text[position]
                close = text.find(quote, position + 1)
                if close < 0:
                    raise self.fail(f"Value={text.strip()!r} has an unclosed {quote} quote")
                found = text[position + 1 : close]
                position = close + 1
                return found
            begin = position
            while position < len(text) and text[position] not in " :":
                position += 1
            return text[begin:position]

        while position < len(text):
            if text[position] == " ":
                position += 1
                continue
            low = atom()
            if position < len(text) and text[position] == ":":
                position += 1
                pairs.append((low, atom()))
            else:
                pairs.append((low, None))
        return pairs


def _parse_cspro_text(path: Path, text: str) -> _Dictionary:
    parser = _TextParser(path)
    seen_dictionary = False
    for number, raw in enumerate(text.splitlines(), start=1):
        parser.line = number
        line = raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            seen_dictionary = seen_dictionary or line.lower() == "[dictionary]"
            parser.header(line[1:-1].strip())
            continue
        if not seen_dictionary:
            raise parser.fail(
                "a CSPro dictionary starts with [Dictionary]; this is not a CSPro .dcf file"
            )
        key, equals, argument = line.partition("=")
        if not equals:
            raise parser.fail(f"expected Key=value or a [Section] header, got {line[:60]!r}")
        parser.entry(key, argument)
    if not seen_dictionary:
        raise InputError(f"{path}: empty file; a CSPro dictionary starts with [Dictionary]")
    return parser.dictionary


def _first_label(text: str) -> str:
    # Multilingual labels are written "English|Français"; the first language is kept.
    return text.split("|")[0].strip()


def _unquote(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


# CSPro 8 JSON dictionaries.


def _parse_cspro_json(path: Path, text: str) -> _Dictionary:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}, line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"
        ) from None
    try:
        return _cspro_json_dictionary(path, document)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InputError(
            f"{path}: not a CSPro 8 dictionary: {type(error).__name__} {first_line(error)}"
        ) from None


def _cspro_json_dictionary(path: Path, document: Any) -> _Dictionary:
    if not isinstance(document, dict) or document.get("fileType") != "dictionary":
        raise InputError(f'{path}: a JSON CSPro dictionary has "fileType": "dictionary"')
    record_type = document.get("recordType", {})
    dictionary = _Dictionary(
        type_start=int(record_type.get("start", 1)),
        type_length=int(record_type.get("length", 0)),
        relative=bool(document.get("relativePositions", False)),
    )
    levels = document.get("levels") or []
    if not levels:
        raise InputError(f"{path}: key levels: the CSPro dictionary has no level")
    ids_end = dictionary.type_start + dictionary.type_length - 1 if dictionary.type_length else 0
    for level_number, level in enumerate(levels):
        where = f"levels[{level_number}]"
        id_items = [
            _json_item(node, f"{where}.ids.items[{index}]")
            for index, node in enumerate((level.get("ids") or {}).get("items") or [])
        ]
        _place_items(id_items, 0)
        dictionary.ids.append(id_items)
        for item in id_items:
            if item.start is not None and item.length is not None and not item.subitem:
                ids_end = max(ids_end, item.start + item.length * item.occurrences - 1)
        for index, node in enumerate(level.get("records") or []):
            rec_where = f"{where}.records[{index}]"
            items = [
                _json_item(item, f"{rec_where}.items[{number}]")
                for number, item in enumerate(node.get("items") or [])
            ]
            # With relative positions CSPro 8 leaves out the start of record items: they
            # follow one another from the column after the id items.
            _place_items(items, ids_end + 1 if dictionary.relative else 0)
            dictionary.records.append(
                _Record(
                    where=rec_where,
                    level=level_number,
                    name=str(node["name"]).upper(),
                    label=_json_label(node),
                    type_value=str(node.get("recordType", "")),
                    items=items,
                )
            )
    return dictionary


def _json_item(node: Mapping[str, Any], where: str) -> _Item:
    content = str(node.get("contentType", "numeric")).lower()
    item = _Item(
        where=where,
        name=str(node.get("name", "")).upper(),
        label=_json_label(node),
        start=int(node["start"]) if "start" in node else None,
        length=int(node.get("length", 1)),
        alpha=content == "alpha",
        binary=content not in ("numeric", "alpha"),
        subitem=bool(node.get("subitem", False)),
        subitem_offset=int(node["subitemOffset"]) if "subitemOffset" in node else None,
        occurrences=int((node.get("occurrences") or {}).get("maximum", 1)),
        decimals=int(node.get("decimals", 0)),
        decimal_char=bool(node.get("decimalMark", False)),
    )
    if item.binary:
        item.length = 1
    # Occurrence labels are [{"occurrence": 1, "labels": [{"text": ...}]}, ...].
    for position, entry in enumerate((node.get("occurrences") or {}).get("labels") or [], 1):
        if isinstance(entry, Mapping):
            number = int(entry.get("occurrence", position))
            text = _json_label(entry)
        else:
            number, text = position, str(entry or "")
        if text:
            item.occurrence_labels[number] = text
    for value_set in node.get("valueSets") or []:
        parsed = _ValueSet(name=str(value_set.get("name", "")))
        for value in value_set.get("values") or []:
            pairs: list[tuple[str, str | None]] = []
            for pair in value.get("pairs") or []:
                if "range" in pair:
                    low, high = pair["range"]
                    pairs.append((_json_code(low), _json_code(high)))
                elif "value" in pair:
                    pairs.append((_json_code(pair["value"]), None))
            special = value.get("special")
            parsed.values.append(
                _Value(
                    pairs=pairs,
                    label=_json_label(value),
                    special=str(special).upper() if special else None,
                )
            )
        item.value_sets.append(parsed)
    return item


def _place_items(items: Sequence[_Item], start: int) -> None:
    position, parent_start = start, start
    for item in items:
        if item.start is None and start > 0:
            if item.subitem:
                item.start = parent_start + (item.subitem_offset or 0)
            else:
                item.start = position
        if not item.subitem:
            parent_start = item.start if item.start is not None else position
            position += (item.length or 0) * item.occurrences


def _json_label(node: Mapping[str, Any]) -> str:
    labels = node.get("labels")
    if isinstance(labels, list) and labels and isinstance(labels[0], Mapping):
        return str(labels[0].get("text", "")).strip()
    return str(node.get("label", "") or "").strip()


def _json_code(value: Any) -> str:
    if isinstance(value, float):
        return code_text(value)
    return str(value)
