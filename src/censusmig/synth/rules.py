"""The population rules of the synthetic census of Quetzalia (a fictional country).

This module is meant to be read from top to bottom, as a teaching device. Every number that
shapes the sample census lives here, next to a sentence saying what it stands for; the
generator (``censusmig.synth._engine``) only wires these rules together. Change a rule here and
the tables change with it.

The story the numbers tell: Quetzalia is a middle-income Central American country of the
census year 2025 (reference date 15 March 2025). About one resident in eight was born abroad,
most of them in four neighbouring countries (Guatemala, Honduras, El Salvador, Nicaragua),
followed by a long tail of distant countries. Older immigrants include refugees of the
Central American civil wars of the 1980s and a few people born in states that no longer exist
(USSR, Yugoslavia, Czechoslovakia, the German Democratic Republic); recent ones include
Venezuelans, Haitians and Syrians. Some Quetzalians came back from the United States, Mexico or
Spain, a few with children born there. People move towards the capital region.

Conventions: every ``draw_*`` function takes a ``numpy.random.Generator`` first and works on
whole arrays (one element per person or per household), never on one person at a time.
Country codes are ISO 3166-1 numeric, or ISO 3166-3 numeric for historic states.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------------------------
# 1. The census and its codes
# --------------------------------------------------------------------------------------------

REFERENCE_DATE: Final = datetime.date(2025, 3, 15)
"""Census reference date: ages, residence 1 and 5 years ago are measured from this day."""

CENSUS_YEAR: Final = REFERENCE_DATE.year

REFERENCE_TIME: Final = CENSUS_YEAR + (REFERENCE_DATE.timetuple().tm_yday - 1) / 365.0
"""The reference date as a fractional year (2025.2): arrivals and births are compared to it."""

SHARE_OF_YEAR_BEFORE_REFERENCE: Final = REFERENCE_TIME - CENSUS_YEAR
"""Share of a calendar year that lies before the reference date (1 Jan - 14 Mar = 0.2)."""

QUETZALIA: Final = 900
"""ISO 3166-1 user-assigned numeric code of Quetzalia (alpha-2 ``QU``, alpha-3 ``QUE``).

ISO 3166-1 reserves numeric codes 900-999 (and alpha codes such as QM-QZ) for user assignment,
so a fictional country can never collide with a real one.
"""

MAX_AGE: Final = 105
"""Oldest age in the file, in completed years."""

MALE: Final = 1
FEMALE: Final = 2

HEAD: Final = 1
SPOUSE: Final = 2
CHILD: Final = 3
PARENT: Final = 4
OTHER_RELATIVE: Final = 5
NON_RELATIVE: Final = 6

SAME_DWELLING: Final = 1
SAME_DISTRICT: Final = 2
SAME_REGION: Final = 3
OTHER_REGION: Final = 4
ABROAD: Final = 5

BY_BIRTH: Final = 1
BY_NATURALISATION: Final = 2

EMPLOYMENT: Final = 1
FAMILY: Final = 2
EDUCATION: Final = 3
HUMANITARIAN: Final = 4
ENVIRONMENT: Final = 5
OTHER_REASON: Final = 6
REASON_CODES: Final = (EMPLOYMENT, FAMILY, EDUCATION, HUMANITARIAN, ENVIRONMENT, OTHER_REASON)

STATELESS: Final = 997
NOT_STATED_COUNTRY: Final = 998
NOT_APPLICABLE_COUNTRY: Final = 888
NOT_APPLICABLE: Final = 8
NOT_STATED: Final = 9
NOT_APPLICABLE_REGION: Final = 88
NOT_STATED_REGION: Final = 99
NOT_APPLICABLE_YEAR: Final = 9998
NOT_STATED_YEAR: Final = 9999
NOT_STATED_AGE: Final = 999
NOT_APPLICABLE_EDUCATION: Final = 88
NOT_STATED_EDUCATION: Final = 99

COLUMNS: Final = (
    "PERSON_ID",
    "HH_ID",
    "RELATIONSHIP",
    "REGION",
    "DISTRICT",
    "SEX",
    "AGE",
    "YOB",
    "POB",
    "REGION_BIRTH",
    "CIT",
    "CIT_ACQ",
    "YOA",
    "RES1",
    "REG1",
    "CNT1",
    "RES5",
    "REG5",
    "CNT5",
    "REASON",
    "MOTHER_POB",
    "FATHER_POB",
    "EDUC",
    "DISABILITY",
)
"""Column order of the file (sample_microdata/COLUMNS.spec.md)."""

# --------------------------------------------------------------------------------------------
# 2. Geography
# --------------------------------------------------------------------------------------------

CAPITAL_REGION: Final = 1

REGION_NAMES: Final[dict[int, str]] = {
    1: "Quetzal Capital",
    2: "Altiplano",
    3: "Costa Pacifica",
    4: "Valle Central",
    5: "Oriente",
    6: "Selva Norte",
}
"""Regions (first-level administrative divisions) of Quetzalia."""

REGION_DISTRICTS: Final[dict[int, int]] = {1: 6, 2: 5, 3: 4, 4: 4, 5: 3, 6: 3}
"""Number of districts per region; district codes are REGION * 100 + 1..k."""

REGION_SHARE_NATIVE_HOUSEHOLDS: Final = (0.28, 0.21, 0.17, 0.16, 0.11, 0.07)
"""Where households headed by a native-born person live (regions 1..6)."""

REGION_SHARE_FOREIGN_HOUSEHOLDS: Final = (0.42, 0.20, 0.10, 0.09, 0.15, 0.04)
"""Where households headed by a foreign-born person live: the capital and the border regions
(Altiplano borders Guatemala and Mexico, Oriente borders Honduras and El Salvador)."""

DISTRICT_SIZE_SKEW: Final = 1.6
"""Lower-numbered districts are bigger: district index = floor(k * U ** skew)."""

# --------------------------------------------------------------------------------------------
# 3. Households and their members
# --------------------------------------------------------------------------------------------

ONE_PERSON: Final = 1
COUPLE_FAMILY: Final = 2
LONE_PARENT_FAMILY: Final = 3

HOUSEHOLD_KIND_SHARES: Final[dict[int, float]] = {
    ONE_PERSON: 0.16,
    COUPLE_FAMILY: 0.66,
    LONE_PARENT_FAMILY: 0.18,
}
"""Kinds of household. A couple family may have no child at home (the children left), a lone
parent whose children all left lives alone."""

AGE_GROUP_LOWER: Final = (16, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100)
"""Lower bounds of the age groups used to draw the age of household heads (16-19, ..., 100-105)."""

HEAD_AGE_GROUP_WEIGHTS: Final[dict[int, tuple[float, ...]]] = {
    # age group:  16-   20-   25-   30-   35-   40-   45-   50-   55-
    #             60-   65-   70-   75-   80-   85-   90-   95-   100-105
    ONE_PERSON: (
                  0.5,  4.0,  7.0,  7.0,  6.0,  5.5,  5.5,  6.0,  6.5,
                  7.0,  7.5,  8.0,  8.0,  7.0,  5.5,  3.0,  1.2,  0.3),
    COUPLE_FAMILY: (
                  0.6,  6.0, 11.0, 12.0, 12.0, 11.5, 10.5,  9.5,  8.0,
                  6.5,  4.8,  3.4,  2.0,  1.0,  0.4,  0.1,  0.02, 0.003),
    LONE_PARENT_FAMILY: (
                  0.4,  5.0, 10.0, 11.5, 12.0, 11.5, 10.5,  9.5,  8.5,
                  7.0,  5.5,  4.0,  2.5,  1.2,  0.5,  0.15, 0.03, 0.005),
}  # fmt: skip
"""Age distribution of household heads by kind of household (weights of the groups above):
people living alone are older (many widows), couples with children younger."""

MALE_HEAD_SHARE_COUPLE: Final = 0.76
"""Share of couple households that name the man as head."""

FEMALE_HEAD_SHARE_LONE_PARENT: Final = 0.80
"""Lone parents are mostly mothers."""

SAME_SEX_COUPLE_SHARE: Final = 0.01

SPOUSE_AGE_GAP: Final = (2.5, 4.0)
"""Mean and standard deviation of (husband's age - wife's age), in years."""

MIN_ADULT_AGE: Final = 15
"""Youngest age of a head, spouse or independent migrant."""

SEX_RATIO_AT_BIRTH: Final = 1.05
"""Boys per girl at birth (the biological norm, about 105 boys for 100 girls)."""

MOTHER_AGE_AT_BIRTH: Final = (27.0, 6.0, 15, 45)
"""Mean, standard deviation, minimum and maximum of the mother's age at a birth."""

MAX_CHILDREN: Final = 8
"""Most children a mother can have (slots drawn per family)."""

LEAVING_HOME: Final = (17.0, 8.0)
"""Children leave the parental home at 17 + an exponential delay with this mean (years): most
20-year-olds still live with their parents, few 35-year-olds do."""

PARENT_OF_HEAD_SHARE: Final = (0.11, 25, 60)
"""Share of family households that include a parent of the head, for heads aged 25-60
(a third of that share outside this age range)."""

BOTH_PARENTS_OF_HEAD_SHARE: Final = 0.3
"""Among households with a parent of the head, share that have both parents."""

MOTHER_SHARE_AMONG_LONE_PARENTS_OF_HEAD: Final = 0.75
"""Widowed mothers outlive fathers: a single parent living with the head is mostly a mother."""

OTHER_RELATIVES_COUNT_SHARES: Final = (0.84, 0.09, 0.045, 0.025)
"""Probability that a family household has 0, 1, 2 or 3 other relatives (grandchildren,
siblings, nephews, in-laws)."""

NON_RELATIVES_COUNT_SHARES: Final = (0.955, 0.035, 0.01)
"""Probability that a family household has 0, 1 or 2 non-relatives (lodgers, domestic workers)."""

NON_RELATIVE_FOREIGN_BORN_SHARE: Final = 0.35
"""Non-relatives are often immigrant domestic workers."""

NON_RELATIVE_AGE: Final = (18.0, 12.0, 16, 80)
"""Age of non-relatives: 18 + an exponential with mean 12 years, kept within 16-80."""

NON_RELATIVE_FEMALE_SHARE: Final = 0.5

PARENT_OF_HEAD_AGE_GAP: Final = ((27.0, 30.0), 6.0, (16, 50))
"""Age of a parent living with the head: the head's age + a normal gap (mean 27 years for
mothers, 30 for fathers; standard deviation 6), the gap kept within 16-50."""

GRANDCHILD, SIBLING, OTHER_KIN = 0, 1, 2
OTHER_RELATIVE_KINDS: Final = ((0.55, 0.25, 0.20), (0.0, 0.5, 0.5))
"""Grandchild, sibling or other kin (nephew, cousin, in-law): shares for heads aged 40+
(first) and younger heads (second). Grandchildren are 0 to 19, siblings about the head's age,
other kin any age up to 60."""


def survival_probability(age: IntArray, sex: IntArray) -> FloatArray:
    """Probability that a parent of the head of this age and sex is still alive.

    A coarse life table, used to thin out old parents of heads (women live longer, so the
    oldest ages have more women than men).

    Args:
        age: Age of the parent, in completed years.
        sex: 1 male, 2 female.

    Returns:
        Probability of being alive, between 0 and 1.
    """
    women = np.interp(age, [55, 70, 80, 90, 100, 106], [1.0, 0.9, 0.7, 0.35, 0.06, 0.0])
    men = np.interp(age, [55, 70, 80, 90, 100, 106], [1.0, 0.82, 0.55, 0.2, 0.02, 0.0])
    return np.where(sex == FEMALE, women, men)


def births_per_woman(mother_yob: IntArray) -> FloatArray:
    """Completed fertility of a mother's birth cohort (the fertility transition).

    Args:
        mother_yob: Year of birth of the mother.

    Returns:
        Mean number of live births per woman of that cohort.
    """
    return np.interp(mother_yob, [1930, 1960, 1975, 1990, 2005], [6.0, 4.4, 3.1, 2.4, 2.1])


def head_is_female_probability(kind: IntArray, age: IntArray) -> FloatArray:
    """Probability that the head of a household is a woman.

    Args:
        kind: Kind of household (ONE_PERSON, COUPLE_FAMILY, LONE_PARENT_FAMILY).
        age: Age of the head.

    Returns:
        Probability, one per household.
    """
    alone = np.interp(age, [20, 50, 70, 85], [0.28, 0.36, 0.60, 0.72])
    return np.select(
        [kind == ONE_PERSON, kind == COUPLE_FAMILY],
        [alone, np.full(age.shape, 1 - MALE_HEAD_SHARE_COUPLE)],
        default=FEMALE_HEAD_SHARE_LONE_PARENT,
    )


# --------------------------------------------------------------------------------------------
# 4. Who is foreign-born, and from where
# --------------------------------------------------------------------------------------------


def foreign_born_head_probability(age: IntArray) -> FloatArray:
    """Probability that a household head of this age was born abroad.

    Immigrants are concentrated at working ages. With the spouses, children and relatives who
    came with them, this gives about 12% foreign-born in the population.

    Args:
        age: Age of the head.

    Returns:
        Probability, one per household.
    """
    return np.interp(age, [16, 25, 35, 50, 65, 80], [0.09, 0.15, 0.16, 0.14, 0.11, 0.09])


@dataclass(frozen=True)
class ArrivalProfile:
    """How arrivals from a group of countries spread over calendar years.

    The weight of year y is ``exp(growth * (y - 2025))`` (a flow growing steadily over time)
    plus one Gaussian bump per wave, and zero outside ``first``..``last``.
    """

    first: int
    """First year with arrivals."""
    last: int
    """Last year with arrivals."""
    growth: float
    """Yearly growth rate of the steady flow (0 for none, negative for a shrinking flow)."""
    steady: float
    """Weight of the steady flow relative to the waves."""
    waves: tuple[tuple[int, float, float], ...] = ()
    """Waves as (peak year, width in years, height)."""


ARRIVAL_PROFILES: Final[dict[str, ArrivalProfile]] = {
    # Neighbours: a growing labour flow, with the refugees of the civil wars of the 1980s.
    "neighbour": ArrivalProfile(1950, 2025, 0.015, 1.0, ((1984, 4.0, 0.4), (2019, 3.0, 0.15))),
    # Venezuela: the exodus after 2015.
    "venezuela": ArrivalProfile(1970, 2025, 0.02, 0.05, ((2018, 2.5, 1.0),)),
    # Haiti: after the 2010 earthquake and the crisis of 2021.
    "haiti": ArrivalProfile(1970, 2025, 0.03, 0.15, ((2011, 1.5, 0.8), (2022, 1.5, 1.0))),
    # Syria: the war from 2011.
    "syria": ArrivalProfile(1960, 2025, 0.0, 0.03, ((2015, 2.5, 1.0),)),
    # Distant countries: a slow, old, steady flow.
    "distant": ArrivalProfile(1945, 2025, 0.015, 1.0),
    # Newer origins (South Asia, Africa, Ukraine): mostly since 2000.
    "recent": ArrivalProfile(1975, 2025, 0.09, 1.0, ((2022, 1.5, 0.3),)),
    # People born in a state that no longer exists came before it dissolved (before 1992).
    "historic": ArrivalProfile(1945, 1991, 0.0, 1.0, ((1975, 8.0, 0.8),)),
    # Quetzalians coming back from abroad: increasingly since 2000 (deportations included).
    "return": ArrivalProfile(1960, 2025, 0.07, 1.0, ((2009, 2.0, 0.3),)),
}
"""Arrival profiles, by name."""

REASON_MIXES: Final[dict[str, tuple[float, float, float, float, float, float]]] = {
    #                 employment family education humanitarian environment other
    "labour": (0.55, 0.29, 0.04, 0.04, 0.04, 0.04),
    "professional": (0.44, 0.33, 0.10, 0.01, 0.00, 0.12),
    "study_work": (0.46, 0.24, 0.20, 0.03, 0.00, 0.07),
    "refuge": (0.12, 0.18, 0.02, 0.62, 0.03, 0.03),
    "venezuela": (0.36, 0.22, 0.03, 0.34, 0.00, 0.05),
    "war_1980s": (0.22, 0.20, 0.02, 0.50, 0.02, 0.04),
    "disaster": (0.20, 0.20, 0.01, 0.10, 0.45, 0.04),
    "return": (0.30, 0.40, 0.05, 0.02, 0.03, 0.20),
}
"""Main reason for migrating (codes 1-6, in that order) of people who moved on their own
account; spouses and children who came with them mostly say "family"."""

CONFLICT_WAVES: Final[dict[int, tuple[int, int]]] = {222: (1979, 1992), 320: (1979, 1996),
                                                     558: (1979, 1990)}  # fmt: skip
"""Civil wars: arrivals from El Salvador, Guatemala and Nicaragua in these years use the
"war_1980s" reason mix."""

DISASTER_WAVES: Final[dict[int, tuple[int, int]]] = {340: (1998, 1999), 558: (1998, 1999),
                                                     332: (2010, 2010)}  # fmt: skip
"""Hurricane Mitch (Honduras, Nicaragua) and the Haiti earthquake: the "disaster" reason mix."""


@dataclass(frozen=True)
class BirthCountry:
    """A country of birth of the foreign-born population of Quetzalia."""

    code: int
    """ISO 3166-1 numeric (ISO 3166-3 numeric for a historic state)."""
    alpha3: str
    """ISO alpha-3 code, for reading the table."""
    name: str
    """English short name."""
    weight: float
    """Share of the foreign-born population, in percent (the weights need not add to 100)."""
    arrival: str
    """Name of its arrival profile."""
    reasons: str
    """Name of its reason mix."""
    education: str
    """Education profile of its emigrants: "low", "mid" or "high"."""
    stateless: float = 0.002
    """Share of its non-naturalised emigrants who are stateless."""


BIRTH_COUNTRIES: Final[tuple[BirthCountry, ...]] = (
    # The four neighbours: 70% of the foreign-born.
    BirthCountry(320, "GTM", "Guatemala", 24.0, "neighbour", "labour", "low"),
    BirthCountry(340, "HND", "Honduras", 18.0, "neighbour", "labour", "low"),
    BirthCountry(222, "SLV", "El Salvador", 15.0, "neighbour", "labour", "low"),
    BirthCountry(558, "NIC", "Nicaragua", 13.0, "neighbour", "labour", "low"),
    # The rest of Central America and Mexico.
    BirthCountry(484, "MEX", "Mexico", 5.0, "neighbour", "labour", "mid"),
    BirthCountry(188, "CRI", "Costa Rica", 1.2, "neighbour", "labour", "mid"),
    BirthCountry(84, "BLZ", "Belize", 0.8, "neighbour", "labour", "mid"),
    BirthCountry(591, "PAN", "Panama", 0.6, "neighbour", "labour", "mid"),
    # The Caribbean and South America.
    BirthCountry(862, "VEN", "Venezuela", 4.0, "venezuela", "venezuela", "high", 0.004),
    BirthCountry(170, "COL", "Colombia", 2.2, "distant", "labour", "mid"),
    BirthCountry(332, "HTI", "Haiti", 1.3, "haiti", "refuge", "low", 0.02),
    BirthCountry(192, "CUB", "Cuba", 1.0, "distant", "labour", "mid"),
    BirthCountry(604, "PER", "Peru", 0.5, "distant", "labour", "mid"),
    BirthCountry(218, "ECU", "Ecuador", 0.5, "distant", "labour", "mid"),
    BirthCountry(214, "DOM", "Dominican Republic", 0.4, "distant", "labour", "low"),
    BirthCountry(32, "ARG", "Argentina", 0.4, "distant", "professional", "high"),
    BirthCountry(152, "CHL", "Chile", 0.3, "distant", "professional", "high"),
    BirthCountry(76, "BRA", "Brazil", 0.3, "distant", "professional", "mid"),
    BirthCountry(68, "BOL", "Bolivia", 0.15, "distant", "labour", "mid"),
    BirthCountry(858, "URY", "Uruguay", 0.08, "distant", "professional", "high"),
    # Northern America.
    BirthCountry(840, "USA", "United States", 2.8, "distant", "professional", "high"),
    BirthCountry(124, "CAN", "Canada", 0.35, "distant", "professional", "high"),
    # Europe.
    BirthCountry(724, "ESP", "Spain", 1.5, "distant", "professional", "high"),
    BirthCountry(380, "ITA", "Italy", 0.45, "distant", "professional", "mid"),
    BirthCountry(276, "DEU", "Germany", 0.35, "distant", "professional", "high"),
    BirthCountry(250, "FRA", "France", 0.3, "distant", "professional", "high"),
    BirthCountry(826, "GBR", "United Kingdom", 0.15, "distant", "professional", "high"),
    BirthCountry(643, "RUS", "Russian Federation", 0.12, "distant", "professional", "high"),
    BirthCountry(804, "UKR", "Ukraine", 0.15, "recent", "refuge", "high"),
    BirthCountry(620, "PRT", "Portugal", 0.1, "distant", "professional", "mid"),
    BirthCountry(528, "NLD", "Netherlands", 0.06, "distant", "professional", "high"),
    BirthCountry(756, "CHE", "Switzerland", 0.05, "distant", "professional", "high"),
    BirthCountry(616, "POL", "Poland", 0.05, "distant", "professional", "mid"),
    # Asia.
    BirthCountry(156, "CHN", "China", 1.1, "distant", "labour", "mid"),
    BirthCountry(158, "TWN", "Taiwan, Province of China", 0.3, "distant", "professional", "high"),
    BirthCountry(410, "KOR", "Korea, Republic of", 0.3, "distant", "professional", "high"),
    BirthCountry(356, "IND", "India", 0.4, "recent", "study_work", "high"),
    BirthCountry(608, "PHL", "Philippines", 0.3, "recent", "labour", "mid"),
    BirthCountry(760, "SYR", "Syrian Arab Republic", 0.3, "syria", "refuge", "mid", 0.05),
    BirthCountry(422, "LBN", "Lebanon", 0.2, "distant", "professional", "mid"),
    BirthCountry(275, "PSE", "Palestine, State of", 0.1, "distant", "refuge", "mid", 0.25),
    BirthCountry(392, "JPN", "Japan", 0.08, "distant", "professional", "high"),
    BirthCountry(792, "TUR", "Turkiye", 0.08, "recent", "labour", "mid"),
    BirthCountry(50, "BGD", "Bangladesh", 0.06, "recent", "study_work", "mid"),
    BirthCountry(4, "AFG", "Afghanistan", 0.06, "recent", "refuge", "low", 0.03),
    BirthCountry(586, "PAK", "Pakistan", 0.05, "recent", "study_work", "mid"),
    BirthCountry(524, "NPL", "Nepal", 0.05, "recent", "labour", "mid"),
    # Africa.
    BirthCountry(566, "NGA", "Nigeria", 0.15, "recent", "study_work", "mid"),
    BirthCountry(120, "CMR", "Cameroon", 0.1, "recent", "refuge", "mid"),
    BirthCountry(180, "COD", "Congo, Democratic Republic of the", 0.06, "recent", "refuge", "mid"),
    BirthCountry(232, "ERI", "Eritrea", 0.06, "recent", "refuge", "low", 0.02),
    BirthCountry(288, "GHA", "Ghana", 0.05, "recent", "study_work", "mid"),
    BirthCountry(686, "SEN", "Senegal", 0.05, "recent", "labour", "low"),
    # Oceania.
    BirthCountry(36, "AUS", "Australia", 0.05, "distant", "professional", "high"),
    # Historic states (ISO 3166-3): only for people who arrived before 1992.
    BirthCountry(810, "SUN", "USSR", 1.2, "historic", "professional", "high"),
    BirthCountry(891, "YUG", "Yugoslavia", 0.5, "historic", "labour", "mid"),
    BirthCountry(200, "CSK", "Czechoslovakia", 0.35, "historic", "professional", "high"),
    BirthCountry(278, "DDR", "German Democratic Republic", 0.25, "historic", "professional",
                 "high"),
)  # fmt: skip
"""Countries of birth of the foreign-born, with their share, arrival profile and reasons."""


@dataclass(frozen=True)
class HistoricState:
    """A state that no longer exists (ISO 3166-3) and the states that succeeded it."""

    code: int
    """ISO 3166-3 numeric code."""
    born_from: int
    """First year someone can have been born in it."""
    born_until: int
    """Last year someone can have been born in it."""
    successors: tuple[tuple[int, float], ...]
    """Successor states (ISO numeric) and the share of its former citizens holding each one's
    citizenship today; also used as the present-day country of birth of those too young or
    arrived too late to report the historic state."""


HISTORIC_STATES: Final[dict[int, HistoricState]] = {
    810: HistoricState(810, 1922, 1991, ((643, 0.6), (804, 0.25), (112, 0.1), (51, 0.05))),
    891: HistoricState(891, 1918, 1991, ((688, 0.45), (191, 0.3), (70, 0.15), (705, 0.1))),
    200: HistoricState(200, 1918, 1992, ((203, 0.7), (703, 0.3))),
    278: HistoricState(278, 1949, 1990, ((276, 1.0),)),
}
"""USSR, Yugoslavia, Czechoslovakia and the German Democratic Republic."""

LAST_ARRIVAL_WITH_HISTORIC_BIRTH_COUNTRY: Final = 1991
"""People born in a historic state who arrived after 1991 report the present-day country."""

MIN_AGE_INDEPENDENT_MIGRANT: Final = 16
"""Youngest age at which someone migrates on their own account (as a head, spouse, lodger)."""

ARRIVED_AS_CHILD_SHARE: Final = 0.15
"""Share of foreign-born adults (heads, spouses) who came as children with their parents."""

FAMILY_REUNIFICATION_SHARE: Final = 0.3
"""Share of spouses, children and parents who joined the family member already in Quetzalia
later, rather than arriving in the same year."""

FAMILY_REUNIFICATION_DELAY: Final = 2.5
"""Mean delay, in years, before a family member joins."""

PREVIOUS_RESIDENCE_ELSEWHERE: Final[dict[str, tuple[float, tuple[tuple[int, float], ...]]]] = {
    "neighbour": (0.08, ((484, 0.55), (840, 0.35), (320, 0.10))),
    "venezuela": (0.30, ((170, 0.50), (604, 0.20), (218, 0.15), (152, 0.15))),
    "haiti": (0.30, ((214, 0.40), (152, 0.35), (76, 0.25))),
    "syria": (0.50, ((422, 0.40), (792, 0.35), (400, 0.25))),
    "distant": (0.10, ((840, 0.50), (484, 0.30), (724, 0.20))),
    "recent": (0.25, ((840, 0.30), (484, 0.30), (76, 0.20), (724, 0.20))),
    "historic": (0.10, ((840, 0.50), (276, 0.30), (724, 0.20))),
}
"""Share of immigrants who lived in a country other than their country of birth just before
coming (transit and onward migration), and where, by arrival profile."""

RETURN_MIGRANT_SHARE: Final = 0.02
"""Share of native-born household heads aged 20+ who are returning migrants: they lived abroad
and came back (with a year of arrival and a reason)."""

RETURN_SPOUSE_CAME_TOO: Final = 0.7
"""Share of native-born spouses of returning heads who had lived abroad with them."""

RETURN_COUNTRIES: Final = ((840, 0.55), (484, 0.18), (724, 0.08), (188, 0.05), (124, 0.04),
                           (320, 0.04), (380, 0.03), (276, 0.03))  # fmt: skip
"""Where returning Quetzalians lived: mostly the United States and Mexico."""

FOREIGN_SPOUSE_OF_NATIVE: Final = 0.045
"""Share of native-born heads with a spouse born abroad."""

SPOUSE_OF_FOREIGN_HEAD: Final = (0.70, 0.05)
"""Spouse of a foreign-born head: born in the same country (70%), in another foreign country
(5%), otherwise in Quetzalia."""

RELATIVE_OF_FOREIGN_HEAD_SAME_COUNTRY: Final = 0.85
"""Other relatives of a foreign-born head who were born before the head arrived share the
head's country of birth; those born after were mostly born in Quetzalia."""

FOREIGN_RELATIVE_OF_NATIVE_HEAD: Final = 0.03

SECOND_GENERATION_ADULTS: Final = (0.03, 0.02, 0.02)
"""Native-born people whose parents are not in the household: share with both parents, only
the mother, only the father born abroad (the older second generation)."""

SECOND_GENERATION_SAME_COUNTRY: Final = 0.8
"""When both parents of a native-born person were born abroad, they were born in the same
country with this probability."""

SECOND_GENERATION_IN_FOREIGN_FAMILY: Final = (0.5, 0.4)
"""Native-born grandchildren and other kin of a foreign-born head: probability that their
mother, and their father, was born in the head's country."""

FOREIGN_BORN_PARENT_NATIVE_SHARE: Final = 0.02
"""Share of foreign-born people with a native-born mother (or father): born abroad to
Quetzalians."""

FOREIGN_BORN_PARENT_OTHER_COUNTRY_SHARE: Final = 0.05
"""Share of foreign-born people whose mother (or father) was born in a third country."""

GENERATION_LENGTH: Final = 28
"""Years between the births of a parent and a child, to date parents outside the household
(a parent's historic country of birth must have existed then)."""

ABSENT_PARENT_SAME_ORIGIN: Final = 0.7
"""A parent not in the household was born where the parent in the household was born (if
that one is foreign-born) with this probability; otherwise in Quetzalia."""

ABSENT_PARENT_FOREIGN_IF_NATIVE: Final = 0.04
"""A parent not in the household, when the parent in the household is native-born, was born
abroad with this probability."""


def _cumulative_year_weights(profile: ArrivalProfile, years: IntArray) -> FloatArray:
    weight = profile.steady * np.exp(profile.growth * (years - CENSUS_YEAR))
    for peak, width, height in profile.waves:
        weight = weight + height * np.exp(-0.5 * ((years - peak) / width) ** 2)
    weight = np.where((years >= profile.first) & (years <= profile.last), weight, 0.0)
    # Arrivals in the census year only happen before the reference date.
    weight = np.where(years == CENSUS_YEAR, weight * SHARE_OF_YEAR_BEFORE_REFERENCE, weight)
    cdf = np.cumsum(weight)
    return np.asarray(cdf / cdf[-1], dtype=np.float64)


ARRIVAL_YEARS: Final = np.arange(CENSUS_YEAR - MAX_AGE - 1, CENSUS_YEAR + 1, dtype=np.int64)
_PROFILE_NAMES: Final = tuple(ARRIVAL_PROFILES)
_PROFILE_CDF: Final = np.stack(
    [_cumulative_year_weights(ARRIVAL_PROFILES[name], ARRIVAL_YEARS) for name in _PROFILE_NAMES]
)


def _lookup(default: int, pairs: dict[int, int]) -> IntArray:
    table = np.full(1000, default, dtype=np.int64)
    for code, value in pairs.items():
        table[code] = value
    return table


_EDUCATION_PROFILES: Final = ("native", "low", "mid", "high")
_REASON_NAMES: Final = tuple(REASON_MIXES)
_COUNTRY_CODES: Final = np.array([c.code for c in BIRTH_COUNTRIES], dtype=np.int64)
_COUNTRY_P: Final = np.array([c.weight for c in BIRTH_COUNTRIES]) / sum(
    c.weight for c in BIRTH_COUNTRIES
)
_PROFILE_OF: Final = _lookup(
    _PROFILE_NAMES.index("distant"),
    {c.code: _PROFILE_NAMES.index(c.arrival) for c in BIRTH_COUNTRIES},
)
_REASONS_OF: Final = _lookup(
    _REASON_NAMES.index("labour"), {c.code: _REASON_NAMES.index(c.reasons) for c in BIRTH_COUNTRIES}
)
_EDUCATION_OF: Final = _lookup(
    0, {c.code: _EDUCATION_PROFILES.index(c.education) for c in BIRTH_COUNTRIES}
)
_STATELESS_OF: Final = np.full(1000, 0.002)
for _c in BIRTH_COUNTRIES:
    _STATELESS_OF[_c.code] = _c.stateless


def choose(
    rng: np.random.Generator,
    codes: tuple[int, ...] | IntArray,
    weights: npt.ArrayLike,
    size: int,
) -> IntArray:
    """Draw ``size`` codes with the given weights (they need not add to 1).

    Args:
        rng: Random generator.
        codes: Codes to draw from.
        weights: One non-negative weight per code.
        size: Number of draws.

    Returns:
        The drawn codes.
    """
    p = np.asarray(weights, dtype=np.float64)
    return np.asarray(rng.choice(np.asarray(codes, dtype=np.int64), size=size, p=p / p.sum()))


def choose_pairs(
    rng: np.random.Generator, pairs: tuple[tuple[int, float], ...], size: int
) -> IntArray:
    """Draw ``size`` codes from a tuple of (code, weight) pairs.

    Args:
        rng: Random generator.
        pairs: (code, weight) pairs.
        size: Number of draws.

    Returns:
        The drawn codes.
    """
    return choose(rng, tuple(c for c, _ in pairs), [w for _, w in pairs], size)


def draw_birth_countries(rng: np.random.Generator, size: int) -> IntArray:
    """Draw countries of birth of immigrants from BIRTH_COUNTRIES.

    Args:
        rng: Random generator.
        size: Number of immigrants.

    Returns:
        ISO numeric codes.
    """
    return np.asarray(rng.choice(_COUNTRY_CODES, size=size, p=_COUNTRY_P))


def arrival_profile_of(pob: IntArray) -> IntArray:
    """Index (into ARRIVAL_PROFILES) of the arrival profile of each country of birth.

    Args:
        pob: ISO numeric countries of birth (all foreign).

    Returns:
        Profile indexes.
    """
    return _PROFILE_OF[pob]


def profile_index(name: str) -> int:
    """Index of a named arrival profile, for ``draw_arrival_year``.

    Args:
        name: A key of ARRIVAL_PROFILES.

    Returns:
        Its index.
    """
    return _PROFILE_NAMES.index(name)


MIGRATION_AGE_SCHEDULE: Final = ((0, 15, 18, 22, 30, 40, 50, 60, 80),
                                  (0.45, 0.45, 0.8, 1.0, 1.0, 0.55, 0.3, 0.15, 0.08))  # fmt: skip
"""Relative propensity to migrate by age at arrival (a migration age schedule): young adults
move most. It makes older immigrants have arrived long ago, as in a real immigrant stock."""

_MAX_REJECTION_ROUNDS: Final = 40


def migration_propensity(age_at_arrival: IntArray) -> FloatArray:
    """Relative propensity to migrate at this age (MIGRATION_AGE_SCHEDULE, at most 1).

    Args:
        age_at_arrival: Age at arrival, in years.

    Returns:
        Propensity between 0 and 1.
    """
    return np.interp(age_at_arrival, *MIGRATION_AGE_SCHEDULE)


def _sample_years(
    rng: np.random.Generator, profile: IntArray, lo: IntArray, hi: IntArray
) -> IntArray:
    year0 = int(ARRIVAL_YEARS[0])
    out = np.empty(profile.shape, dtype=np.int64)
    for index in np.unique(profile):
        sel = np.flatnonzero(profile == index)
        cdf = _PROFILE_CDF[index]
        lo_i = lo[sel] - year0
        hi_i = hi[sel] - year0
        f_lo = np.where(lo_i > 0, cdf[np.maximum(lo_i - 1, 0)], 0.0)
        f_hi = cdf[hi_i]
        u = f_lo + rng.random(sel.size) * (f_hi - f_lo)
        year = np.searchsorted(cdf, u, side="right") + year0
        uniform = lo[sel] + np.floor(rng.random(sel.size) * (hi_i - lo_i + 1)).astype(np.int64)
        out[sel] = np.where(f_hi - f_lo > 1e-9, year, uniform)
    return np.clip(out, lo, hi)


def draw_arrival_year(
    rng: np.random.Generator,
    profile: IntArray,
    earliest: IntArray,
    latest: IntArray,
    yob: IntArray | None = None,
) -> IntArray:
    """Draw years of arrival from arrival profiles, between per-person bounds.

    Inverse-CDF sampling of each profile truncated to ``earliest..latest`` (for example the
    year the person turned 16 .. the census year); where a profile has no arrivals in that
    window, a year is drawn uniformly inside it. Given the years of birth, draws are also
    weighted by the migration age schedule (by rejection: a draw is kept with probability
    ``migration_propensity(year - yob)``).

    Args:
        rng: Random generator.
        profile: Arrival profile index of each person.
        earliest: Earliest possible year of arrival of each person.
        latest: Latest possible year of arrival of each person.
        yob: Years of birth, to apply the migration age schedule (None: do not).

    Returns:
        Years of arrival, with earliest <= year <= latest (earliest wins where they cross).
    """
    lo = np.clip(earliest, ARRIVAL_YEARS[0], CENSUS_YEAR)
    hi = np.clip(np.maximum(latest, lo), ARRIVAL_YEARS[0], CENSUS_YEAR)
    year = _sample_years(rng, profile, lo, hi)
    if yob is None:
        return year
    pending = np.arange(year.size)
    for _ in range(_MAX_REJECTION_ROUNDS):
        keep = rng.random(pending.size) < migration_propensity(year[pending] - yob[pending])
        pending = pending[~keep]
        if pending.size == 0:
            break
        year[pending] = _sample_years(rng, profile[pending], lo[pending], hi[pending])
    return year


def resolve_historic_birth_country(
    rng: np.random.Generator, pob: IntArray, yob: IntArray, yoa: IntArray
) -> IntArray:
    """Replace a historic country of birth by a successor state where it cannot stand.

    A historic code (SUN, YUG, CSK, DDR) is kept only for someone born while the state existed
    who arrived in Quetzalia before 1992; anyone else reports the present-day country.

    Args:
        rng: Random generator.
        pob: Countries of birth.
        yob: Years of birth.
        yoa: Years of arrival (9998 for natives).

    Returns:
        Countries of birth, historic codes replaced where needed.
    """
    out = pob.copy()
    for state in HISTORIC_STATES.values():
        bad = (pob == state.code) & (
            (yob < state.born_from)
            | (yob > state.born_until)
            | (yoa > LAST_ARRIVAL_WITH_HISTORIC_BIRTH_COUNTRY)
        )
        if bad.any():
            out[bad] = choose_pairs(rng, state.successors, int(bad.sum()))
    return out


def draw_reasons(rng: np.random.Generator, pob: IntArray, yoa: IntArray) -> IntArray:
    """Draw the main reason for migrating of people who moved on their own account.

    The mix depends on the country of birth, and on the period for the civil wars and
    disasters of CONFLICT_WAVES and DISASTER_WAVES.

    Args:
        rng: Random generator.
        pob: Countries of birth.
        yoa: Years of arrival.

    Returns:
        Reason codes 1-6.
    """
    mix = _REASONS_OF[pob].copy()
    for code, (first, last) in CONFLICT_WAVES.items():
        mix[(pob == code) & (yoa >= first) & (yoa <= last)] = _REASON_NAMES.index("war_1980s")
    for code, (first, last) in DISASTER_WAVES.items():
        mix[(pob == code) & (yoa >= first) & (yoa <= last)] = _REASON_NAMES.index("disaster")
    out = np.empty(pob.shape, dtype=np.int64)
    for index in np.unique(mix):
        sel = mix == index
        out[sel] = choose(rng, REASON_CODES, REASON_MIXES[_REASON_NAMES[index]], int(sel.sum()))
    return out


def draw_return_reasons(rng: np.random.Generator, size: int) -> IntArray:
    """Draw the reasons of native-born returning migrants.

    Args:
        rng: Random generator.
        size: Number of returning migrants.

    Returns:
        Reason codes 1-6.
    """
    return choose(rng, REASON_CODES, REASON_MIXES["return"], size)


def accompanying_reasons(rng: np.random.Generator, leader_reason: IntArray) -> IntArray:
    """Reasons of family members who came with (or joined) an immigrant.

    Refugees and disaster victims flee as families, so they share the leader's reason; the
    others mostly answer "family" (a few teenagers and adults came to study or work).

    Args:
        rng: Random generator.
        leader_reason: Reason of the family member they came with.

    Returns:
        Reason codes 1-6.
    """
    shared = np.isin(leader_reason, [HUMANITARIAN, ENVIRONMENT])
    own = choose(rng, (FAMILY, EMPLOYMENT, EDUCATION), (0.88, 0.07, 0.05), leader_reason.size)
    return np.where(shared, leader_reason, own)


def draw_previous_country(rng: np.random.Generator, pob: IntArray) -> IntArray:
    """Country of residence just before coming to Quetzalia, for immigrants.

    Usually the country of birth; for some, a transit country (PREVIOUS_RESIDENCE_ELSEWHERE).
    It is what CNT1 and CNT5 report for recent arrivals.

    Args:
        rng: Random generator.
        pob: Countries of birth (foreign).

    Returns:
        ISO numeric codes.
    """
    out = pob.copy()
    profile = arrival_profile_of(pob)
    for name, (share, places) in PREVIOUS_RESIDENCE_ELSEWHERE.items():
        sel = np.flatnonzero(profile == _PROFILE_NAMES.index(name))
        moved = sel[rng.random(sel.size) < share]
        out[moved] = choose_pairs(rng, places, moved.size)
    return out


# --------------------------------------------------------------------------------------------
# 5. Citizenship
# --------------------------------------------------------------------------------------------

NATURALISATION: Final = (5.0, 0.75, 15.0)
"""Naturalisation needs 5 years of residence; the share naturalised then approaches 75% with a
time scale of 15 years."""

CITIZENSHIP_BY_DESCENT_TAKEUP: Final = 0.85
"""Share of foreign-born people with a Quetzalian-born parent who are citizens by birth
(ius sanguinis)."""

OTHER_CITIZENSHIP_SHARE: Final = 0.04
"""Share of foreign citizens holding a citizenship other than that of their country of birth
(for example Venezuelans with a Spanish or Italian passport)."""

OTHER_CITIZENSHIPS: Final = ((724, 0.45), (380, 0.3), (840, 0.15), (170, 0.1))

NATIVE_BORN_FOREIGN_CITIZEN_SHARE: Final = 0.03
"""Quetzalia grants citizenship at birth (ius soli), yet some native-born children of two
foreign-born parents are reported with their parents' citizenship."""


def naturalisation_probability(years_of_residence: FloatArray) -> FloatArray:
    """Probability that an immigrant is a naturalised citizen after this many years.

    Args:
        years_of_residence: Years since the most recent arrival.

    Returns:
        Probability between 0 and NATURALISATION[1].
    """
    minimum, ceiling, scale = NATURALISATION
    excess = np.maximum(years_of_residence - minimum, 0.0)
    return ceiling * (1.0 - np.exp(-excess / scale))


def draw_foreign_citizenship(rng: np.random.Generator, pob: IntArray) -> IntArray:
    """Citizenship of foreign-born people who are not Quetzalian citizens.

    Mostly the country of birth; a successor state for a historic country; a few hold another
    citizenship or are stateless (more so for Palestinians, Syrians, Haitians).

    Args:
        rng: Random generator.
        pob: Countries of birth (for native-born children reported as foreign citizens: the
            mother's country of birth).

    Returns:
        ISO numeric citizenship, or 997 stateless.
    """
    cit = pob.copy()
    for state in HISTORIC_STATES.values():
        sel = pob == state.code
        if sel.any():
            cit[sel] = choose_pairs(rng, state.successors, int(sel.sum()))
    other = rng.random(pob.size) < OTHER_CITIZENSHIP_SHARE
    cit[other] = choose_pairs(rng, OTHER_CITIZENSHIPS, int(other.sum()))
    cit[cit == QUETZALIA] = choose_pairs(rng, OTHER_CITIZENSHIPS, int((cit == QUETZALIA).sum()))
    stateless = rng.random(pob.size) < _STATELESS_OF[np.clip(pob, 0, 999)]
    cit[stateless] = STATELESS
    return cit


# --------------------------------------------------------------------------------------------
# 6. Internal migration and residence 1 and 5 years ago
# --------------------------------------------------------------------------------------------

MOVED_IN_5_YEARS: Final = (0.15, 0.08, 0.05)
"""Share of households of a mid-career head who moved in the last 5 years: within the
district, to another district of the region, from another region (before the age factor)."""

MOVED_IN_LAST_YEAR: Final = 0.25
"""Share of the moves of the last 5 years that happened in the last year."""

CAPITAL_PULL: Final = (1.5, 0.8)
"""Moves from another region are more frequent into the capital region (factor 1.5) than into
the others (0.8): net migration runs towards the capital."""

MOVER_FROM_CAPITAL_SHARE: Final = 0.35
"""People moving into a region other than the capital come from the capital with this
probability, otherwise from the other regions (by size)."""

LIFETIME_MIGRANT_BY_AGE: Final = ((0, 5, 15, 25, 40, 60), (0.05, 0.09, 0.12, 0.21, 0.27, 0.29))
"""Share of the native-born living outside their region of birth, by age (before the
region factor)."""

LIFETIME_MIGRANT_REGION_FACTOR: Final = (1.7, 0.75)
"""The capital region holds many people born elsewhere (factor 1.7); other regions fewer."""

BIRTH_REGION_IS_ORIGIN_SHARE: Final = 0.6
"""Native-born people who came from another region in the last 5 years were born in that
region with this probability (otherwise the lifetime rule applies)."""

CIRCULAR_MIGRANT_SHARE: Final = 0.08
"""Share of recent arrivals who already lived in Quetzalia 5 years ago (they left and came
back): their residence 5 years ago is in Quetzalia although they arrived less than 5 years
ago."""


def mobility_factor(age: IntArray) -> FloatArray:
    """How much more (or less) people of this age move than a household head of 35-50.

    Args:
        age: Age in completed years.

    Returns:
        A factor applied to MOVED_IN_5_YEARS.
    """
    return np.interp(age, [16, 25, 35, 50, 65, 80], [2.0, 1.8, 1.2, 0.8, 0.5, 0.4])


def draw_moves(rng: np.random.Generator, age: IntArray, region: IntArray) -> IntArray:
    """Draw where people lived 5 years ago when they lived in Quetzalia.

    Args:
        rng: Random generator.
        age: Age (of the household head for a household-level draw).
        region: Current region.

    Returns:
        1 same dwelling, 2 same district, 3 other district of the region, 4 other region.
    """
    factor = mobility_factor(age)
    within_district = MOVED_IN_5_YEARS[0] * factor
    within_region = MOVED_IN_5_YEARS[1] * factor
    pull = np.where(region == CAPITAL_REGION, CAPITAL_PULL[0], CAPITAL_PULL[1])
    between = MOVED_IN_5_YEARS[2] * factor * pull
    u = rng.random(age.size)
    return np.select(
        [u < between, u < between + within_region, u < between + within_region + within_district],
        [OTHER_REGION, SAME_REGION, SAME_DISTRICT],
        default=SAME_DWELLING,
    ).astype(np.int64)


def draw_origin_region(rng: np.random.Generator, region: IntArray) -> IntArray:
    """Draw the region someone came from, given that it differs from the current region.

    Into the capital, people come from all regions by size; into another region, a share
    MOVER_FROM_CAPITAL_SHARE come from the capital.

    Args:
        rng: Random generator.
        region: Current region.

    Returns:
        A region code different from ``region``.
    """
    size = np.array(REGION_SHARE_NATIVE_HOUSEHOLDS)
    codes = np.arange(1, len(size) + 1)
    out = np.empty(region.shape, dtype=np.int64)
    for r in codes:
        sel = np.flatnonzero(region == r)
        weight = size.copy()
        weight[r - 1] = 0.0
        if r != CAPITAL_REGION:
            others = weight.copy()
            others[CAPITAL_REGION - 1] = 0.0
            weight = (
                MOVER_FROM_CAPITAL_SHARE * (codes == CAPITAL_REGION)
                + (1 - MOVER_FROM_CAPITAL_SHARE) * others / others.sum()
            )
        out[sel] = choose(rng, tuple(codes), weight, sel.size)
    return out


def lifetime_migrant_probability(age: IntArray, region: IntArray) -> FloatArray:
    """Probability that a native-born person lives outside their region of birth.

    Args:
        age: Age in completed years.
        region: Region of residence.

    Returns:
        Probability, one per person.
    """
    by_age = np.interp(age, *LIFETIME_MIGRANT_BY_AGE)
    factor = np.where(
        region == CAPITAL_REGION,
        LIFETIME_MIGRANT_REGION_FACTOR[0],
        LIFETIME_MIGRANT_REGION_FACTOR[1],
    )
    return np.minimum(by_age * factor, 0.95)


# --------------------------------------------------------------------------------------------
# 7. Education and disability
# --------------------------------------------------------------------------------------------

EDUCATION_OLD_COHORTS: Final = (0.22, 0.38, 0.14, 0.15, 0.02, 0.02, 0.06, 0.01, 0.0)
"""ISCED 2011 levels 0-8 reached by people born in 1940 or before."""

EDUCATION_YOUNG_COHORTS: Final = (0.02, 0.10, 0.20, 0.38, 0.04, 0.05, 0.17, 0.035, 0.005)
"""ISCED 2011 levels 0-8 reached by people born in 1995 or later (once old enough)."""

EDUCATION_IMMIGRANT_PROFILES: Final[dict[str, tuple[float, tuple[float, ...]]]] = {
    "low": (0.4, (0.15, 0.40, 0.22, 0.16, 0.02, 0.01, 0.035, 0.005, 0.0)),
    "mid": (0.0, EDUCATION_YOUNG_COHORTS),
    "high": (0.5, (0.0, 0.02, 0.05, 0.25, 0.04, 0.06, 0.33, 0.20, 0.05)),
}
"""Immigrants' education: their cohort's distribution mixed with this one, with this weight
(immigrants from the neighbours have less schooling, those from distant countries more)."""

HIGHEST_LEVEL_BY_AGE: Final = ((15, 18, 20, 21, 22, 24, 27), (2, 3, 4, 5, 6, 7, 8))
"""Highest ISCED level one can have completed at an age (ages 15, 18, 20, ... and above)."""


def draw_education(
    rng: np.random.Generator, age: IntArray, yob: IntArray, pob: IntArray
) -> IntArray:
    """Draw the highest ISCED 2011 level completed, for people aged 15 and over.

    Later cohorts are more educated (EDUCATION_OLD_COHORTS -> EDUCATION_YOUNG_COHORTS); the
    young cannot have finished levels they are too young for (HIGHEST_LEVEL_BY_AGE).

    Args:
        rng: Random generator.
        age: Age (15+).
        yob: Year of birth.
        pob: Country of birth (selects the immigrant profile).

    Returns:
        ISCED levels 0-8.
    """
    old = np.array(EDUCATION_OLD_COHORTS)
    young = np.array(EDUCATION_YOUNG_COHORTS)
    t = np.clip((yob - 1940) / (1995 - 1940), 0.0, 1.0)[:, None]
    p = (1 - t) * old + t * young
    profile = _EDUCATION_OF[np.clip(pob, 0, 999)]
    for index, name in enumerate(_EDUCATION_PROFILES[1:], start=1):
        weight, dist = EDUCATION_IMMIGRANT_PROFILES[name]
        sel = profile == index
        p[sel] = (1 - weight) * p[sel] + weight * np.array(dist)
    cum = np.cumsum(p, axis=1)
    u = rng.random(age.size)[:, None] * cum[:, -1:]
    level = (u > cum).sum(axis=1).astype(np.int64)
    ages, caps = HIGHEST_LEVEL_BY_AGE
    cap = np.asarray(caps, dtype=np.int64)[np.searchsorted(ages, age, side="right") - 1]
    return np.asarray(np.minimum(level, cap), dtype=np.int64)


DISABILITY_BY_AGE: Final = ((5, 15, 30, 45, 60, 70, 80, 90, 100),
                            (0.015, 0.02, 0.03, 0.05, 0.09, 0.14, 0.24, 0.40, 0.55))  # fmt: skip
"""Share with a disability (Washington Group short set) by age."""


def disability_probability(age: IntArray) -> FloatArray:
    """Probability of a disability (Washington Group short set) at this age.

    Args:
        age: Age in completed years (5+).

    Returns:
        Probability, one per person.
    """
    return np.interp(age, *DISABILITY_BY_AGE)


# --------------------------------------------------------------------------------------------
# 8. Dates
# --------------------------------------------------------------------------------------------


def year_of_birth(rng: np.random.Generator, age: IntArray) -> IntArray:
    """Year of birth coherent with age in completed years on 15 March 2025.

    Those with a birthday between 1 January and 15 March have already had it in 2025
    (YOB = 2025 - AGE), the others not yet (YOB = 2024 - AGE).

    Args:
        rng: Random generator.
        age: Age in completed years.

    Returns:
        Years of birth.
    """
    had_birthday = rng.random(age.size) < SHARE_OF_YEAR_BEFORE_REFERENCE
    return np.where(had_birthday, CENSUS_YEAR - age, CENSUS_YEAR - 1 - age).astype(np.int64)


def arrival_time(rng: np.random.Generator, yoa: IntArray) -> FloatArray:
    """Fractional date of arrival (year + share of the year), to compare with the reference date.

    Args:
        rng: Random generator.
        yoa: Years of arrival (values of 9998 give a time far in the future, ignore them).

    Returns:
        Arrival times; arrivals in 2025 fall before 15 March.
    """
    span = np.where(yoa == CENSUS_YEAR, SHARE_OF_YEAR_BEFORE_REFERENCE, 1.0)
    return yoa + rng.random(yoa.size) * span


# --------------------------------------------------------------------------------------------
# 9. The dirt of a real file
# --------------------------------------------------------------------------------------------

NOT_STATED_RATE: Final[dict[str, float]] = {
    "RELATIONSHIP": 0.002,
    "SEX": 0.003,
    "AGE": 0.005,
    "YOB": 0.005,
    "POB": 0.005,
    "REGION_BIRTH": 0.005,
    "CIT": 0.005,
    "CIT_ACQ": 0.005,
    "YOA": 0.01,
    "RES1": 0.005,
    "REG1": 0.005,
    "CNT1": 0.01,
    "RES5": 0.005,
    "REG5": 0.005,
    "CNT5": 0.01,
    "REASON": 0.01,
    "MOTHER_POB": 0.005,
    "FATHER_POB": 0.012,
    "EDUC": 0.005,
    "DISABILITY": 0.005,
}
"""Item non-response: share of the persons in each question's universe whose answer is
"not stated" (heads always state their relationship; fathers are less often known)."""

INVALID_CODES: Final[dict[str, tuple[int, float]]] = {
    "POB": (999, 0.0004),
    "CIT": (999, 0.0004),
    "EDUC": (77, 0.0004),
    "SEX": (3, 0.0003),
}
"""Codes that are in no code list (keying or coding errors), and the share of records with
them: about 6-8 records per 20,000."""

YOA_BEFORE_YOB_RATE: Final = 0.0003
"""Impossible: year of arrival before the year of birth (foreign-born)."""

NATIVE_YOA_IS_YOB_RATE: Final = 0.0003
"""Impossible: a native-born person who never lived abroad (REASON 8) with a year of arrival,
the year of birth copied into the arrival box."""

RES5_STATED_UNDER_5_RATE: Final = 0.0003
"""Impossible: a child aged 1-4 with a residence 5 years ago stated (same dwelling)."""


def dirt_count(rng: np.random.Generator, persons: int, rate: float) -> int:
    """Number of records to make dirty: ``rate * persons``, rounded at random.

    Rounding at random keeps the expected count exact whatever the chunk size.

    Args:
        rng: Random generator.
        persons: Number of records.
        rate: Share of records.

    Returns:
        A count, floor or ceiling of ``rate * persons``.
    """
    expected = rate * persons
    return int(np.floor(expected + rng.random()))
