"""The words of ``recipes show`` in English, Spanish and French.

Workshops teach in the language of the region: the fixed sentences of an explanation and the
fixed category labels (sex, nativity, age groups, not stated, total...) are translated here;
country names come from pycountry's gettext catalogues. A recipe's own text (title,
description, notes) is shown as its author wrote it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

LANGUAGES: tuple[str, ...] = ("en", "es", "fr")
"""Languages an explanation can be written in (ISO 639-1)."""

TEXTS: dict[str, dict[str, str]] = {
    "what": {"en": "What it counts", "es": "Qué cuenta", "fr": "Ce qu'il compte"},
    "who": {"en": "Who is counted", "es": "A quién se cuenta", "fr": "Qui est compté"},
    "everyone": {"en": "everyone", "es": "todas las personas", "fr": "tout le monde"},
    "stub": {
        "en": "Down the side (rows)",
        "es": "En las filas",
        "fr": "En lignes",
    },
    "spanners": {
        "en": "Across the top (columns)",
        "es": "En las columnas",
        "fr": "En colonnes",
    },
    "total_named": {"en": 'total "{label}"', "es": 'total "{label}"', "fr": "total « {label} »"},
    "specials": {
        "en": 'Every dimension also has "{not_stated}" and "{unknown}" (a source code in no '
        "code list of the profile) where records have them, so that the table adds up to "
        "its universe.",
        "es": 'Cada dimensión tiene además "{not_stated}" y "{unknown}" (un código de la fuente '
        "que no está en ninguna lista de códigos del perfil) cuando hay registros así, para "
        "que el cuadro sume su universo.",
        "fr": "Chaque dimension a aussi « {not_stated} » et « {unknown} » (un code de la source "
        "absent de toute liste de codes du profil) quand des enregistrements en ont, pour que "
        "le tableau totalise son univers.",
    },
    "standards": {"en": "Standards", "es": "Normas", "fr": "Normes"},
    "why": {"en": "Why it matters", "es": "Por qué importa", "fr": "Pourquoi c'est important"},
    "needs": {
        "en": "What the profile must map",
        "es": "Qué debe asignar el perfil",
        "fr": "Ce que le profil doit décrire",
    },
    "example": {
        "en": "Example layout (n: a count; no numbers are shown)",
        "es": "Ejemplo de presentación (n: un recuento; no se muestran cifras)",
        "fr": "Exemple de présentation (n : un effectif ; aucun chiffre n'est montré)",
    },
    "file": {"en": "File", "es": "Archivo", "fr": "Fichier"},
    "copy": {
        "en": "Copy it as a starting point",
        "es": "Cópielo como punto de partida",
        "fr": "Copiez-le comme point de départ",
    },
    "notes": {"en": "Notes", "es": "Notas", "fr": "Notes"},
    "top": {
        "en": 'only the {top} largest are listed, the rest as "{other}"',
        "es": 'solo se muestran los {top} mayores, el resto como "{other}"',
        "fr": "seuls les {top} plus grands sont listés, les autres en « {other} »",
    },
    "percent": {
        "en": "Also as percentages of the total over {names}.",
        "es": "También en porcentajes del total sobre {names}.",
        "fr": "Aussi en pourcentages du total sur {names}.",
    },
    "countries": {
        "en": "countries (ISO 3166 alpha-3 codes) grouped under their UN M49 region ({regions}); "
        "each region's subtotal first, its countries under it, {order}",
        "es": "países (códigos ISO 3166 alfa-3) agrupados bajo su región M49 de las Naciones "
        "Unidas ({regions}); primero el subtotal de cada región y debajo sus países, {order}",
        "fr": "pays (codes ISO 3166 alpha-3) regroupés sous leur région M49 des Nations Unies "
        "({regions}) ; d'abord le sous-total de chaque région, puis ses pays, {order}",
    },
    "order_size": {
        "en": "largest first",
        "es": "de mayor a menor",
        "fr": "du plus grand au plus petit",
    },
    "order_alphabetical": {
        "en": "in alphabetical order",
        "es": "en orden alfabético",
        "fr": "par ordre alphabétique",
    },
    "areas": {
        "en": "the areas of the profile's first geography level ([geography] levels[0]), "
        "with the labels the profile gives them",
        "es": "las áreas del primer nivel geográfico del perfil ([geography] levels[0]), "
        "con las etiquetas que les da el perfil",
        "fr": "les zones du premier niveau géographique du profil ([geography] levels[0]), "
        "avec les libellés que leur donne le profil",
    },
    "nested_areas": {
        "en": "the areas of the profile's second geography level ([geography] levels[1]), "
        "each under the area of the first level that holds it",
        "es": "las áreas del segundo nivel geográfico del perfil ([geography] levels[1]), "
        "cada una bajo el área del primer nivel que la contiene",
        "fr": "les zones du second niveau géographique du profil ([geography] levels[1]), "
        "chacune sous la zone du premier niveau qui la contient",
    },
    "abroad_by_region": {
        "en": "abroad split by the UN M49 region of the country ({regions})",
        "es": "el extranjero desglosado por región M49 del país ({regions})",
        "fr": "l'étranger ventilé par région M49 du pays ({regions})",
    },
    "periods": {
        "en": "calendar periods of arrival: before {first}, ten- and five-year periods, "
        "the years up to the census year, and the census year itself",
        "es": "períodos de llegada: antes de {first}, períodos de diez y cinco años, los años "
        "hasta el año censal y el propio año censal",
        "fr": "périodes d'arrivée : avant {first}, périodes de dix et cinq ans, les années "
        "jusqu'à l'année du recensement et l'année du recensement elle-même",
    },
    "region_example": {"en": "a region", "es": "una región", "fr": "une région"},
    "district_example": {"en": "a district", "es": "un distrito", "fr": "un district"},
    "country_example": {
        "en": "a country of {region}",
        "es": "un país de {region}",
        "fr": "un pays d'{region}",
    },
    "geography": {
        "en": "the region of usual residence: the profile's first geography level",
        "es": "la región de residencia habitual: el primer nivel geográfico del perfil",
        "fr": "la région de résidence habituelle : le premier niveau géographique du profil",
    },
    "district": {
        "en": "the district of usual residence: the profile's second geography level",
        "es": "el distrito de residencia habitual: el segundo nivel geográfico del perfil",
        "fr": "le district de résidence habituelle : le second niveau géographique du profil",
    },
    "=": {"en": "is", "es": "es", "fr": "est"},
    "!=": {"en": "is not", "es": "no es", "fr": "n'est pas"},
    "in": {"en": "is one of", "es": "es uno de", "fr": "est l'un de"},
    ">=": {"en": "is at least", "es": "es al menos", "fr": "est au moins"},
    "<=": {"en": "is at most", "es": "es como máximo", "fr": "est au plus"},
    ">": {"en": "is more than", "es": "es mayor que", "fr": "est supérieur à"},
    "<": {"en": "is less than", "es": "es menor que", "fr": "est inférieur à"},
    "or": {"en": "or", "es": "o", "fr": "ou"},
}
"""Sentence key -> language -> text (``str.format`` fields in braces)."""

WHY: dict[str, dict[str, str]] = {
    "DYB": {
        "en": "Countries report this table to the United Nations Demographic Yearbook, which "
        "publishes it side by side with other countries' tables.",
        "es": "Los países envían este cuadro al Anuario Demográfico de las Naciones Unidas, "
        "que lo publica junto a los de otros países.",
        "fr": "Les pays transmettent ce tableau à l'Annuaire démographique des Nations Unies, "
        "qui le publie à côté de ceux des autres pays.",
    },
    "P&R Rev.3": {
        "en": "It tabulates a topic the UN Principles and Recommendations ask every census "
        "to cover.",
        "es": "Tabula un tema que los Principios y Recomendaciones de las Naciones Unidas "
        "piden a todo censo.",
        "fr": "Il tabule un thème que les Principes et recommandations des Nations Unies "
        "demandent à tout recensement.",
    },
    "GCM": {
        "en": "The Global Compact for Migration asks countries for these data to base "
        "migration policy on evidence.",
        "es": "El Pacto Mundial para la Migración pide estos datos para basar la política "
        "migratoria en evidencia.",
        "fr": "Le Pacte mondial sur les migrations demande ces données pour fonder la "
        "politique migratoire sur des faits.",
    },
    "EGM": {
        "en": "The UN expert groups recommend it to show how migrants and their children fare "
        "compared with the rest of the population.",
        "es": "Los grupos de expertos de las Naciones Unidas lo recomiendan para comparar a "
        "los migrantes y sus hijos con el resto de la población.",
        "fr": "Les groupes d'experts des Nations Unies le recommandent pour comparer les "
        "migrants et leurs enfants au reste de la population.",
    },
    "SDG": {
        "en": "The Sustainable Development Goals ask for data disaggregated by migratory "
        "status (target 17.18).",
        "es": "Los Objetivos de Desarrollo Sostenible piden datos desglosados por estatus "
        "migratorio (meta 17.18).",
        "fr": "Les objectifs de développement durable demandent des données ventilées par "
        "statut migratoire (cible 17.18).",
    },
    "EU-2021": {
        "en": "The European Union census programme asks member states for this table.",
        "es": "El programa censal de la Unión Europea pide este cuadro a los Estados miembros.",
        "fr": "Le programme de recensement de l'Union européenne demande ce tableau aux États "
        "membres.",
    },
    "Handbook": {
        "en": "The UN Handbook on measuring international migration through censuses "
        "recommends it.",
        "es": "El Manual de las Naciones Unidas para medir la migración internacional con "
        "censos lo recomienda.",
        "fr": "Le Manuel des Nations Unies sur la mesure des migrations internationales par "
        "les recensements le recommande.",
    },
}
"""Short name of a standard (:data:`censusmig.recipes.standards.GLOSSARY`) -> why a table
citing it matters, by language."""

LABELS: dict[str, tuple[str, str]] = {
    "Total": ("Total", "Total"),
    "Not stated": ("No declarado", "Non déclaré"),
    "Not applicable": ("No aplicable", "Sans objet"),
    "Unknown code": ("Código desconocido", "Code inconnu"),
    "Other": ("Otros", "Autres"),
    "Both sexes": ("Ambos sexos", "Les deux sexes"),
    "Male": ("Hombres", "Hommes"),
    "Female": ("Mujeres", "Femmes"),
    "Total, all ages": ("Total, todas las edades", "Total, tous âges"),
    "Total, all levels": ("Total, todos los niveles", "Total, tous niveaux"),
    "Native-born": ("Nacidos en el país", "Nés dans le pays"),
    "Foreign-born": ("Nacidos en el extranjero", "Nés à l'étranger"),
    "Citizen by birth": ("Ciudadano por nacimiento", "Citoyen de naissance"),
    "Citizen by naturalisation": ("Ciudadano por naturalización", "Citoyen par naturalisation"),
    "Citizen, acquisition not stated": (
        "Ciudadano, adquisición no declarada",
        "Citoyen, acquisition non déclarée",
    ),
    "Foreign citizen": ("Ciudadano extranjero", "Citoyen étranger"),
    "Stateless": ("Apátrida", "Apatride"),
    "Same dwelling": ("Misma vivienda", "Même logement"),
    "Elsewhere in the same area": ("En otro lugar de la misma área", "Ailleurs dans la même zone"),
    "Another area of the country": ("Otra área del país", "Une autre zone du pays"),
    "Abroad": ("En el extranjero", "À l'étranger"),
    "Another dwelling in the same minor civil division": (
        "Otra vivienda de la misma división civil menor",
        "Un autre logement de la même division civile mineure",
    ),
    "Another minor civil division of the same major civil division": (
        "Otra división civil menor de la misma división civil mayor",
        "Une autre division civile mineure de la même division civile majeure",
    ),
    "Another major civil division": (
        "Otra división civil mayor",
        "Une autre division civile majeure",
    ),
    "Employment": ("Empleo", "Emploi"),
    "Family (joining, accompanying, marriage)": (
        "Familia (reunificación, acompañamiento, matrimonio)",
        "Famille (regroupement, accompagnement, mariage)",
    ),
    "Education": ("Educación", "Études"),
    "Humanitarian (asylum, refuge, conflict, persecution)": (
        "Humanitaria (asilo, refugio, conflicto, persecución)",
        "Humanitaire (asile, refuge, conflit, persécution)",
    ),
    "Environment or disaster": ("Medio ambiente o desastre", "Environnement ou catastrophe"),
    "Less than primary": ("Menos que primaria", "Moins que le primaire"),
    "Primary": ("Primaria", "Primaire"),
    "Lower secondary": ("Secundaria baja", "Premier cycle du secondaire"),
    "Upper secondary": ("Secundaria alta", "Second cycle du secondaire"),
    "Post-secondary non-tertiary": (
        "Postsecundaria no terciaria",
        "Post-secondaire non supérieur",
    ),
    "Tertiary": ("Terciaria", "Supérieur"),
    "With disability": ("Con discapacidad", "Avec handicap"),
    "Without disability": ("Sin discapacidad", "Sans handicap"),
    "Native-born citizen": ("Ciudadano nacido en el país", "Citoyen né dans le pays"),
    "Native-born non-citizen": ("No ciudadano nacido en el país", "Non-citoyen né dans le pays"),
    "Foreign-born citizen": ("Ciudadano nacido en el extranjero", "Citoyen né à l'étranger"),
    "Foreign-born non-citizen": (
        "No ciudadano nacido en el extranjero",
        "Non-citoyen né à l'étranger",
    ),
    "First generation (foreign-born)": (
        "Primera generación (nacidos en el extranjero)",
        "Première génération (nés à l'étranger)",
    ),
    "Second generation, both parents foreign-born": (
        "Segunda generación, ambos padres nacidos en el extranjero",
        "Deuxième génération, deux parents nés à l'étranger",
    ),
    "Second generation, one parent foreign-born": (
        "Segunda generación, un progenitor nacido en el extranjero",
        "Deuxième génération, un parent né à l'étranger",
    ),
    "Third generation or higher (both parents native-born)": (
        "Tercera generación o más (ambos padres nacidos en el país)",
        "Troisième génération ou plus (deux parents nés dans le pays)",
    ),
    "Recent international migrant": (
        "Migrante internacional reciente",
        "Migrant international récent",
    ),
    "Not a recent international migrant": (
        "No migrante internacional reciente",
        "Pas un migrant international récent",
    ),
    "Less than 1 year": ("Menos de 1 año", "Moins d'un an"),
    "Africa": ("África", "Afrique"),
    "Americas": ("Américas", "Amériques"),
    "Asia": ("Asia", "Asie"),
    "Europe": ("Europa", "Europe"),
    "Oceania": ("Oceanía", "Océanie"),
    # Dimension titles.
    "Sex": ("Sexo", "Sexe"),
    "Age (years)": ("Edad (años)", "Âge (années)"),
    "Nativity": ("Lugar de nacimiento", "Lieu de naissance"),
    "Country of birth": ("País de nacimiento", "Pays de naissance"),
    "Country of citizenship": ("País de ciudadanía", "Pays de citoyenneté"),
    "Citizenship": ("Ciudadanía", "Citoyenneté"),
    "Migratory status": ("Estatus migratorio", "Statut migratoire"),
    "Period of arrival": ("Período de llegada", "Période d'arrivée"),
    "Place of residence 1 year ago": ("Lugar de residencia hace 1 año", "Résidence il y a 1 an"),
    "Place of residence 5 years ago": (
        "Lugar de residencia hace 5 años",
        "Résidence il y a 5 ans",
    ),
    "Reason for migration": ("Motivo de la migración", "Motif de la migration"),
    "Educational attainment": ("Nivel educativo alcanzado", "Niveau d'instruction"),
    "Disability": ("Discapacidad", "Handicap"),
    "Generation": ("Generación", "Génération"),
    "Region of residence": ("Región de residencia", "Région de résidence"),
    "District of residence": ("Distrito de residencia", "District de résidence"),
    "Region of birth": ("Región de nacimiento", "Région de naissance"),
    "Region of residence 5 years ago": (
        "Región de residencia hace 5 años",
        "Région de résidence il y a 5 ans",
    ),
}
"""English label -> (Spanish, French), for every fixed label a dimension can show."""

_YEARS = re.compile(r"^(\d+)-(\d+) years$")
_YEARS_OR_MORE = re.compile(r"^(\d+) years or more$")
_BEFORE = re.compile(r"^Before (\d+)$")
_CENSUS_YEAR = re.compile(r"^(\d+) \(census year\)$")
_PATTERNS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (_YEARS, "{0}-{1} años", "{0}-{1} ans"),
    (_YEARS_OR_MORE, "{0} años o más", "{0} ans ou plus"),
    (_BEFORE, "Antes de {0}", "Avant {0}"),
    (_CENSUS_YEAR, "{0} (año censal)", "{0} (année du recensement)"),
)
"""Labels built from numbers (periods of arrival): pattern -> Spanish, French."""


@dataclass(frozen=True)
class Words:
    """The words of one language.

    Attributes:
        language: One of :data:`LANGUAGES`.
    """

    language: str

    def text(self, key: str, **fields: object) -> str:
        """A fixed sentence of :data:`TEXTS`, its fields filled in."""
        return TEXTS[key][self.language].format(**fields)

    def why(self, short_name: str) -> str | None:
        """Why a table citing a standard matters, or None when the standard has no sentence."""
        sentences = WHY.get(short_name)
        return sentences[self.language] if sentences else None

    def label(self, english: str) -> str:
        """A fixed category label or dimension title in this language (as is when unknown).

        Labels made of numbers only (age groups such as ``15-24``) need no translation.
        """
        if self.language == "en":
            return english
        index = LANGUAGES.index(self.language) - 1
        if english in LABELS:
            return LABELS[english][index]
        for pattern, *forms in _PATTERNS:
            found = pattern.match(english)
            if found:
                return forms[index].format(*found.groups())
        return english

    def country(self, english_name: str) -> str:
        """A country's English name (pycountry's) in this language, when pycountry has it."""
        if self.language == "en":
            return english_name
        return _country_catalogue(self.language)(english_name)


def translatable(english: str) -> bool:
    """Whether :meth:`Words.label` translates a label (or it needs no translation)."""
    if english in LABELS or re.fullmatch(r"[0-9+\- ]+", english):
        return True
    return any(pattern.match(english) for pattern, *_ in _PATTERNS)


@functools.cache
def _country_catalogue(language: str) -> Callable[[str], str]:
    """The gettext function of pycountry's ISO 3166-1 names in ``language`` (identity if none)."""
    import gettext

    import pycountry

    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    return translation.gettext
