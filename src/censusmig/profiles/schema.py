"""Every key a profile accepts, as data.

Each key has its type, whether it is required or its default, its allowed values, a description
and a TOML example.

``scripts/docs_reference.py`` writes ``docs/profile-reference.md`` from :data:`PROFILE_SCHEMA`,
and ``tests/test_reference_docs.py`` checks it against the reader
(:func:`censusmig.profiles.model.read_profile`): every key the reader accepts is here with a
description, every key here is accepted, and every example reads as a valid profile. Allowed
values come from the reader's own constants, so they cannot drift either.

:class:`Key` and :class:`Schema` are shared with the recipe schema
(:mod:`censusmig.recipes.schema`), one layer up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from censusmig.classifications.countries import ABROAD_NOT_STATED, CODE_SYSTEMS
from censusmig.concepts import CONCEPTS
from censusmig.disclosure import DEFAULT_SEED, DEFAULT_THRESHOLD, RULES
from censusmig.disclosure import METHODS as PROTECTION_METHODS
from censusmig.profiles.design import CENTRES, LONELY_PSU, MAX_REPLICATES
from censusmig.profiles.design import METHODS as DESIGN_METHODS
from censusmig.profiles.model import (
    CENSUS_YEARS,
    MAX_CODE_DIGITS,
    MAX_CODE_LENGTH,
    MAX_CODES,
    MAX_RANGE,
    MAX_TEXT_LENGTH,
    NUMBER_LIMITS,
    PLACEHOLDER,
    POPULATION_OPERATORS,
    PROFILE_SCHEMA_VERSION,
    RESIDENCE_RULES,
)
from censusmig.profiles.protection import MAX_SEED, MAX_THRESHOLD


@dataclass(frozen=True)
class Key:
    """One key a spec file accepts.

    Attributes:
        path: The key path as problems name it (``census.country``), with a placeholder in
            angle brackets for a name the file chooses (``concepts.<concept>.column``) and
            ``[]`` for any item of a list of tables (``geography.levels[].name``).
        type: The TOML type, in words.
        description: What the key means and how it is read: one paragraph.
        example: A TOML fragment showing the key in its table, valid as written; it may set
            the sibling keys the key needs (``rho`` with ``method = "fay"``).
        required: Whether a file must give the key (when its table is given).
        default: What holds when the key is left out, in words; empty when nothing does.
        allowed: The valid values, from the reader's own constants; empty when any value of
            the type (within the description's bounds) is valid.
    """

    path: str
    type: str
    description: str
    example: str
    required: bool = False
    default: str = ""
    allowed: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The last segment of the path (``column`` of ``concepts.<concept>.column``)."""
        return self.path.rpartition(".")[2]

    @property
    def parent(self) -> str:
        """The path of the table holding the key; empty at the top of the file."""
        return self.path.rpartition(".")[0]

    @property
    def section(self) -> str:
        """The top-level key the key belongs to (``concepts``)."""
        return self.path.split(".")[0]


@dataclass(frozen=True)
class Schema:
    """The keys of one kind of spec file.

    Attributes:
        what: The kind of file ("profile", "recipe").
        keys: Every key, a table before the keys in it, in the order the reference lists them.
        names: Placeholder (``<concept>``) -> regular expression of the names it stands for.
    """

    what: str
    keys: tuple[Key, ...]
    names: Mapping[str, str] = field(default_factory=dict)
    _patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = tuple(re.compile(self._regex(key.path)) for key in self.keys)
        object.__setattr__(self, "_patterns", patterns)

    def at(self, path: str) -> Key | None:
        """The key a concrete key path names, or None when the schema has no such key.

        Args:
            path: A key path as a problem names it (``concepts.sex.not_stated[1].from``); a
                path to an item of a list (``universe.where[2]``) names the list's key.

        Returns:
            The key (``concepts.<concept>.<code list>[].from``), or None.
        """
        while True:
            for key, pattern in zip(self.keys, self._patterns, strict=True):
                if pattern.fullmatch(path):
                    return key
            item = _ITEM.search(path)
            if item is None:
                return None
            path = path[: item.start()]  # an item of a list: the list's key

    def key(self, path: str) -> Key:
        """The key of a schema path (``concepts.<concept>.codes``).

        Raises:
            KeyError: The schema has no key of that path.
        """
        for key in self.keys:
            if key.path == path:
                return key
        raise KeyError(path)

    def children(self, parent: str) -> tuple[str, ...]:
        """Names of the keys directly in the table ``parent`` (a schema path)."""
        return tuple(key.name for key in self.keys if key.parent == parent)

    def _regex(self, path: str) -> str:
        parts = re.split(r"(<[^>]+>|\[\])", path)
        regex = ""
        for part in parts:
            if part == "[]":
                regex += r"\[[0-9]+\]"
            elif part.startswith("<"):
                regex += f"(?:{self.names[part]})"
            else:
                regex += re.escape(part)
        return regex


_ITEM = re.compile(r"\[[0-9]+\]$")


def _choices(names: Iterable[object]) -> str:
    """A regular expression matching any of ``names``."""
    return "|".join(re.escape(str(name)) for name in names)


CODE_LISTS = ("not_stated", "not_applicable", "code_groups[].codes", "gate.detail")
"""The lists of source codes of a concept entry, where a range of codes may stand for codes."""

_AGE = NUMBER_LIMITS["age"]
_YEAR = NUMBER_LIMITS["year_of_arrival"]
_CODE_RULE = (
    f'A source code is written as the data hold it, quoted (`"08"` keeps its zero): a whole '
    f"number of at most {MAX_CODE_DIGITS} digits in ASCII 0-9, or text of at most "
    f'{MAX_CODE_LENGTH} characters; commas are part of the code (`"United States, ns"` is one '
    "code)."
)
_LIST_RULE = (
    'Items are source codes (`"9"`) or ranges of whole numbers (`{ from = "990", to = "999" }`).'
)

PROFILE_KEYS: tuple[Key, ...] = (
    Key(
        "schema_version",
        "integer",
        f"The profile format the file is written in. This censusmig writes version "
        f"{PROFILE_SCHEMA_VERSION}, where every source code is read as written, commas and all; "
        'version 1 (which wrote lists and ranges inside a code, `"3,4"` or `"100..199"`) '
        "is still read, and each such code is reported with its version-2 form.",
        f"schema_version = {PROFILE_SCHEMA_VERSION}",
        required=True,
        allowed=(str(PROFILE_SCHEMA_VERSION), "1"),
    ),
    Key(
        "census",
        "table",
        "The census or survey the data file comes from: its name, country, reference date and "
        "residence rule. Printed in the source line of every table.",
        '[census]\nname = "Population and Housing Census 2025"\ncountry = "QUE"\n'
        "reference_date = 2025-03-15",
        required=True,
    ),
    Key(
        "census.name",
        "string",
        f"The name of the census or survey, as source lines cite it (at most {MAX_TEXT_LENGTH} "
        "characters).",
        '[census]\nname = "Population and Housing Census 2025"',
        required=True,
    ),
    Key(
        "census.country",
        "string",
        "The census country, as an ISO 3166 alpha-3 code in capitals (`ARG`); a user-assigned "
        "code such as `QUE` is allowed. It decides who is native-born (born in this country) "
        f'and who is a citizen. A draft from `censusmig profile init` holds `"{PLACEHOLDER}"` '
        "here: `check` runs on such a draft, `tabulate` refuses it.",
        '[census]\ncountry = "ARG"',
        required=True,
    ),
    Key(
        "census.country_name",
        "string",
        f"The English name of the census country, for titles and notes (at most "
        f"{MAX_TEXT_LENGTH} characters).",
        '[census]\ncountry = "QUE"\ncountry_name = "Quetzalia"',
        default="the ISO 3166 name of `country`",
    ),
    Key(
        "census.reference_date",
        "date",
        f"The census reference date, a TOML date (no quotes) in the years {CENSUS_YEARS[0]} to "
        f"{CENSUS_YEARS[1]}. Periods of arrival and calendar periods are counted from its year. "
        f'A draft holds `"{PLACEHOLDER}"` here until it is reviewed.',
        "[census]\nreference_date = 2025-03-15",
        required=True,
    ),
    Key(
        "census.residence_rule_months",
        "integer",
        "The usual-residence rule of the census, in months: 12 (the UN recommendation) or 6.",
        "[census]\nresidence_rule_months = 12",
        default="12",
        allowed=tuple(map(str, RESIDENCE_RULES)),
    ),
    Key(
        "publication",
        "table",
        "Who publishes the tables and when; printed on the report's title page, the workbook's "
        "cover sheet and in `run.json`. A key left out is not shown.",
        '[publication]\npublisher = "National Statistics Office"\nrelease_date = 2026-06-30',
    ),
    Key(
        "publication.publisher",
        "string",
        f"The office that publishes the tables (at most {MAX_TEXT_LENGTH} characters).",
        '[publication]\npublisher = "National Statistics Office"',
        default="not shown",
    ),
    Key(
        "publication.contact",
        "string",
        "Where readers send questions: an e-mail address, a web page or a phone number (at most "
        f"{MAX_TEXT_LENGTH} characters).",
        '[publication]\ncontact = "census@example.org"',
        default="not shown",
    ),
    Key(
        "publication.release_date",
        "date",
        f"The day the tables are released, a TOML date in the years {CENSUS_YEARS[0]} to "
        f"{CENSUS_YEARS[1]}.",
        "[publication]\nrelease_date = 2026-06-30",
        default="not shown",
    ),
    Key(
        "data",
        "table",
        "The columns that identify persons and households and the person weight. A column the "
        "profile names and the data lacks stops the run (exit 2) with the key that names it and "
        "the nearest column.",
        '[data]\nperson_id = "PERSON_ID"\nhousehold_id = "HH_ID"',
    ),
    Key(
        "data.person_id",
        "string or list of strings",
        "The column, or the columns together, that identify a person (the dwelling, household "
        "and member number in many surveys). The edit checks report duplicate persons; the "
        "cell-key method derives each record's key from it.",
        '[data]\nperson_id = ["CODUSU", "NRO_HOGAR", "COMPONENTE"]',
        default="no identifier (records are numbered)",
    ),
    Key(
        "data.household_id",
        "string or list of strings",
        "The column, or the columns together, that identify a household. Persons are nested in "
        "households: the edit checks flag a person found in two of them.",
        '[data]\nhousehold_id = ["CODUSU", "NRO_HOGAR"]',
        default="no household identifier",
    ),
    Key(
        "data.weight",
        "string",
        "The column of the person (design) weight of a sample survey. With a weight, tables "
        "hold weighted estimates beside the unweighted counts, `[design]` can give their "
        "standard errors, and only `suppress` can protect them.",
        '[data]\nweight = "WEIGHT"',
        default="a full count (every record counts 1)",
    ),
    Key(
        "population",
        "table",
        "Who the tables count when the file holds others too (visitors, non-residents, "
        "household records): the records meeting every condition. Records outside it are in "
        "the file totals and the edit checks but in no table; `run.json` counts them.",
        '[population]\nlabel = "usual residents"\nconditions = ["POPBASE = 1"]',
        default="every record of the file",
    ),
    Key(
        "population.label",
        "string",
        f"Who is in the population, in words (at most {MAX_TEXT_LENGTH} characters).",
        '[population]\nlabel = "usual residents"\nconditions = ["POPBASE = 1"]',
        required=True,
    ),
    Key(
        "population.conditions",
        "list of strings or tables",
        "Conditions on source columns, all of which a record must meet. A string is `COLUMN "
        'OPERATOR VALUE`: `"POPBASE = 1"`, `"RECTYPE in P, Q"` (`in` takes a '
        'comma-separated list), `"AGE_FLAG != 9"`, `"POPBASE <= 2"` (the orderings take one '
        "number). A table (below) is for a column name with blanks or a code with a comma. "
        "Numeric columns are compared as numbers, others as text with blanks trimmed; a record "
        "with an empty cell in such a column is outside.",
        '[population]\nlabel = "usual residents"\nconditions = ["POPBASE = 1", "RECTYPE in P, Q"]',
        required=True,
        allowed=POPULATION_OPERATORS,
    ),
    Key(
        "population.conditions[].column",
        "string",
        "The source column of a condition written as a table.",
        '[population]\nlabel = "persons"\n'
        'conditions = [{ column = "Record type", operator = "in", '
        'values = ["P", "Person, usual"] }]',
        required=True,
    ),
    Key(
        "population.conditions[].operator",
        "string",
        "The operator of a condition written as a table; the orderings compare with one number.",
        '[population]\nlabel = "adults"\n'
        'conditions = [{ column = "AGE", operator = ">=", values = ["15"] }]',
        required=True,
        allowed=POPULATION_OPERATORS,
    ),
    Key(
        "population.conditions[].values",
        "list of codes",
        "The codes of a condition written as a table (a single code may be given without the "
        "list); each is one code as written, commas included.",
        '[population]\nlabel = "usual residents"\n'
        'conditions = [{ column = "POPBASE", operator = "=", values = ["1"] }]',
        required=True,
    ),
    Key(
        "geography",
        "table",
        "The areas of the country the tables use: the first level is read as `region`, the "
        "second as `district` (whatever the profile calls them).",
        '[geography]\nlevels = [{ name = "region", column = "REGION" }]',
        default="no geography (tables by region are skipped)",
    ),
    Key(
        "geography.levels",
        "list of tables",
        "The geography levels, coarsest first: tables read the first as the region and the "
        "second, nested in it, as the district.",
        "[geography]\n"
        'levels = [\n    { name = "region", column = "REGION" },\n'
        '    { name = "district", column = "DISTRICT" },\n]',
        default="[]",
    ),
    Key(
        "geography.levels[].name",
        "string",
        "The level's name (`region`, `province`); messages about the level use it.",
        '[geography]\nlevels = [{ name = "province", column = "PROV" }]',
        required=True,
    ),
    Key(
        "geography.levels[].column",
        "string",
        "The source column holding the level's area codes.",
        '[geography]\nlevels = [{ name = "region", column = "REGION" }]',
        required=True,
    ),
    Key(
        "geography.levels[].labels",
        "table: source code -> name",
        "The areas' names for published tables. The first level's labels are also its code "
        "list: an unlabelled code is then an unknown code. A label is at most "
        f"{MAX_TEXT_LENGTH} characters and no word a spreadsheet reads as missing (`nan`, "
        "`NA`, `null`...).",
        "[geography]\n"
        'levels = [{ name = "region", column = "REGION", '
        'labels = { "1" = "Capital", "2" = "North" } }]',
        default="the data file's value labels, or the codes",
    ),
    Key(
        "geography.levels[].all_labels",
        "boolean",
        "Show every labelled area in tables, with zeros, even those no record uses; by default "
        "a table lists only the labelled areas observed in it.",
        "[geography]\n"
        'levels = [{ name = "region", column = "REGION", labels = { "1" = "Capital" }, '
        "all_labels = true }]",
        default="false",
        allowed=("true", "false"),
    ),
    Key(
        "concepts",
        "table",
        "One entry per concept the data hold, each naming its column and how to read its codes "
        "(the concepts are listed below). A recipe runs when the profile maps every concept it "
        "needs; the others are skipped with the reason.",
        '[concepts]\nsex = { column = "SEX", codes = { "1" = "M", "2" = "F" } }',
        required=True,
    ),
    Key(
        "concepts.<concept>",
        "table",
        "How one concept is read from the data: its `column` and what its codes mean. Category "
        "concepts map source codes to their categories, country concepts to ISO 3166 alpha-3 "
        "codes, area concepts keep the profile's area codes, numeric concepts (age, year of "
        "arrival) read the number itself or its bands.",
        '[concepts.age]\ncolumn = "AGE"\nnot_stated = ["999"]',
        allowed=tuple(CONCEPTS),
    ),
    Key(
        "concepts.<concept>.column",
        "string",
        "The source column holding the concept.",
        '[concepts.country_of_birth]\ncolumn = "POB"\ncodes = "iso3166-numeric"',
        required=True,
    ),
    Key(
        "concepts.<concept>.codes",
        "string or table: source code -> standard code",
        "What the codes mean. For a country concept, a code system name (the column holds ISO "
        "3166 codes) or a table; for a category concept, a table of source code -> category "
        'code (`"1" = "M"`); for a number, recodes of special codes (`"-1" = 0`, or only '
        f"`_U`/`_Z` with bands). A country may be mapped to `{ABROAD_NOT_STATED}` (abroad, "
        f"country not stated), any concept to `_U` (not stated) or `_Z` (not applicable). "
        + _CODE_RULE,
        '[concepts.sex]\ncolumn = "SEX"\ncodes = { "1" = "M", "2" = "F", "9" = "_U" }',
        default="required for category and country concepts, unless `code_groups` is given",
        allowed=CODE_SYSTEMS,
    ),
    Key(
        "concepts.<concept>.extra_codes",
        "table: source code -> standard code",
        "Entries added to a code system, for the codes no ISO system has (the census country's "
        "own code, `stateless`...).",
        '[concepts.citizenship]\ncolumn = "CIT"\ncodes = "iso3166-numeric"\n'
        'extra_codes = { "900" = "QUE", "997" = "XXA" }',
        default="{}",
    ),
    Key(
        "concepts.<concept>.code_groups",
        "list of tables",
        "Several source codes that share one standard code, each group `{ codes = [...], "
        "standard = ... }`; the codes may hold ranges.",
        '[concepts.residence_5_years_ago]\ncolumn = "RES5"\ncodes = { "1" = "same_dwelling", '
        '"5" = "abroad" }\ncode_groups = [{ codes = ["2"], standard = "same_area" }, '
        '{ codes = ["3", "4"], standard = "other_area" }]',
        default="[]",
    ),
    Key(
        "concepts.<concept>.code_groups[].codes",
        "list of codes and ranges",
        "The source codes of the group. " + _LIST_RULE,
        '[concepts.sex]\ncolumn = "SEX"\ncodes = { "1" = "M" }\n'
        'code_groups = [{ codes = ["2", { from = "20", to = "29" }], standard = "F" }]',
        required=True,
    ),
    Key(
        "concepts.<concept>.code_groups[].standard",
        "string (a number for numeric concepts)",
        "The standard code every source code of the group means.",
        '[concepts.sex]\ncolumn = "SEX"\ncode_groups = [{ codes = ["1", "3"], standard = "M" }, '
        '{ codes = ["2", "4"], standard = "F" }]',
        required=True,
    ),
    Key(
        "concepts.<concept>.not_stated",
        "list of codes and ranges",
        "Source codes that mean not stated (coded `_U`; an empty cell is not stated too). "
        + _LIST_RULE,
        '[concepts.age]\ncolumn = "AGE"\nnot_stated = ["999", { from = "990", to = "998" }]',
        default="[]",
    ),
    Key(
        "concepts.<concept>.not_applicable",
        "list of codes and ranges",
        "Source codes that mean not applicable (coded `_Z`), such as a year of arrival for a "
        "person who never lived abroad. " + _LIST_RULE,
        '[concepts.year_of_arrival]\ncolumn = "YOA"\nnot_applicable = ["9998"]\n'
        'not_stated = ["9999"]',
        default="[]",
    ),
    Key(
        "concepts.<concept>.case_insensitive",
        "boolean",
        "Compare text codes without regard to case (`bol` = `BOL`); two codes that differ "
        "only in case are then one code.",
        '[concepts.country_of_birth]\ncolumn = "PAIS"\ncodes = { BOL = "BOL", PER = "PER" }\n'
        "case_insensitive = true",
        default="false",
        allowed=("true", "false"),
    ),
    Key(
        "concepts.<concept>.gate",
        "table",
        "A second column that says whether the concept's own column applies, as in "
        'questionnaires that ask "where were you born? 1 here ... 4 abroad" and code the '
        "country in another column only for some answers.",
        '[concepts.country_of_birth]\ncolumn = "CH15_COD"\ncodes = "iso3166-numeric"\n'
        'gate = { column = "CH15", codes = { "1" = "ARG", "9" = "_U" }, detail = ["4", "5"] }',
        default="no gate: the column is always read",
    ),
    Key(
        "concepts.<concept>.gate.column",
        "string",
        "The gate column.",
        '[concepts.country_of_birth]\ncolumn = "CH15_COD"\ncodes = "iso3166-numeric"\n'
        'gate = { column = "CH15", detail = ["4", "5"] }',
        required=True,
    ),
    Key(
        "concepts.<concept>.gate.codes",
        "table: gate code -> standard code",
        'Gate answers that settle the concept by themselves (`"1" = "ARG"`: born here; '
        '`"9" = "_U"`).',
        '[concepts.country_of_birth]\ncolumn = "CH15_COD"\ncodes = "iso3166-numeric"\n'
        'gate = { column = "CH15", codes = { "1" = "ARG", "9" = "_U" }, detail = ["4"] }',
        default="{}",
    ),
    Key(
        "concepts.<concept>.gate.detail",
        "list of codes and ranges",
        "Gate codes for which the concept's own column is read. " + _LIST_RULE,
        '[concepts.country_of_birth]\ncolumn = "CH15_COD"\ncodes = "iso3166-numeric"\n'
        'gate = { column = "CH15", detail = ["4", "5"] }',
        required=True,
    ),
    Key(
        "concepts.<concept>.other",
        "string",
        "The standard code of every source code the profile does not list (instead of `_X`, "
        'unknown code), for code lists that end in "any other code". Coded concepts only.',
        '[concepts.reason_for_migration]\ncolumn = "REASON"\ncodes = { "1" = "employment", '
        '"2" = "family" }\nother = "other"',
        default="unlisted codes are unknown codes (`_X`)",
    ),
    Key(
        "concepts.<concept>.bands",
        "list of tables",
        "For a number held as bands (age groups), each code with its interval, `{ code, from, "
        "to }`; only the highest band may be open (no `to`), bands may not overlap, a code in "
        "no band is an unknown code, and `codes` may then only map to `_U` or `_Z`. Tables "
        "by age must then use groups made of whole bands (or the recipe's `allow_coarser`). "
        "Numeric concepts only.",
        '[concepts.age]\ncolumn = "AGE_GROUP"\nbands = [{ code = "1", from = 0, to = 14 }, '
        '{ code = "2", from = 15, to = 64 }, { code = "3", from = 65 }]\nnot_stated = ["9"]',
        default="the column holds the number itself",
    ),
    Key(
        "concepts.<concept>.bands[].code",
        "string or integer",
        "The source code of the band, a whole number.",
        '[concepts.age]\ncolumn = "AGE_GROUP"\nbands = [{ code = "1", from = 0 }]',
        required=True,
    ),
    Key(
        "concepts.<concept>.bands[].from",
        "integer",
        f"The band's lowest value (ages {_AGE[0]} to {_AGE[1]}, years of arrival {_YEAR[0]} to "
        f"{_YEAR[1]}).",
        '[concepts.age]\ncolumn = "AGE_GROUP"\nbands = [{ code = "1", from = 0, to = 64 }, '
        '{ code = "2", from = 65 }]',
        required=True,
    ),
    Key(
        "concepts.<concept>.bands[].to",
        "integer",
        "The band's highest value, at least `from`; left out for the open top band "
        '("65 and over").',
        '[concepts.year_of_arrival]\ncolumn = "ARRIVED"\nbands = [{ code = "1", from = 1900, '
        'to = 1999 }, { code = "2", from = 2000 }]',
        default="open (no upper end)",
    ),
    Key(
        "concepts.<concept>.<code list>[].from",
        "string or integer",
        f"The first code of a range of whole-number codes, in any list of codes "
        f'({", ".join(CODE_LISTS)}): `{{ from = "100", to = "199" }}` stands for the codes '
        f'100 to 199, and `{{ from = "01", to = "12" }}` keeps the zero padding. A range '
        f"holds at most {MAX_RANGE:,} codes and a concept at most {MAX_CODES:,}; a code that "
        'only looks like a range (`"100..199"`) is refused.',
        '[concepts.age]\ncolumn = "AGE"\nnot_stated = [{ from = "990", to = "999" }]',
        required=True,
    ),
    Key(
        "concepts.<concept>.<code list>[].to",
        "string or integer",
        "The last code of a range, at least `from`.",
        '[concepts.place_of_birth]\ncolumn = "PROV_BIRTH"\n'
        'not_applicable = [{ from = "01", to = "09" }]',
        required=True,
    ),
    Key(
        "design",
        "table",
        "The sampling design of a survey: how the standard errors of its weighted estimates are "
        "computed (needs `data.weight`). A weighted profile without it still gets its "
        "estimates, with a note that their sampling error is unknown.",
        '[data]\nweight = "WEIGHT"\n\n[design]\nmethod = "taylor"\nstrata = "STRATUM"\npsu = "PSU"',
        default="no standard errors",
    ),
    Key(
        "design.method",
        "string",
        "How variances are estimated: `taylor` linearisation over strata and PSUs; "
        "replicate weights with successive difference (`sdr`), Fay's BRR (`fay`), BRR "
        "(`brr`), the delete-one (`jk1`) or stratified (`jkn`) jackknife, or the "
        "`bootstrap`; or `none` (the file allows no variance estimate, `note` says why). "
        "The conventions are those of R's survey package.",
        '[data]\nweight = "WEIGHT"\n\n[design]\nmethod = "taylor"',
        required=True,
        allowed=DESIGN_METHODS,
    ),
    Key(
        "design.strata",
        "string",
        "(taylor) The column of the first-stage strata.",
        '[data]\nweight = "WEIGHT"\n\n[design]\nmethod = "taylor"\nstrata = "STRATUM"',
        default="one stratum",
    ),
    Key(
        "design.psu",
        "string",
        "(taylor) The column of the primary sampling units, numbered within or across strata.",
        '[data]\nweight = "WEIGHT"\n\n[design]\nmethod = "taylor"\npsu = "PSU"',
        default="every record its own PSU",
    ),
    Key(
        "design.fpc",
        "string",
        "(taylor) The column of the finite population correction: the stratum's PSUs in the "
        "population, or the sampling fraction when every value is at most 1 (as R survey's "
        "`fpc`).",
        '[data]\nweight = "WEIGHT"\n\n[design]\nmethod = "taylor"\nstrata = "STRATUM"\n'
        'fpc = "N_PSU"',
        default="no correction (with replacement)",
    ),
    Key(
        "design.lonely_psu",
        "string",
        "(taylor) What a stratum with a single PSU contributes, as R survey's "
        "`survey.lonely.psu`: `fail` stops the run; `certainty` and `remove` give it no "
        "variance; `adjust` centres it at zero; `average` gives it the other strata's "
        "average.",
        '[data]\nweight = "WEIGHT"\n\n[design]\nmethod = "taylor"\nstrata = "STRATUM"\n'
        'lonely_psu = "adjust"',
        default="fail",
        allowed=LONELY_PSU,
    ),
    Key(
        "design.replicate_weights",
        "string or list of strings",
        f"(replicate methods) The replicate weight columns, 2 to {MAX_REPLICATES:,}: a numbered "
        'range `"RWGT1..RWGT80"` (`"RW01..RW80"` keeps the zero padding) or a list of '
        "column names.",
        '[data]\nweight = "WGT"\n\n[design]\nmethod = "sdr"\nreplicate_weights = "RWGT1..RWGT80"',
        default="required for replicate methods",
    ),
    Key(
        "design.rho",
        "number",
        "(fay) Fay's coefficient, at least 0 and below 1.",
        '[data]\nweight = "WGT"\n\n[design]\nmethod = "fay"\nreplicate_weights = "RW1..RW4"\n'
        "rho = 0.5",
        default="required for fay",
    ),
    Key(
        "design.scale",
        "number",
        "(replicate methods) The overall multiplier of the sum of squared deviations, above 0, "
        "replacing the method's own (4/R for sdr, 1/R for brr, (R-1)/R for jk1...).",
        '[data]\nweight = "WGT"\n\n[design]\nmethod = "bootstrap"\n'
        'replicate_weights = "RW1..RW4"\nscale = 0.25',
        default="the method's",
    ),
    Key(
        "design.rscales",
        "number or list of numbers",
        "(replicate methods) Per-replicate multipliers: one number for every replicate, or one "
        "per replicate; 0 leaves a replicate out (as R's JKn does for a stratum sampled whole).",
        '[data]\nweight = "WGT"\n\n[design]\nmethod = "jkn"\nreplicate_weights = "RW1..RW4"\n'
        "rscales = [0.5, 0.5, 0.5, 0.5]",
        default="`1` (required for jkn)",
    ),
    Key(
        "design.center",
        "string",
        "(replicate methods) What the replicate estimates deviate from: `estimate`, the "
        "full-sample estimate (R survey's `mse = TRUE`), or `replicate_mean`, their mean.",
        '[data]\nweight = "WGT"\n\n[design]\nmethod = "brr"\nreplicate_weights = "RW1..RW4"\n'
        'center = "replicate_mean"',
        default="estimate",
        allowed=CENTRES,
    ),
    Key(
        "design.note",
        "string",
        "(none) Why the file allows no variance estimate; printed with every table.",
        '[data]\nweight = "PONDERA"\n\n[design]\nmethod = "none"\n'
        'note = "The public file has no strata, PSUs or replicate weights."',
        default="required for none",
    ),
    Key(
        "estimates",
        "table",
        "How sampling errors are shown: the confidence level of margins of error and where the "
        "reliability flags `E` (use with caution) and `F` (too unreliable) fall.",
        "[estimates]\nconfidence = 0.95\ncv_caution = 16.5\ncv_unreliable = 33.3",
        default="the defaults below",
    ),
    Key(
        "estimates.confidence",
        "number",
        "The confidence level of margins of error and intervals, from 0.5 to below 1 (z = 1.645 "
        "at 0.90, 1.960 at 0.95).",
        "[estimates]\nconfidence = 0.95",
        default="0.90",
    ),
    Key(
        "estimates.cv_caution",
        "number",
        "A coefficient of variation (percent) above this is flagged `E`, use with caution; "
        "above 0 and at most `cv_unreliable`.",
        "[estimates]\ncv_caution = 16.5",
        default="15",
    ),
    Key(
        "estimates.cv_unreliable",
        "number",
        "A coefficient of variation (percent) above this is flagged `F`, too unreliable to "
        "publish.",
        "[estimates]\ncv_unreliable = 33.3",
        default="30",
    ),
    Key(
        "estimates.min_unweighted",
        "integer",
        "A cell of fewer sample records than this is flagged `F`, whatever its coefficient of "
        "variation (0 or more).",
        "[estimates]\nmin_unweighted = 50",
        default="30",
    ),
    Key(
        "protection",
        "table",
        "How the tables are protected before publication (statistical disclosure control). The "
        "first method stated wins: `tabulate --protect`, then `[protection.recipes]`, then "
        "the recipe's own `protection`, then `method` here.",
        '[protection]\nmethod = "suppress"\nthreshold = 3',
        default="tables are published as computed",
    ),
    Key(
        "protection.method",
        "string",
        "The method for every table the recipes leave open: `suppress` (threshold rule with "
        "secondary suppression), `round3`/`round5` (unbiased random rounding), `cell-key` "
        "(the cell-key method) or `none`. A weighted profile can only `suppress`.",
        '[protection]\nmethod = "cell-key"',
        default="none",
        allowed=PROTECTION_METHODS,
    ),
    Key(
        "protection.threshold",
        "integer",
        f"`k` of the threshold rule, 1 to {MAX_THRESHOLD}: a cell of 1 to k - 1 persons is "
        "never published as such; counts published beside the tables follow the same rule.",
        '[protection]\nmethod = "suppress"\nthreshold = 5',
        default=str(DEFAULT_THRESHOLD),
    ),
    Key(
        "protection.rule",
        "string",
        "(suppress) `count` withholds a cell of fewer than k contributors; "
        "`count-or-margin` also one within k - 1 contributors of one of its totals.",
        '[protection]\nmethod = "suppress"\nrule = "count-or-margin"',
        default="count",
        allowed=RULES,
    ),
    Key(
        "protection.interval",
        "integer",
        f"(suppress) The protection interval, 1 to {10 * MAX_THRESHOLD:,}: the smallest and the "
        "largest value consistent with everything published must lie at least this far apart "
        "for every withheld cell.",
        '[protection]\nmethod = "suppress"\ninterval = 4',
        default="the threshold",
    ),
    Key(
        "protection.seed",
        "integer",
        f"The seed of the record keys (cell-key method) and of random rounding, 0 to "
        f"{MAX_SEED:,}. State your own and keep it secret; it is never published.",
        '[protection]\nmethod = "round3"\nseed = 8675309',
        default=str(DEFAULT_SEED),
    ),
    Key(
        "protection.ptable",
        "string (a path)",
        "(cell-key) Your perturbation table, a CSV in the ONS layout (`pcv,ckey,pvalue`) or "
        "the sdcTools `ptable` layout; a relative path is read beside the profile.",
        '[protection]\nmethod = "cell-key"\nptable = "ptable.csv"',
        default="the table shipped with censusmig",
    ),
    Key(
        "protection.recipes",
        "table: recipe id -> method",
        "A method for single recipes, overriding the recipe's own and `method`.",
        '[protection.recipes]\nnativity_age_sex = "round3"',
        default="{}",
        allowed=PROTECTION_METHODS,
    ),
)
"""Every profile key, a table before its keys, in the reference's order."""

PROFILE_SCHEMA = Schema(
    "profile",
    PROFILE_KEYS,
    {
        "<concept>": _choices(CONCEPTS),
        "<code list>": "|".join(
            re.escape(name).replace(r"\[\]", r"\[[0-9]+\]") for name in CODE_LISTS
        ),
    },
)
"""The profile schema: :data:`PROFILE_KEYS` and what its placeholders stand for."""

__all__ = ["CODE_LISTS", "PROFILE_KEYS", "PROFILE_SCHEMA", "Key", "Schema"]
