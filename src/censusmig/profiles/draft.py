"""Drafting a profile from a data file, for a person to review and complete.

:func:`draft_profile` reads the columns' names, labels and code counts (through
:func:`censusmig.profiles.inspect.summarise`) and writes a profile that already validates, with
every guess marked ``# GUESS`` and every placeholder or list to map marked ``# REVIEW``:

* columns: from :func:`censusmig.profiles.inspect.guess_concepts`; a detail column such as the
  EPH's CH15_COD (the country, for CH15 = born abroad) is read through a gate on its question,
  whose detail codes are those for which the detail column is filled;
* country concepts with value labels: labels matched to ISO 3166 names with pycountry (English
  names, official and common names, names in Spanish, French and Portuguese, former countries,
  a few usual aliases, then ``pycountry.countries.search_fuzzy``, which is a guess); a label
  that says only abroad ("Born abroad", "Outside Canada", "Otro país") maps to ``abroad_U``
  (abroad, country not stated). When the
  labels agree with an ISO code system the draft names the system and maps only the exceptions
  in ``extra_codes``; otherwise it writes a table. Labels it cannot match are listed;
* country concepts whose codes are names ("Mexico", "United-States", "Trinadad&Tobago"): each
  code matched as a label (separators ignored; known variant spellings, close spellings and
  fuzzy search marked GUESS); every code not matched is listed with its records, and codes of
  punctuation only ("?") go to ``not_stated`` as a GUESS;
* geography: the coarsest area column guessed (``REGION``, ``STATE``, ``PROV``, ``DEPTO``...,
  or value labels naming subdivisions of one country) becomes the first ``[[geography.levels]]``
  (``region``), with the column's value labels as its labels, marked GUESS; other candidates
  are listed;
* country concepts without labels: the ISO code system most codes are valid in, else an empty
  table and the codes seen (three-letter codes that are also ISO alpha-3 codes are offered as
  commented-out lines: a local code can clash with ISO, as the EPH's EST for Estados Unidos);
* category concepts: labels whose words say the category (male / hombre / masculin -> M);
  without labels only sex coded 1/2 is guessed (1 male, 2 female);
* every concept: labels that say "not stated" or "not applicable", and the file's declared
  missing codes, go to ``not_stated`` and ``not_applicable``;
* the census country: the most frequent country of birth, when that code is a known country;
  otherwise, and for the reference date (which no file holds) unless the caller gives them,
  the placeholder :data:`censusmig.profiles.model.PLACEHOLDER`, which ``tabulate`` refuses.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import gettext
import json
import re
import textwrap
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pycountry

from censusmig.classifications import countries
from censusmig.classifications.categories import EARLIEST_YEAR, MAX_VALID_AGE
from censusmig.classifications.codes import NOT_APPLICABLE, NOT_STATED
from censusmig.concepts import CONCEPTS, ConceptKind
from censusmig.profiles.inspect import (
    GEOGRAPHY,
    HOUSEHOLD_ID,
    PERSON_ID,
    WEIGHT,
    CodeCount,
    ColumnSummary,
    Guess,
    Summary,
    detail_base,
    guess_concepts,
    household_part,
    means_abroad,
    normalise_text,
    summarise,
)
from censusmig.profiles.model import (
    PLACEHOLDER,
    PROFILE_SCHEMA_VERSION,
    label_problem,
    source_code_problem,
)
from censusmig.readers.meta import Metadata, code_text

SYSTEM_SHARE = 0.8
"""Share of a column's distinct codes that must be valid in an ISO code system to use it."""

LABELS_AGREE = 0.9
"""Share of matched labels that must agree with an ISO code system for the draft to name it."""

_LINE = 100


# --- special codes and categories from labels -------------------------------------------------

_NOT_APPLICABLE = re.compile(
    r"\b(?:not applicable|n a|niu|not in universe|no aplica|no corresponde|non applicable"
    r"|sans objet|hors champ|not yet born|no habia nacido|pas encore ne|nao aplicavel)\b"
)
_NOT_STATED = re.compile(
    r"\b(?:missing|not stated|not reported|not specified|unspecified|unknown|don t know"
    r"|dont know|do not know|no answer|no response|non response|refused|ns|nr|no sabe"
    r"|no responde|no contesta|sin dato|sin datos|sin informacion|sin especificar"
    r"|no especificado|ignorado|no declarado|non declare|ne sait pas|inconnu|non reponse"
    r"|sans reponse|nao sabe|sem informacao|blank)\b"
)
# Residual categories that name a group, never one country ("Other Africa", "Resto de América").
_RESIDUAL = re.compile(
    r"\b(?:other|others|otro|otros|otra|otras|autre|autres|outro|outros|rest|resto|reste"
    r"|n e c|nec|elsewhere|remaining|and|y|et|e)\b"
)


def special_code(label: str) -> str | None:
    """``_Z`` for a label meaning not applicable, ``_U`` for not stated, else None.

    Args:
        label: A value label ("No sabe / no responde", "N/A", "Not in universe").

    Returns:
        The special code, or None.
    """
    text = normalise_text(label)
    if _NOT_APPLICABLE.search(text):
        return NOT_APPLICABLE
    if _NOT_STATED.search(text):
        return NOT_STATED
    return None


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_CATEGORY_WORDS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "sex": (
        ("F", _words("female", "females", "woman", "women", "girl", "mujer", "mujeres",
                     "femenino", "feminino", "femme", "femmes", "feminin", "feminine")),
        ("M", _words("male", "males", "man", "men", "boy", "hombre", "hombres", "varon",
                     "varones", "masculino", "masculin", "homme", "hommes")),
    ),
    "residence": (
        ("abroad", _words("abroad", "another country", "other country", "foreign country",
                          "outside the country", "extranjero", "exterior", "otro pais",
                          "pais limitrofe", "etranger", "autre pays", "outro pais")),
        ("same_dwelling", _words("same house", "same dwelling", "same address", "same home",
                                 "misma vivienda", "misma casa", "meme logement",
                                 "meme domicile", "mesmo domicilio", "mesma casa")),
        ("other_area", _words("other", "another", "different", "between", "otra", "otro",
                              "distinta", "distinto", "entre", "autre", "outra", "outro")),
        ("same_area", _words("same", "this", "within", "misma", "mismo", "esta", "este",
                             "dentro", "meme", "cette", "mesma", "mesmo", "nesta")),
    ),
    "reason_for_migration": (
        ("humanitarian", _words("asylum", "refuge", "refugee", "conflict", "persecution",
                                "violence", "war", "insecurity", "asilo", "refugio",
                                "refugiado", "guerra", "violencia", "inseguridad", "asile",
                                "refugie", "guerre", "persecucion")),
        ("environment", _words("environment", "environmental", "disaster", "climate",
                               "drought", "flood", "desastre", "ambiente", "clima",
                               "catastrophe", "sequia", "inundacion", "secheresse")),
        ("employment", _words("work", "job", "jobs", "employment", "trabajo", "empleo",
                              "laboral", "travail", "emploi", "trabalho", "emprego")),
        ("family", _words("family", "familia", "famille", "familiares", "marriage",
                          "matrimonio", "mariage", "casamento", "reunification", "reunion",
                          "accompany", "acompanar", "spouse", "conyuge")),
        ("education", _words("study", "studies", "studying", "education", "estudio",
                             "estudios", "estudiar", "etudes", "estudo", "estudos")),
        ("other", _words("other", "otro", "otra", "otros", "autre", "autres", "outro")),
    ),
    "citizenship_acquisition": (
        ("by_naturalisation", re.compile(
            r"\b(?:naturali\w*|marriage|matrimonio|mariage|option|opcion|declaration"
            r"|declaracion|carta de ciudadania)")),
        ("by_birth", _words("by birth", "birth", "de nacimiento", "por nacimiento",
                            "de naissance", "nato", "nativo", "native", "by descent")),
    ),
}  # fmt: skip
_DWELLING_CHANGE = re.compile(
    r"\b(?:other|another|different|otra|otro|distinta|distinto|autre|outra|outro) "
    r"(?:dwelling|house|home|address|vivienda|casa|domicilio|logement|domicile|residence)\b"
)
_UNIT = r"(?:\s*(?:years?|yrs|anos|ans|anos de edad)(?:\s+old)?)?"
_BAND_RANGE = re.compile(
    r"^(?:(?:from|aged|ages?|de|entre|edad|idade|of)\s+)?(\d{1,3})"
    + _UNIT
    + r"\s*(?:-|\u2013|\u2014|to|a|au|hasta|y|et|e)\s*(\d{1,3})"
    + _UNIT
    + r"$"
)
_BAND_OPEN = re.compile(
    r"^(?:(?:aged|ages?|de|edad|idade)\s+)?(\d{1,3})"
    + _UNIT
    + r"\s*(?:\+|and over|and older|and above|or more|or older|plus|y mas|o mas|et plus"
    r"|ou plus|e mais|ou mais)" + _UNIT + r"$"
)
_BAND_UNDER = re.compile(
    r"^(?:under|less than|below|menos de|menor de|moins de)\s+(\d{1,3})" + _UNIT + r"$"
)


def age_band(label: str) -> tuple[int, int | None] | None:
    """The interval an age-band label stands for, or None when the label is not a band.

    Args:
        label: A value label: "0 to 15", "16-24", "65 and over", "65+", "de 0 a 15 años",
            "65 ans et plus", "under 5".

    Returns:
        (lowest age, highest age or None for an open band).
    """
    decomposed = unicodedata.normalize("NFKD", label.casefold())
    text = " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())
    text = text.strip(" .:;")
    if match := _BAND_RANGE.match(text):
        low, high = int(match[1]), int(match[2])
        return (low, high) if high >= low else None
    if match := _BAND_OPEN.match(text):
        return int(match[1]), None
    if (match := _BAND_UNDER.match(text)) and int(match[1]) > 0:
        return 0, int(match[1]) - 1
    return None


def _age_bands(labels: Mapping[str, str], special: set[str]) -> list[tuple[str, int, int | None]]:
    """The labelled codes as age bands, when every other labelled code is a band of years.

    Returns:
        (code, lowest age, highest age or None) lowest first; empty unless at least two
        labels are bands, one of them wider than a year, none overlapping.
    """
    bands = []
    for code, label in labels.items():
        if code in special:
            continue
        interval = age_band(label)
        if interval is None or not code.strip().lstrip("-").isdigit():
            return []
        bands.append((code.strip(), *interval))
    bands.sort(key=lambda band: band[1])
    wide = any(high is None or high > low for _, low, high in bands)
    for (_, _, high), (_, low, _) in zip(bands, bands[1:], strict=False):
        if high is None or high >= low:
            return []
    return bands if len(bands) >= 2 and wide else []


_UNDER_ONE = re.compile(
    r"\b(?:less than (?:1|one) year|under (?:1|one)|menos de (?:1|un) ano|moins d (?:1|un) an"
    r"|menor de (?:1|un) ano|menos de 1 ano)\b"
)


def category_code(concept: str, label: str) -> str | None:
    """The category a value label names, for a category concept, or None.

    Args:
        concept: A category concept (``sex``, ``residence_5_years_ago``...).
        label: A value label ("Varón", "Same house", "Por trabajo").

    Returns:
        A code of the concept's category set, or None when the words do not say.
    """
    spec = CONCEPTS[concept]
    set_name = spec.categories.name if spec.categories else ""
    text = normalise_text(label)
    moved = False
    if set_name == "residence":
        # "Another dwelling, same district": the dwelling changed, the area did not.
        text, moved = _DWELLING_CHANGE.subn(" ", text)[0], bool(_DWELLING_CHANGE.search(text))
    for code, pattern in _CATEGORY_WORDS.get(set_name, ()):
        if pattern.search(text):
            return code
    return "same_area" if moved else None


# --- country names ----------------------------------------------------------------------------

_ALIASES = {
    "usa": "USA", "us": "USA", "u s": "USA", "u s a": "USA", "united states of america": "USA",
    "america": "USA", "eeuu": "USA", "ee uu": "USA", "estados unidos de america": "USA",
    "uk": "GBR", "u k": "GBR", "great britain": "GBR", "england": "GBR", "scotland": "GBR",
    "wales": "GBR", "northern ireland": "GBR", "inglaterra": "GBR", "gran bretana": "GBR",
    "angleterre": "GBR", "grande bretagne": "GBR", "russia": "RUS", "rusia": "RUS",
    "south korea": "KOR", "corea del sur": "KOR", "coree du sud": "KOR", "north korea": "PRK",
    "corea del norte": "PRK", "coree du nord": "PRK", "holland": "NLD", "holanda": "NLD",
    "hollande": "NLD", "burma": "MMR", "birmania": "MMR", "zaire": "COD", "east timor": "TLS",
    "ivory coast": "CIV", "costa de marfil": "CIV", "swaziland": "SWZ", "cape verde": "CPV",
    "cabo verde": "CPV", "macedonia": "MKD", "turkey": "TUR", "turquia": "TUR",
    "czech republic": "CZE", "republica checa": "CZE", "vatican": "VAT", "palestine": "PSE",
    "palestina": "PSE", "siria": "SYR", "syrie": "SYR", "iran": "IRN", "kosovo": "XKX",
    "vietnam": "VNM", "mejico": "MEX", "ussr": "SUN", "soviet union": "SUN", "urss": "SUN",
    "union sovietica": "SUN", "yugoslavia": "YUG", "czechoslovakia": "CSK",
    "checoslovaquia": "CSK", "stateless": "XXA", "stateless person": "XXA", "apatrida": "XXA",
    "apatride": "XXA", "sin nacionalidad": "XXA", "sans nationalite": "XXA",
}  # fmt: skip
_LANGUAGES = ("es", "fr", "pt")


_VARIANTS = {
    "columbia": "COL", "trinadad tobago": "TTO", "holand netherlands": "NLD", "holand": "NLD",
    "hong": "HKG", "phillipines": "PHL", "phillippines": "PHL", "philipines": "PHL",
    "west germany": "DEU", "germany west": "DEU", "azerbaidjan": "AZE", "kirghizia": "KGZ",
    "byelorussia": "BLR", "burkina": "BFA",
}  # fmt: skip
"""Spellings of country names seen in public extracts that no ISO name is close to (the US
Census Adult extract's "Columbia", "Trinadad&Tobago", "Holand-Netherlands" and "Hong"); a match
from here is marked GUESS."""

_FILLERS = frozenset(("and", "the", "of", "y", "et", "e", "de", "del", "la", "le", "les", "da"))
_DIRECTIONS = frozenset(("north", "south", "east", "west", "central", "norte", "sur", "nord"))
"""Words that alone name a part of the world, never a country ("South" is not South Africa)."""

CLOSE_SPELLING = 0.85
"""Least ``difflib`` similarity for a name to be taken as a misspelling of a country name."""


@dataclass(frozen=True)
class CountryMatch:
    """A value label matched to a country.

    Attributes:
        alpha3: ISO 3166 alpha-3 code (a historic ISO 3166-3 code for a former country).
        fuzzy: True when not found by name: a known variant spelling, a close spelling
            (``difflib``) or ``search_fuzzy``: a guess to check.
        alternatives: Other countries the fuzzy search also found.
        how: How a fuzzy match was found, for the GUESS comment; empty for exact names.
    """

    alpha3: str
    fuzzy: bool = False
    alternatives: tuple[str, ...] = ()
    how: str = ""


def _loose(text: str) -> str:
    """A normalised name without filler words: "trinidad and tobago" -> "trinidad tobago"."""
    return " ".join(word for word in text.split() if word not in _FILLERS)


@functools.cache
def _name_index() -> tuple[dict[str, str], dict[str, str]]:
    """Normalised names -> alpha-3: full names first, then names before a comma."""
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in _LANGUAGES
    ]

    def add(name: str, code: str) -> None:
        full.setdefault(normalise_text(name), set()).add(code)
        if "," in name:
            short.setdefault(normalise_text(name.split(",")[0]), set()).add(code)

    for record in pycountry.countries:
        names = [getattr(record, key, None) for key in ("name", "official_name", "common_name")]
        for name in filter(None, names):
            add(name, record.alpha_3)
            for translation in translations:
                add(translation.gettext(name), record.alpha_3)
    for alias, code in _ALIASES.items():
        full.setdefault(alias, set()).add(code)
    # Former countries (ISO 3166-3) only where no current country has the name.
    for record in pycountry.historic_countries:
        for index, name in ((full, record.name), (short, record.name.split(",")[0])):
            key = normalise_text(name)
            if key not in full and key not in short:
                index[key] = {record.alpha_3}
    unique_full = {key: next(iter(codes)) for key, codes in full.items() if len(codes) == 1}
    unique_short = {key: next(iter(codes)) for key, codes in short.items() if len(codes) == 1}
    return unique_full, unique_short


@functools.cache
def _loose_index() -> dict[str, str]:
    """Names without filler words -> alpha-3, where that still names one country."""
    found: dict[str, set[str]] = {}
    for index in _name_index():
        for key, code in index.items():
            found.setdefault(_loose(key), set()).add(code)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1 and key}


def match_country(label: str) -> CountryMatch | None:
    """Match a value label, or a text code that is a country name, to an ISO 3166 country.

    In order: the name (separators such as ``-`` and ``&`` count as spaces, so
    "United-States" is United States), the name without filler words ("Trinidad&Tobago"),
    then, marked fuzzy: a known variant spelling (:data:`_VARIANTS`), a close spelling of a
    country name (``difflib``, at least :data:`CLOSE_SPELLING` alike: "Columbia"), and last
    ``pycountry.countries.search_fuzzy``.

    Args:
        label: A value label or text code ("Guatemala", "Estados Unidos", "Korea").

    Returns:
        The match, ``fuzzy`` when not found by name, or None (residual groups such as "Other
        Africa", and a bare direction such as "South", are never matched). A label that says
        only abroad ("Born abroad", "Non-Argentine", "En el extranjero") matches
        :data:`censusmig.classifications.countries.ABROAD_NOT_STATED`.
    """
    text = normalise_text(label)
    if not text:
        return None
    full, short = _name_index()
    for index in (full, short):
        if text in index:
            return CountryMatch(index[text])
    if means_abroad(label):
        return CountryMatch(countries.ABROAD_NOT_STATED)
    loose = _loose(text)
    if loose in _loose_index():
        return CountryMatch(_loose_index()[loose])
    variant = _VARIANTS.get(loose)
    if variant is not None:
        return CountryMatch(variant, fuzzy=True, how="a known variant spelling")
    if _RESIDUAL.search(text) or len(text) < 4 or text in _DIRECTIONS:
        return None
    close = difflib.get_close_matches(loose, list(_loose_index()), n=4, cutoff=CLOSE_SPELLING)
    if close:
        codes = list(dict.fromkeys(_loose_index()[key] for key in close))
        return CountryMatch(
            codes[0],
            fuzzy=True,
            alternatives=tuple(codes[1:]),
            how=f"a close spelling of {close[0]!r}",
        )
    try:
        found = pycountry.countries.search_fuzzy(label)
    except LookupError:
        return None
    codes = [record.alpha_3 for record in found]
    return CountryMatch(codes[0], fuzzy=True, alternatives=tuple(codes[1:4]))


def _system_codes(system: str, code: str) -> str | None:
    mapping = countries.code_map(system)
    if system == "iso3166-numeric":
        return mapping.get(countries.normalise_numeric(code)) if code.isdigit() else None
    return mapping.get(code.upper())


def _detect_system(codes: Sequence[str]) -> str | None:
    """The ISO code system most of the codes belong to, if any."""
    if not codes:
        return None
    for system in countries.CODE_SYSTEMS:
        valid = sum(_system_codes(system, code) is not None for code in codes)
        if valid >= 3 and valid >= SYSTEM_SHARE * len(codes):
            return system
    return None


# --- writing TOML -----------------------------------------------------------------------------


def _q(text: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def _clean(text: str) -> str:
    """Text safe inside a one-line comment."""
    return " ".join(str(text).split())


def _string_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_q(value) for value in values) + "]"


def _comment(text: str, prefix: str = "# ") -> list[str]:
    return textwrap.wrap(
        _clean(text),
        width=_LINE,
        initial_indent=prefix,
        subsequent_indent=prefix + "  ",
        break_on_hyphens=False,
    )


def _with_comment(line: str, comment: str) -> str:
    return f"{line}   # {_clean(comment)}" if comment else line


def _code_list(codes: Iterable[CodeCount], limit: int = 60) -> str:
    items = list(codes)
    shown = [
        f"{_q(c.code)} ({c.count}{', ' + repr(_clean(c.label)) if c.label else ''})"
        for c in items[:limit]
    ]
    more = f", ... and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(shown) + more


# --- sections ---------------------------------------------------------------------------------


@dataclass
class _Section:
    """One ``[concepts.NAME]`` section: key lines, comments and a ``codes`` sub-table."""

    concept: str
    column: str
    why: str
    keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    table: str = "codes"  # the key of the sub-table that ``codes`` fills
    census_country: tuple[str | None, str] | None = None  # (alpha-3 if known, evidence)

    def note_top_code(
        self, top: CodeCount | None, alpha3: str | None, label: str | None = None
    ) -> None:
        """Record what the most frequent code says about the census country."""
        if top is None:
            return
        shown = f"{top.code} {_clean(label)!r}" if label else top.code
        if alpha3:
            evidence = (
                f"{_country_name(alpha3)} is the most frequent {self.concept} "
                f"in {self.column} (code {top.code}, {top.count} records)"
            )
        else:
            evidence = (
                f"the most frequent {self.concept} code in {self.column}, {shown} "
                f"({top.count} records), is not a known country: it may be the census "
                "country's own code"
            )
        self.census_country = (alpha3, evidence)

    def render(self) -> list[str]:
        lines = [f"[concepts.{self.concept}]", *_comment(f"GUESS: {self.why}")]
        lines.append(f"column = {_q(self.column)}")
        lines += self.keys
        lines += self.notes
        if self.codes:
            lines += ["", f"[concepts.{self.concept}.{self.table}]", *self.codes]
        return lines


@dataclass
class _Specials:
    not_stated: dict[str, str] = field(default_factory=dict)  # code -> why
    not_applicable: dict[str, str] = field(default_factory=dict)

    def add_labels(self, labels: Mapping[str, str]) -> set[str]:
        used = set()
        for code, label in labels.items():
            special = special_code(label)
            target = self.not_applicable if special == NOT_APPLICABLE else self.not_stated
            if special:
                if special == NOT_APPLICABLE:  # the label says more than "declared missing"
                    self.not_stated.pop(code, None)
                target.setdefault(code, f"{code} {label!r}")
                used.add(code)
        return used

    def write(self, section: _Section) -> None:
        for key, codes in (
            ("not_stated", self.not_stated),
            ("not_applicable", self.not_applicable),
        ):
            if codes:
                ordered = sorted(codes, key=_code_key)
                evidence = ", ".join(codes[code] for code in ordered)
                section.keys += _comment(f"GUESS: {key} from {evidence}")
                section.keys.append(f"{key} = {_string_list(ordered)}")


def _code_key(code: str) -> tuple[int, float, str]:
    try:
        return (0, float(code), code)
    except ValueError:
        return (1, 0.0, code)


def _specials(column: str, meta: Metadata) -> _Specials:
    specials = _Specials()
    for code in meta.missing.get(column, ()):
        specials.not_stated[code] = f"{code} (declared missing in the file)"
    return specials


def _missing_ranges_note(section: _Section, meta: Metadata) -> None:
    for low, high in meta.missing_ranges.get(section.column, ()):
        section.notes += _comment(
            f"REVIEW: the file declares the codes {low:g} to {high:g} missing; "
            "list those that occur under not_stated"
        )


def _codes_seen(
    section: _Section,
    column: ColumnSummary,
    skip: Collection[str] = (),
    codes: Sequence[CodeCount] | None = None,
) -> None:
    if column.kind != "code":
        section.notes += _comment(
            f"REVIEW: {column.name} holds {column.distinct} distinct values that do not look "
            f"like codes ({column.kind}); they are not listed here"
        )
        return
    rest = [c for c in (column.codes if codes is None else codes) if c.code not in skip]
    if rest:
        section.notes += _comment(f"codes seen (records): {_code_list(rest)}")


def _folded(codes: Sequence[CodeCount]) -> tuple[CodeCount, ...]:
    """Codes merged without regard to case ("bol" and "BOL"), most frequent first."""
    counts: dict[str, int] = {}
    labels: dict[str, str | None] = {}
    for code in codes:
        key = code.code.upper()
        counts[key] = counts.get(key, 0) + code.count
        labels.setdefault(key, code.label)
    merged = [CodeCount(code, count, labels[code]) for code, count in counts.items()]
    return tuple(sorted(merged, key=lambda c: (-c.count, _code_key(c.code))))


def _mixed_case(codes: Sequence[CodeCount]) -> bool:
    texts = [c.code for c in codes if any(ch.isalpha() for ch in c.code)]
    return any(code != code.upper() for code in texts)


def _country_section(section: _Section, column: ColumnSummary, meta: Metadata) -> None:
    labels = meta.value_labels.get(column.name, {})
    specials = _specials(column.name, meta)
    special_codes = specials.add_labels(labels) | set(specials.not_stated)
    if labels:
        _country_from_labels(section, column, labels, special_codes)
    elif column.kind == "code" and _are_names(column.codes, special_codes):
        _country_from_names(section, column, specials, special_codes)
    elif column.kind == "code":
        _country_from_codes(section, column, special_codes)
    else:
        section.keys.append("codes = {}   # REVIEW: map the column's codes to ISO alpha-3 codes")
        _codes_seen(section, column)
    specials.write(section)
    _missing_ranges_note(section, meta)


def _country_from_labels(
    section: _Section, column: ColumnSummary, labels: Mapping[str, str], special: set[str]
) -> None:
    matches: dict[str, CountryMatch] = {}
    unmatched: list[str] = []
    for code in sorted(labels, key=_code_key):
        if code in special:
            continue
        match = match_country(labels[code])
        if match is None:
            unmatched.append(code)
        else:
            matches[code] = match
    seen = [c.code for c in column.codes if c.code not in special]
    system = _detect_system(sorted((set(labels) - special) | set(seen), key=_code_key))

    def in_system(code: str) -> str | None:
        return _system_codes(system, code) if system else None

    # Codes outside the system (900 'Quetzalia', 997 'Stateless') neither agree nor disagree.
    comparable = [code for code in matches if in_system(code) is not None]
    agree = [code for code in comparable if in_system(code) == matches[code].alpha3]
    if system and comparable and len(agree) >= LABELS_AGREE * len(comparable):
        # The labels confirm an ISO code system: name it, and map only the exceptions.
        section.keys.append(
            _with_comment(
                f"codes = {_q(system)}",
                f"GUESS: the labels agree: {len(agree)} of {len(comparable)} labels of "
                f"{system} codes name the country of the code",
            )
        )
        section.table = "extra_codes"
        table = {
            code: match
            for code, match in matches.items()
            if in_system(code) is None or (in_system(code) != match.alpha3 and not match.fuzzy)
        }
        overruled = [
            f"{code} {labels[code]!r} (fuzzy match {match.alpha3})"
            for code, match in matches.items()
            if match.fuzzy and in_system(code) not in (None, match.alpha3)
        ]
        if overruled:
            section.notes += _comment(f"kept the {system} meaning of: " + ", ".join(overruled))
        unmatched = [code for code in unmatched if in_system(code) is None]
    else:
        table = matches
    for code, match in table.items():
        label = labels[code]
        section.codes.append(
            _with_comment(f"{_q(code)} = {_q(match.alpha3)}", _match_note(label, match))
        )
    fuzzy = sum(match.fuzzy for match in matches.values())
    counted = len(set(labels) - special)
    section.notes += _comment(
        f"{len(matches)} of {counted} labels matched an ISO 3166 country name "
        f"({fuzzy} by fuzzy search, marked GUESS)"
    )
    if not table and section.table == "codes":
        section.keys.append("codes = {}   # REVIEW: no label matched a country: map the codes")
    if unmatched:
        section.notes += _comment(
            "not matched (counted as unknown codes until you map them): "
            + ", ".join(f"{code} {_clean(labels[code])!r}" for code in unmatched)
        )
    unlabelled = [c for c in column.codes if c.code not in labels and c.code not in special]
    if unlabelled and section.table == "codes":
        section.notes += _comment(
            "REVIEW: codes in the data without a label: " + _code_list(unlabelled)
        )
    top = next((c for c in column.codes if c.code not in special), None)
    if top is not None:
        alpha3 = table[top.code].alpha3 if top.code in table else None
        if section.table == "extra_codes" and top.code not in table:
            alpha3 = in_system(top.code)
        if alpha3 != countries.ABROAD_NOT_STATED:  # abroad says nothing of the census country
            section.note_top_code(top, alpha3, labels.get(top.code))


def _match_note(label: str, match: CountryMatch) -> str:
    """The comment of a code map line: the label, or GUESS and how a fuzzy match was found."""
    if not match.fuzzy:
        return _clean(label)
    also = f" (also found: {', '.join(match.alternatives)})" if match.alternatives else ""
    how = f" as {match.how}" if match.how else ""
    return f"GUESS: {label!r} fuzzy-matched to {_country_name(match.alpha3)}{how}{also}"


def _country_name(alpha3: str) -> str:
    known = countries.countries().get(alpha3)
    return f"{known.name} ({alpha3})" if known else alpha3


NAMES_SHARE = 0.5
"""Share of a column's distinct text codes that must look like names (four letters or more,
and not an ISO code system) for the draft to read the codes as country names."""

_NO_WORD = re.compile(r"^[\W_]*$")


def _are_names(codes: Sequence[CodeCount], special: Collection[str]) -> bool:
    """Whether the codes of an unlabelled column are names ("Mexico", "United-States")."""
    texts = [c.code for c in codes if c.code not in special]
    if not texts or _detect_system(texts) is not None:
        return False
    named = sum(sum(ch.isalpha() for ch in code) >= 4 for code in texts)
    return named >= NAMES_SHARE * len(texts)


def _country_from_names(
    section: _Section, column: ColumnSummary, specials: _Specials, special: set[str]
) -> None:
    """Codes that are country names, matched as labels; every code not matched listed."""
    matched: list[tuple[CodeCount, CountryMatch]] = []
    unmatched: list[CodeCount] = []
    for code in column.codes:
        if code.code in special:
            continue
        if _NO_WORD.match(code.code):  # "?", "-", ".": the usual marks of a missing answer
            specials.not_stated[code.code] = f"{code.code!r} (no letter or digit: a missing mark)"
            continue
        match = match_country(code.code)
        if match is None:
            unmatched.append(code)
        else:
            matched.append((code, match))
    for code, match in sorted(matched, key=lambda item: item[0].code):
        note = _match_note(code.code, match)
        if not match.fuzzy:
            note = f"{_country_name(match.alpha3)}, {code.count} records"
        section.codes.append(_with_comment(f"{_q(code.code)} = {_q(match.alpha3)}", note))
    fuzzy = sum(match.fuzzy for _, match in matched)
    section.notes += _comment(
        f"GUESS: the codes are country names: {len(matched)} of {len(matched) + len(unmatched)} "
        f"distinct codes matched an ISO 3166 country name ({fuzzy} by a variant or close "
        "spelling or fuzzy search, marked GUESS)"
    )
    if not matched:
        section.keys.append("codes = {}   # REVIEW: no code matched a country: map the codes")
    if unmatched:
        section.notes += _comment(
            "REVIEW: not matched (counted as unknown codes until you map them), with their "
            f"records: {_code_list(unmatched, limit=len(unmatched))}"
        )
    top = next((c for c in column.codes if c.code not in special), None)
    alpha3 = dict((c.code, m.alpha3) for c, m in matched).get(top.code) if top else None
    section.note_top_code(top, alpha3)


def _country_from_codes(section: _Section, column: ColumnSummary, special: set[str]) -> None:
    codes = [c for c in column.codes if c.code not in special]
    folded = _mixed_case(codes)
    if folded:
        codes = list(_folded(codes))
        section.keys.append(
            "case_insensitive = true   # GUESS: the codes appear in upper and lower case"
        )
    system = _detect_system([c.code for c in codes])
    if system:
        valid = [c for c in codes if _system_codes(system, c.code)]
        section.keys.append(
            _with_comment(
                f"codes = {_q(system)}",
                f"GUESS: {len(valid)} of {len(codes)} distinct codes are {system} codes",
            )
        )
        others = [c for c in codes if not _system_codes(system, c.code)]
        if others:
            section.notes += _comment(
                f"REVIEW: codes that are not {system} codes: {_code_list(others)}; map them "
                "in extra_codes (the census country's own code, say) or list them in not_stated"
            )
        top = codes[0] if codes else None
        section.note_top_code(top, _system_codes(system, top.code) if top else None)
        return
    # Local three-letter codes often clash with ISO (EPH's EST is Estados Unidos, not
    # Estonia), so these are offered as commented-out lines for the user to accept.
    suggestions = []
    for code in codes:
        alpha3 = _system_codes("iso3166-alpha3", code.code) if len(code.code) == 3 else None
        if alpha3 and code.code.isalpha():
            suggestions.append(
                _with_comment(f"# {_q(code.code)} = {_q(alpha3)}", _country_name(alpha3))
            )
    if suggestions:
        section.codes += _comment(
            "GUESS: these codes are also ISO alpha-3 codes; uncomment those that mean the "
            "same country here (a local code can clash with ISO)"
        )
        section.codes += suggestions
    else:
        section.keys.append("codes = {}   # REVIEW: map each code seen to an ISO alpha-3 code")
    section.notes += _comment(
        "REVIEW: the codes are not an ISO 3166 code system: map each code seen to an ISO "
        "alpha-3 code in the table; codes left out are counted as unknown codes"
    )
    _codes_seen(section, column, special, codes)


def _category_section(section: _Section, column: ColumnSummary, meta: Metadata) -> None:
    labels = meta.value_labels.get(column.name, {})
    specials = _specials(column.name, meta)
    special_codes = specials.add_labels(labels) | set(specials.not_stated)
    unmatched = []
    for code in sorted(labels, key=_code_key):
        if code in special_codes:
            continue
        target = category_code(section.concept, labels[code])
        if target is None:
            unmatched.append(f"{code} {_clean(labels[code])!r}")
        else:
            section.codes.append(
                _with_comment(f"{_q(code)} = {_q(target)}", f"GUESS: {labels[code]!r}")
            )
    if unmatched:
        valid = ", ".join(CONCEPTS[section.concept].categories_codes())
        section.notes += _comment(
            f"REVIEW: labels not matched to a category ({valid}): " + ", ".join(unmatched)
        )
    seen = {c.code for c in column.codes} - special_codes
    words = _words_as_categories(section.concept, seen) if not labels else {}
    if words:
        pairs = ", ".join(f"{_q(code)} = {_q(target)}" for code, target in words.items())
        section.keys.append(
            f"codes = {{ {pairs} }}   # GUESS: the codes are words, matched as labels"
        )
    elif not labels and section.concept == "sex" and seen and seen <= {"1", "2"}:
        section.keys.append(
            'codes = { "1" = "M", "2" = "F" }   # GUESS: 1 male, 2 female is the usual '
            "convention; check the codebook"
        )
    elif not labels and section.concept == "sex" and seen and seen <= {"M", "F"}:
        section.keys.append('codes = { "M" = "M", "F" = "F" }   # GUESS: M male, F female')
    elif not section.codes:
        section.keys.append("codes = {}   # REVIEW: map each code to a category")
        valid = ", ".join(CONCEPTS[section.concept].categories_codes())
        section.notes += _comment(f"categories: {valid}")
    if not labels:
        _codes_seen(section, column, special_codes)
    specials.write(section)
    _missing_ranges_note(section, meta)


def _words_as_categories(concept: str, seen: set[str]) -> dict[str, str]:
    """Text codes without value labels that are words ("female", "male"), matched as labels.

    Returns:
        Each code -> its category, when every code seen is a word that matches one; else
        empty (numbers and letters such as "M" are left to the rules for codes).
    """
    if not seen or any(len(code) < 2 or not code.isalpha() for code in seen):
        return {}
    found = {code: category_code(concept, code) for code in sorted(seen)}
    if any(target is None for target in found.values()):
        return {}
    return {code: target for code, target in found.items() if target is not None}


def _integer_section(
    section: _Section, column: ColumnSummary, meta: Metadata, reference_year: int
) -> None:
    labels = meta.value_labels.get(column.name, {})
    specials = _specials(column.name, meta)
    special_codes = specials.add_labels(labels) | set(specials.not_stated)
    low, high = (0, MAX_VALID_AGE) if section.concept == "age" else (EARLIEST_YEAR, reference_year)
    mapped: set[str] = set()
    other_labels = []
    bands = _age_bands(labels, special_codes) if section.concept == "age" else []
    if bands:
        shown = ", ".join(f"{code} {labels[code]!r}" for code, _, _ in bands)
        section.keys += _comment(f"GUESS: the value labels are age bands, not years: {shown}")
        section.keys.append("bands = [")
        for code, start, end in bands:
            to = "" if end is None else f", to = {end}"
            section.keys.append(
                _with_comment(
                    f"    {{ code = {_q(code)}, from = {start}{to} }},", f"GUESS: {labels[code]!r}"
                )
            )
        section.keys.append("]")
        mapped = {code for code, _, _ in bands}
        low, high = 0, -1  # every code that is no band is out of range
    for code in sorted(labels, key=_code_key):
        if code in mapped:
            continue
        if code in special_codes:
            continue
        if section.concept == "age" and _UNDER_ONE.search(normalise_text(labels[code])):
            section.codes.append(_with_comment(f"{_q(code)} = 0", f"GUESS: {labels[code]!r}"))
            mapped.add(code)
        else:
            other_labels.append(f"{code} {_clean(labels[code])!r}")
    if other_labels:
        section.notes += _comment("labelled codes: " + ", ".join(other_labels))
    if column.kind == "code":
        odd = [
            c
            for c in column.codes
            if c.code not in special_codes | mapped and not _within(c.code, low, high)
        ]
        if odd and bands:
            section.notes += _comment(
                f"REVIEW: codes in no band: {_code_list(odd)}; add them to bands or list them "
                "in not_stated / not_applicable"
            )
        elif odd:
            section.notes += _comment(
                f"REVIEW: codes outside {low}-{high}: {_code_list(odd)}; map them under codes "
                '(e.g. "-1" = 0 for under one year) or list them in not_stated / not_applicable'
            )
    specials.write(section)
    _missing_ranges_note(section, meta)


def _within(code: str, low: int, high: int) -> bool:
    try:
        return low <= float(code) <= high
    except ValueError:
        return False


def _area_section(section: _Section, column: ColumnSummary, meta: Metadata) -> None:
    specials = _specials(column.name, meta)
    specials.add_labels(meta.value_labels.get(column.name, {}))
    section.notes += _comment(
        "REVIEW: area codes must be those of the first geography level ([geography])"
    )
    specials.write(section)
    _missing_ranges_note(section, meta)


def _gate(section: _Section, frame: pl.LazyFrame, base: ColumnSummary, meta: Metadata) -> bool:
    """Read ``section.column`` through a gate on ``base``; False when no gate fits."""
    counts = (
        frame.group_by(base.name)
        .agg(pl.len().alias("records"), pl.col(section.column).is_not_null().sum().alias("n"))
        .collect()
    )
    filled: dict[str, str] = {}  # base code -> "filled of records"
    empty: dict[str, int] = {}
    for value, records, n in counts.iter_rows():
        if value is None:
            continue
        if n:
            filled[code_text(value)] = f"{n} of {records}"
        else:
            empty[code_text(value)] = records
    if not filled:
        return False
    labels = meta.value_labels.get(base.name, {})
    specials = _specials(base.name, meta)
    specials.add_labels(labels)
    gate_codes = {c: NOT_STATED for c in specials.not_stated if c in empty}
    gate_codes |= {c: NOT_APPLICABLE for c in specials.not_applicable if c in empty}
    # An answer without detail that says only abroad: abroad, country not stated.
    gate_codes |= {
        c: countries.ABROAD_NOT_STATED
        for c in empty
        if c in labels and c not in gate_codes and means_abroad(labels[c])
    }
    detail = sorted(filled, key=_code_key)
    inline = ", ".join(f"{_q(c)} = {_q(t)}" for c, t in sorted(gate_codes.items()))
    section.keys += _comment(
        f"GUESS: {section.column} is filled only where {base.name} is "
        + ", ".join(f"{c} ({filled[c]} records)" for c in detail)
        + ": those are the gate's detail codes; drop any for which "
        f"{section.column} names a region of the country rather than a country"
    )
    section.keys.append(
        f"gate = {{ column = {_q(base.name)}, codes = {{ {inline} }}, "
        f"detail = {_string_list(detail)} }}".replace("{  }", "{}")
    )
    rest = [c for c in sorted(empty, key=_code_key) if c not in gate_codes]
    if rest:
        shown = ", ".join(
            f"{_q(c)} ({empty[c]}{', ' + repr(labels[c]) if c in labels else ''})" for c in rest
        )
        inside = (
            "the census country's alpha-3 code"
            if section.concept == "country_of_birth"
            else '"_Z" (not applicable)'
        )
        section.keys += _comment(
            f"REVIEW: map the other {base.name} codes in gate.codes: {shown}; to {inside} "
            'where they mean in the country, to "_U" where they mean not stated'
        )
    return True


# --- the census and data tables ---------------------------------------------------------------

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def _reference_date(given: dt.date | None, data_path: Path) -> tuple[str, str, int | None]:
    """The reference date as TOML, its comment, and the census year when known or guessed.

    Only the caller knows the date: without it the draft writes the placeholder, which
    ``tabulate`` refuses, and keeps a year in the file name as a hint (and for the checks).
    """
    if given is not None:
        return given.isoformat(), "", given.year
    why = "REVIEW: a placeholder; write the census reference date"
    years = _YEAR.findall(data_path.stem)
    if years:
        year = int(years[0])
        return _q(PLACEHOLDER), f"{why} (the year {year} is in the file name)", year
    return _q(PLACEHOLDER), why, None


def _country_code(country: str) -> str:
    text = country.strip()
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    try:
        return str(pycountry.countries.lookup(text).alpha_3)
    except LookupError:
        raise ValueError(
            f"unknown census country {country!r}: give an ISO 3166 alpha-3 code such as 'ARG'"
        ) from None


def _census_table(
    data_path: Path,
    country: str | None,
    guessed_country: tuple[str | None, str] | None,
    reference: tuple[str, str, int | None],
) -> list[str]:
    lines = ["[census]"]
    lines.append(
        _with_comment(
            f"name = {_q(data_path.stem)}",
            "REVIEW: the census or survey's full name, for source lines",
        )
    )
    if country is not None:
        lines.append(f"country = {_q(_country_code(country))}")
    elif guessed_country is not None and (alpha3 := guessed_country[0]) is not None:
        lines += _comment(f"GUESS: {guessed_country[1]}, so it is likely the census country")
        lines.append(f"country = {_q(alpha3)}")
    else:
        lines.append(
            _with_comment(
                f"country = {_q(PLACEHOLDER)}",
                "REVIEW: a placeholder; write the census country's ISO alpha-3 code",
            )
        )
        if guessed_country is not None:
            lines += _comment(f"REVIEW: {guessed_country[1]}")
    date, why, _ = reference
    lines.append(_with_comment(f"reference_date = {date}", why))
    lines.append(
        _with_comment(
            "residence_rule_months = 12",
            "REVIEW: 12 (the UN recommendation) or 6, as the census counts usual residents",
        )
    )
    return lines


def _data_table(by_concept: Mapping[str, list[Guess]]) -> list[str]:
    lines = ["[data]"]
    ids = by_concept.get(PERSON_ID, [])
    if len(ids) > 1:
        lines += _comment("GUESS: " + "; ".join(dict.fromkeys(g.why for g in ids)))
        lines.append(f"person_id = {_string_list(g.column for g in ids)}")
    elif ids:
        lines.append(_with_comment(f"person_id = {_q(ids[0].column)}", f"GUESS: {ids[0].why}"))
    inside = household_part([g.column for g in ids]) if len(ids) > 1 else None
    if inside is not None and HOUSEHOLD_ID not in by_concept:
        lines += _comment(f"GUESS: {inside[1]}")
        lines.append(f"{HOUSEHOLD_ID} = {_string_list(inside[0])}")
    for key in (HOUSEHOLD_ID, WEIGHT):
        found = by_concept.get(key, [])
        if found:
            lines.append(_with_comment(f"{key} = {_q(found[0].column)}", f"GUESS: {found[0].why}"))
    if len(lines) == 1:
        lines += _comment(
            'REVIEW: no weight or person id found; add weight = "COLUMN" for a sample survey'
        )
    return lines


_NUMBERED = re.compile(r"^(?P<prefix>.*?[^\d])(?P<number>[1-9]\d*)$")
_REPLICATE_PREFIX = re.compile(r"(?i)rep.?w|^r.?wg?t|^rw")


def replicate_guess(weight: str, names: Sequence[str]) -> tuple[str, int] | None:
    """Replicate weight columns beside the weight: ``PWGTP1..PWGTP80`` next to ``PWGTP``.

    Columns named by one prefix and the numbers 1 to R (R at least 4, without a gap), whose
    prefix starts with the weight's name or reads as a replicate weight (``REPWTP``,
    ``RWGT``, ``REPWT_``).

    Returns:
        The range as ``[design] replicate_weights`` writes it, and R; None when none is found.
    """
    numbers: dict[str, set[int]] = {}
    for name in names:
        match = _NUMBERED.match(name)
        if match is not None and match["number"] == str(int(match["number"])):
            numbers.setdefault(match["prefix"], set()).add(int(match["number"]))
    found = [
        (len(found), prefix)
        for prefix, found in numbers.items()
        if len(found) >= 4
        and found == set(range(1, len(found) + 1))
        and (prefix.upper().startswith(weight.upper()) or _REPLICATE_PREFIX.search(prefix))
    ]
    if not found:
        return None
    count, prefix = max(found)
    return f"{prefix}1..{prefix}{count}", count


def _design_table(weight: str, names: Sequence[str]) -> list[str]:
    """``[design]``: replicate weights when the file has them, else a commented choice."""
    replicates = replicate_guess(weight, names)
    if replicates is not None:
        columns, count = replicates
        return [
            "[design]",
            *_comment(f"GUESS: {count} replicate weights ({columns}) beside the weight {weight}"),
            *_comment(
                "REVIEW: the method and its scale are in the survey's documentation: the ACS "
                "and IPUMS's ACS samples use successive difference replication (sdr, 4/R x the "
                "sum of squares); others fay (with rho), brr, jk1, jkn (with rscales) or "
                "bootstrap"
            ),
            'method = "sdr"',
            f"replicate_weights = {_q(columns)}",
        ]
    return _comment(
        "REVIEW: how are this survey's sampling errors estimated? Without [design] its "
        "weighted tables carry no standard errors (and the run says so). Uncomment one:"
    ) + [
        "# [design]",
        '# method = "taylor"        # linearisation: name the first-stage strata and PSUs',
        '# strata = "STRATUM"',
        '# psu = "PSU"',
        '# lonely_psu = "fail"      # or certainty, remove, adjust, average',
        "# -- or, when the public file carries no design variables:",
        "# [design]",
        '# method = "none"',
        '# note = "The public file has no strata, PSUs or replicate weights."',
    ]


_HEADER = """\
# Draft profile written by censusmig from {name} ({records} records, {format}).
# Review it before use. Lines marked GUESS come from column names, column labels and value
# labels, never from a codebook: check each against the questionnaire. Lines marked REVIEW are
# placeholders or lists of codes for you to map. Codes are quoted so that "08" stays "08";
# codes that no table maps are counted as unknown codes (_X) in the tables.
schema_version = {version}"""


def draft_profile(
    frame: pl.LazyFrame,
    meta: Metadata,
    data_path: Path,
    *,
    country: str | None = None,
    reference_date: dt.date | None = None,
) -> str:
    """Write a draft profile for a data file, every guess marked for review.

    Args:
        frame: The data, lazily.
        meta: What the file says about itself (labels, missing codes).
        data_path: The data file, for the census name and a year in its name.
        country: The census country (ISO alpha-3, alpha-2 or name); guessed when None (else the
            placeholder).
        reference_date: The census reference date; the placeholder when None.

    Returns:
        TOML text that :func:`censusmig.profiles.model.read_profile` accepts.

    Raises:
        ValueError: ``country`` is not a country code or name.
    """
    if country is not None:
        _country_code(country)  # fail before reading the data
    summary = summarise(frame, meta)
    names = [column.name for column in summary.columns]
    by_concept: dict[str, list[Guess]] = {}
    for guess in guess_concepts(names, meta):
        by_concept.setdefault(guess.concept, []).append(guess)
    reference = _reference_date(reference_date, data_path)
    # Years of arrival after a placeholder date are not odd; after today they are.
    latest_year = reference[2] if reference[2] is not None else dt.date.today().year

    sections: list[_Section] = []
    mentioned: set[str] = set()
    for concept, guesses in by_concept.items():
        if concept in CONCEPTS:
            section = _concept(concept, guesses, summary, frame, meta, latest_year)
            sections.append(section)
            mentioned.update(g.column for g in guesses)
        else:
            mentioned.update(g.column for g in guesses[: None if concept == PERSON_ID else 1])
    birth = next((s for s in sections if s.concept == "country_of_birth"), None)
    guessed_country = birth.census_country if birth else None

    lines = _HEADER.format(
        name=data_path.name,
        records=summary.records,
        format=meta.format,
        version=PROFILE_SCHEMA_VERSION,
    )
    out = lines.splitlines()
    out += ["", *_census_table(data_path, country, guessed_country, reference)]
    out += ["", *_data_table(by_concept)]
    weights = by_concept.get(WEIGHT, [])
    if weights:
        out += ["", *_design_table(weights[0].column, names)]
        replicates = replicate_guess(weights[0].column, names)
        if replicates is not None:
            prefix = replicates[0].split("..")[0][:-1]
            mentioned.update(f"{prefix}{number}" for number in range(1, replicates[1] + 1))
    out += ["", "[concepts]"]
    if not sections:
        out += _comment("REVIEW: no column was recognised; add the concepts by hand")
    for section in sections:
        out += ["", *section.render()]
    unused = [name for name in names if name not in mentioned]
    out += ["", *_geography(by_concept.get(GEOGRAPHY, []), summary, meta)]
    if unused:
        out += ["", *_comment(f"Columns not used above ({len(unused)}): " + ", ".join(unused))]
    return "\n".join(out) + "\n"


def _geography(guesses: Sequence[Guess], summary: Summary, meta: Metadata) -> list[str]:
    """The first ``[[geography.levels]]`` (the area recipes call ``region``), if one is guessed.

    The level's labels are the column's value labels, when it has some; other candidate
    columns are listed for the reviewer to add as finer levels.
    """
    if not guesses:
        return _comment(
            "REVIEW: add the geography levels of the file, coarsest first, e.g. [geography] "
            'levels = [{ name = "region", column = "REGION" }]'
        )
    chosen = guesses[0]
    lines = ["[[geography.levels]]", *_comment(f"GUESS: {chosen.why}")]
    lines += _comment(
        "REVIEW: the first level is the area of usual residence that recipes call region; "
        "check it is the coarsest one, and add finer levels after it"
    )
    lines += ['name = "region"', f"column = {_q(chosen.column)}"]
    for other in guesses[1:]:
        lines += _comment(f"also a candidate: {other.column} ({other.why})")
    labels = meta.value_labels.get(chosen.column, {})
    column = summary.column(chosen.column)
    if not labels and column.kind == "code":
        lines += _comment(f"codes seen (records): {_code_list(column.codes)}")
    usable = {
        code: label
        for code, label in labels.items()
        if source_code_problem(code) is None and label_problem(label) is None
    }
    if usable:
        lines += ["", "[geography.levels.labels]"]
        lines += _comment("GUESS: the file's value labels name the areas; check and shorten them")
        lines += [f"{_q(code)} = {_q(usable[code])}" for code in sorted(usable, key=_code_key)]
    unusable = sorted(set(labels) - set(usable), key=_code_key)
    if unusable:
        # A profile refuses them (an empty label, "nan", an over-long code...): left for review.
        lines += _comment(
            "REVIEW: codes whose value label cannot name an area (empty, read as missing, or "
            f"too long), left out of the labels: {', '.join(_q(c) for c in unusable[:60])}"
        )
    return lines


def _concept(
    concept: str,
    guesses: Sequence[Guess],
    summary: Summary,
    frame: pl.LazyFrame,
    meta: Metadata,
    reference_year: int,
) -> _Section:
    names = [column.name for column in summary.columns]
    chosen = guesses[0]
    kind = CONCEPTS[concept].kind
    gate_base: ColumnSummary | None = None
    if kind is ConceptKind.COUNTRY:
        for guess in guesses:
            base = detail_base(guess.column, names)
            if base is not None and summary.column(base).kind == "code":
                chosen, gate_base = guess, summary.column(base)
                break
    section = _Section(concept, chosen.column, chosen.why)
    others = [g for g in guesses if g.column not in (chosen.column, getattr(gate_base, "name", ""))]
    for other in others:
        section.notes += _comment(f"also a candidate: {other.column} ({other.why})")
    column = summary.column(chosen.column)
    if gate_base is not None and not _gate(section, frame, gate_base, meta):
        section.keys += _comment(f"REVIEW: {chosen.column} is never filled; check the column")
    if kind is ConceptKind.COUNTRY:
        _country_section(section, column, meta)
    elif kind is ConceptKind.CATEGORY:
        _category_section(section, column, meta)
    elif kind is ConceptKind.INTEGER:
        _integer_section(section, column, meta, reference_year)
    else:
        _area_section(section, column, meta)
    return section
