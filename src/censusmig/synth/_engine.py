"""Assembly of the synthetic census: households, their members, then the person questions.

The rules (every number and every small decision) live in :mod:`censusmig.synth.rules`; this
module only wires them together, with whole-array numpy operations and no loop over persons.

Persons are built role by role (heads, spouses, children, parents of the head, other relatives,
non-relatives) as "blocks": dicts of equal-length arrays. Heads come first because the others
copy from them (a child born abroad was born where the mother lived; a spouse who came with the
head arrived the same year).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl

from censusmig.synth import rules as r
from censusmig.synth.rules import BoolArray, IntArray

Block = dict[str, IntArray]
"""Persons of one role: column name -> array (internal columns, lower case)."""

_EXPECTED_PERSONS_PER_HOUSEHOLD = 3.45
"""Used only to size the first batch of households; more are drawn if needed."""

_BLOCK_KEYS = (
    "hh", "order", "rel", "sex", "age", "yob", "pob", "yoa", "prev", "reason", "mother_pob",
    "father_pob",
)  # fmt: skip

_ORDER_CHILD = 100
_ORDER_PARENT = 300
_ORDER_OTHER_RELATIVE = 400
_ORDER_NON_RELATIVE = 500


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _full(size: int, value: int) -> IntArray:
    return np.full(size, value, dtype=np.int64)


def _ints(values: object) -> IntArray:
    return np.asarray(values, dtype=np.int64)


def _joined(rng: np.random.Generator, leader_yoa: IntArray, share: float) -> IntArray:
    """Year a family member arrived: with the leader, or (a share ``share``) some years later.

    A delay that would end after the census means the member came with the leader.
    """
    size = leader_yoa.size
    joins_later = rng.random(size) < share
    delay = rng.geometric(1.0 / r.FAMILY_REUNIFICATION_DELAY, size)
    later = leader_yoa + delay
    # Only the part of the census year before the reference date can hold an arrival.
    in_time = (later < r.CENSUS_YEAR) | (
        (later == r.CENSUS_YEAR) & (rng.random(size) < r.SHARE_OF_YEAR_BEFORE_REFERENCE)
    )
    return np.where(joins_later & in_time, later, leader_yoa).astype(np.int64)


def _sex_at_birth(rng: np.random.Generator, size: int) -> IntArray:
    boys = r.SEX_RATIO_AT_BIRTH / (1.0 + r.SEX_RATIO_AT_BIRTH)
    return np.where(rng.random(size) < boys, r.MALE, r.FEMALE).astype(np.int64)


def _block(size: int, **columns: IntArray) -> Block:
    """A block of ``size`` persons; columns not given are "not applicable" defaults."""
    defaults = {
        "yoa": r.NOT_APPLICABLE_YEAR,
        "prev": 0,
        "reason": r.NOT_APPLICABLE,
        "pob": r.QUETZALIA,
    }
    block = {key: _full(size, defaults.get(key, 0)) for key in _BLOCK_KEYS}
    block.update(columns)
    return block


def _take(block: Block, index: IntArray | BoolArray) -> Block:
    return {key: value[index] for key, value in block.items()}


def _concat(blocks: list[Block]) -> Block:
    return {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}


# --------------------------------------------------------------------------------------------
# People who migrated on their own account, and parents outside the household
# --------------------------------------------------------------------------------------------


def _immigrants(
    rng: np.random.Generator, yob: IntArray, earliest_age: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Country of birth, year of arrival, previous country and reason of independent migrants."""
    size = yob.size
    earliest = yob + earliest_age
    pob = r.draw_birth_countries(rng, size)
    # Too young to have arrived before 1992: a historic country becomes its successor.
    pob = r.resolve_historic_birth_country(rng, pob, yob, earliest)
    yoa = r.draw_arrival_year(
        rng, r.arrival_profile_of(pob), earliest, _full(size, r.CENSUS_YEAR), yob
    )
    prev = r.draw_previous_country(rng, pob)
    reason = r.draw_reasons(rng, pob, yoa)
    return pob, yoa, prev, reason


def _independent_arrival_age(rng: np.random.Generator, age: IntArray) -> IntArray:
    as_child = rng.random(age.size) < r.ARRIVED_AS_CHILD_SHARE
    child_now = age < r.MIN_AGE_INDEPENDENT_MIGRANT
    return np.where(as_child | child_now, 0, r.MIN_AGE_INDEPENDENT_MIGRANT).astype(np.int64)


def _parents_birth_countries(
    rng: np.random.Generator, pob: IntArray, yob: IntArray
) -> tuple[IntArray, IntArray]:
    """Mother's and father's country of birth of persons whose parents are not in the household."""
    size = pob.size
    native = pob == r.QUETZALIA
    mother = pob.copy()
    father = pob.copy()
    # Native-born: the older second generation.
    both, mother_only, father_only = r.SECOND_GENERATION_ADULTS
    u = rng.random(size)
    foreign_mother = native & (u < both + mother_only)
    foreign_father = native & (
        (u < both) | ((u >= both + mother_only) & (u < both + mother_only + father_only))
    )
    drawn_mother = r.draw_birth_countries(rng, size)
    same = rng.random(size) < r.SECOND_GENERATION_SAME_COUNTRY
    drawn_father = np.where(same & foreign_mother, drawn_mother, r.draw_birth_countries(rng, size))
    # The parents were in Quetzalia when the person was born there.
    mother = np.where(foreign_mother, drawn_mother, mother)
    father = np.where(foreign_father, drawn_father, father)
    # Foreign-born: mostly born where their parents were born; a few born abroad to Quetzalians.
    for parent in (mother, father):
        u = rng.random(size)
        to_native = ~native & (u < r.FOREIGN_BORN_PARENT_NATIVE_SHARE)
        to_other = (
            ~native
            & (u >= r.FOREIGN_BORN_PARENT_NATIVE_SHARE)
            & (u < r.FOREIGN_BORN_PARENT_NATIVE_SHARE + r.FOREIGN_BORN_PARENT_OTHER_COUNTRY_SHARE)
        )
        parent[to_native] = r.QUETZALIA
        parent[to_other] = r.draw_birth_countries(rng, int(to_other.sum()))
    # Native-born: the parents had arrived by the person's birth.
    parent_yob = yob - r.GENERATION_LENGTH
    arrived_by = np.where(native, yob, 0)
    mother = r.resolve_historic_birth_country(rng, mother, parent_yob, arrived_by)
    father = r.resolve_historic_birth_country(rng, father, parent_yob, arrived_by)
    return mother, father


def _absent_parent(rng: np.random.Generator, present: IntArray) -> IntArray:
    """Country of birth of a parent who does not live in the household."""
    size = present.size
    foreign = present != r.QUETZALIA
    same = rng.random(size) < r.ABSENT_PARENT_SAME_ORIGIN
    native_draw = np.where(
        rng.random(size) < r.ABSENT_PARENT_FOREIGN_IF_NATIVE,
        r.draw_birth_countries(rng, size),
        r.QUETZALIA,
    )
    return np.where(foreign, np.where(same, present, r.QUETZALIA), native_draw).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Households and their members
# --------------------------------------------------------------------------------------------


def _households(rng: np.random.Generator, size: int) -> Block:
    kinds = tuple(r.HOUSEHOLD_KIND_SHARES)
    kind = r.choose(rng, kinds, list(r.HOUSEHOLD_KIND_SHARES.values()), size)
    lower = _ints(r.AGE_GROUP_LOWER)
    width = np.diff(np.append(lower, r.MAX_AGE + 1))
    age = np.empty(size, dtype=np.int64)
    for k in kinds:
        sel = np.flatnonzero(kind == k)
        group = r.choose(rng, tuple(range(lower.size)), r.HEAD_AGE_GROUP_WEIGHTS[k], sel.size)
        age[sel] = lower[group] + np.floor(rng.random(sel.size) * width[group]).astype(np.int64)
    female = rng.random(size) < r.head_is_female_probability(kind, age)
    foreign = rng.random(size) < r.foreign_born_head_probability(age)
    regions = tuple(r.REGION_NAMES)
    region = np.where(
        foreign,
        r.choose(rng, regions, r.REGION_SHARE_FOREIGN_HOUSEHOLDS, size),
        r.choose(rng, regions, r.REGION_SHARE_NATIVE_HOUSEHOLDS, size),
    )
    districts = _ints([r.REGION_DISTRICTS[g] for g in regions])[region - 1]
    index = np.floor(districts * rng.random(size) ** r.DISTRICT_SIZE_SKEW).astype(np.int64)
    move5 = r.draw_moves(rng, age, region)
    return {
        "kind": kind,
        "head_age": age,
        "head_sex": np.where(female, r.FEMALE, r.MALE).astype(np.int64),
        "head_foreign": foreign.astype(np.int64),
        "region": region,
        "district": region * 100 + 1 + index,
        "move5": move5,
        "moved1": ((move5 != r.SAME_DWELLING) & (rng.random(size) < r.MOVED_IN_LAST_YEAR)).astype(
            np.int64
        ),
        "origin": r.draw_origin_region(rng, region),
    }


def _heads(rng: np.random.Generator, hh: Block) -> Block:
    size = hh["kind"].size
    age = hh["head_age"]
    yob = r.year_of_birth(rng, age)
    pob = _full(size, r.QUETZALIA)
    yoa = _full(size, r.NOT_APPLICABLE_YEAR)
    prev = _full(size, 0)
    reason = _full(size, r.NOT_APPLICABLE)
    foreign = np.flatnonzero(hh["head_foreign"] == 1)
    pob[foreign], yoa[foreign], prev[foreign], reason[foreign] = _immigrants(
        rng, yob[foreign], _independent_arrival_age(rng, age[foreign])
    )
    returned = np.flatnonzero(
        (hh["head_foreign"] == 0) & (age >= 20) & (rng.random(size) < r.RETURN_MIGRANT_SHARE)
    )
    yoa[returned] = r.draw_arrival_year(
        rng,
        _full(returned.size, r.profile_index("return")),
        yob[returned] + 18,
        _full(returned.size, r.CENSUS_YEAR),
        yob[returned],
    )
    prev[returned] = r.choose_pairs(rng, r.RETURN_COUNTRIES, returned.size)
    reason[returned] = r.draw_return_reasons(rng, returned.size)
    mother, father = _parents_birth_countries(rng, pob, yob)
    return _block(
        size,
        hh=np.arange(size, dtype=np.int64),
        order=_full(size, 0),
        rel=_full(size, r.HEAD),
        sex=hh["head_sex"],
        age=age,
        yob=yob,
        pob=pob,
        yoa=yoa,
        prev=prev,
        reason=reason,
        mother_pob=mother,
        father_pob=father,
    )


def _spouses(rng: np.random.Generator, hh: Block, heads: Block) -> Block:
    at = np.flatnonzero(hh["kind"] == r.COUPLE_FAMILY)
    size = at.size
    head = _take(heads, at)
    same_sex = rng.random(size) < r.SAME_SEX_COUPLE_SHARE
    sex = np.where(same_sex, head["sex"], 3 - head["sex"])
    gap_mean, gap_sd = r.SPOUSE_AGE_GAP
    gap = rng.normal(gap_mean, gap_sd, size)
    gap = np.where(same_sex, rng.normal(0.0, gap_sd, size), gap)
    age = np.where(head["sex"] == r.MALE, head["age"] - gap, head["age"] + gap)
    age = np.clip(np.rint(age), r.MIN_ADULT_AGE, r.MAX_AGE).astype(np.int64)
    yob = r.year_of_birth(rng, age)
    pob = _full(size, r.QUETZALIA)
    yoa = _full(size, r.NOT_APPLICABLE_YEAR)
    prev = _full(size, 0)
    reason = _full(size, r.NOT_APPLICABLE)

    head_foreign = head["pob"] != r.QUETZALIA
    head_returned = ~head_foreign & (head["yoa"] != r.NOT_APPLICABLE_YEAR)
    u = rng.random(size)
    same_country = head_foreign & (u < r.SPOUSE_OF_FOREIGN_HEAD[0])
    other_country = (
        head_foreign
        & ~same_country
        & (u < r.SPOUSE_OF_FOREIGN_HEAD[0] + r.SPOUSE_OF_FOREIGN_HEAD[1])
    ) | (~head_foreign & ~head_returned & (u < r.FOREIGN_SPOUSE_OF_NATIVE))
    came_back_too = (
        head_returned
        & (u < r.RETURN_SPOUSE_CAME_TOO)
        & (yob + r.MIN_AGE_INDEPENDENT_MIGRANT <= head["yoa"])
    )

    # Same country as the head: came together, or joined later. Born after the head came, the
    # spouse was born in Quetzalia to parents from the head's country (the second generation).
    second_generation = same_country & (yob >= head["yoa"])
    same_country &= ~second_generation
    sel = np.flatnonzero(same_country)
    pob[sel] = head["pob"][sel]
    yoa[sel] = np.maximum(_joined(rng, head["yoa"][sel], r.FAMILY_REUNIFICATION_SHARE), yob[sel])
    prev[sel] = head["prev"][sel]
    reason[sel] = r.accompanying_reasons(rng, head["reason"][sel])
    pob[sel] = r.resolve_historic_birth_country(rng, pob[sel], yob[sel], yoa[sel])

    sel = np.flatnonzero(other_country)
    pob[sel], yoa[sel], prev[sel], reason[sel] = _immigrants(
        rng, yob[sel], _independent_arrival_age(rng, age[sel])
    )

    sel = np.flatnonzero(came_back_too)
    yoa[sel] = head["yoa"][sel]
    prev[sel] = head["prev"][sel]
    reason[sel] = r.accompanying_reasons(rng, head["reason"][sel])

    mother, father = _parents_birth_countries(rng, pob, yob)
    mother = np.where(second_generation, head["pob"], mother)
    same = rng.random(size) < r.SECOND_GENERATION_SAME_COUNTRY
    father = np.where(second_generation & same, head["pob"], father)
    return _block(
        size,
        hh=head["hh"],
        order=_full(size, 1),
        rel=_full(size, r.SPOUSE),
        sex=sex,
        age=age,
        yob=yob,
        pob=pob,
        yoa=yoa,
        prev=prev,
        reason=reason,
        mother_pob=mother,
        father_pob=father,
    )


def _by_household(size: int, block: Block, key: str, default: int) -> IntArray:
    out = _full(size, default)
    out[block["hh"]] = block[key]
    return out


def _children(rng: np.random.Generator, hh: Block, heads: Block, spouses: Block) -> Block:
    """Children of the head (and spouse) living at home."""
    n_hh = hh["kind"].size
    spouse_sex = _by_household(n_hh, spouses, "sex", 0)
    # The mother is the woman of the couple (the head if both are women); a lone father or a
    # male couple has no mother at home, then the head plays her part for the dates.
    spouse_is_mother = (spouse_sex == r.FEMALE) & (heads["sex"] == r.MALE)

    def parent_value(key: str) -> IntArray:
        return np.where(spouse_is_mother, _by_household(n_hh, spouses, key, 0), heads[key])

    ref = {key: parent_value(key) for key in ("age", "yob", "pob", "yoa", "prev", "reason")}
    head_mother = heads["sex"] == r.FEMALE
    mother_pob = np.where(
        spouse_is_mother, ref["pob"], np.where(head_mother, heads["pob"], -1)
    ).astype(np.int64)
    male_spouse = spouse_sex == r.MALE
    father_pob = np.where(
        heads["sex"] == r.MALE,
        heads["pob"],
        np.where(male_spouse, _by_household(n_hh, spouses, "pob", 0), -1),
    ).astype(np.int64)

    # Has the partner of the reference parent (the father, usually) ever lived abroad?
    spouse_abroad = (_by_household(n_hh, spouses, "pob", r.QUETZALIA) != r.QUETZALIA) | (
        _by_household(n_hh, spouses, "yoa", r.NOT_APPLICABLE_YEAR) != r.NOT_APPLICABLE_YEAR
    )
    head_abroad = (heads["pob"] != r.QUETZALIA) | (heads["yoa"] != r.NOT_APPLICABLE_YEAR)
    partner_abroad = np.where(spouse_is_mother, head_abroad, spouse_abroad)

    families = np.flatnonzero(hh["kind"] != r.ONE_PERSON)
    slots = r.MAX_CHILDREN
    births = np.minimum(rng.poisson(r.births_per_woman(ref["yob"][families])), slots)
    mean, sd, youngest, oldest = r.MOTHER_AGE_AT_BIRTH
    at_birth = np.clip(np.rint(rng.normal(mean, sd, (families.size, slots))), youngest, oldest)
    child_age = ref["age"][families][:, None] - at_birth.astype(np.int64)
    stay_until = r.LEAVING_HOME[0] + rng.exponential(r.LEAVING_HOME[1], (families.size, slots))
    born = np.arange(slots)[None, :] < births[:, None]
    at_home = born & (child_age >= 0) & (child_age <= stay_until)
    row, _ = np.nonzero(at_home)
    fam = families[row]
    age = child_age[at_home]
    size = age.size
    yob = r.year_of_birth(rng, age)

    abroad_parent = ref["yoa"][fam] != r.NOT_APPLICABLE_YEAR
    born_abroad = abroad_parent & (yob < ref["yoa"][fam])
    parent_foreign = ref["pob"][fam] != r.QUETZALIA
    # Born abroad: in the mother's country of birth, or (mother a returning Quetzalian) in the
    # country where she lived.
    pob = np.where(
        born_abroad, np.where(parent_foreign, ref["pob"][fam], ref["prev"][fam]), r.QUETZALIA
    ).astype(np.int64)
    joined = _joined(rng, ref["yoa"][fam], r.FAMILY_REUNIFICATION_SHARE / 2)
    yoa = np.where(born_abroad, joined, r.NOT_APPLICABLE_YEAR)
    prev = np.where(born_abroad, ref["prev"][fam], 0)
    reason = np.where(
        born_abroad, r.accompanying_reasons(rng, ref["reason"][fam]), r.NOT_APPLICABLE
    )
    pob = r.resolve_historic_birth_country(rng, pob, yob, yoa)

    mother = mother_pob[fam]
    father = father_pob[fam]
    mother = np.where(mother < 0, _absent_parent(rng, father), mother)
    father = np.where(father < 0, _absent_parent(rng, mother), father)
    # A child born abroad before the mother came is not the child of a partner who never left
    # Quetzalia: a stepchild, whose father was born where the mother was (or in Quetzalia).
    step = born_abroad & ~partner_abroad[fam]
    father = np.where(step, _absent_parent(rng, mother), father)
    return _block(
        size,
        hh=fam,
        order=_ORDER_CHILD + r.MAX_AGE - age,
        rel=_full(size, r.CHILD),
        sex=_sex_at_birth(rng, size),
        age=age,
        yob=yob,
        pob=pob,
        yoa=_ints(yoa),
        prev=_ints(prev),
        reason=_ints(reason),
        mother_pob=mother,
        father_pob=father,
    )


def _parents_of_head(rng: np.random.Generator, hh: Block, heads: Block) -> Block:
    """Parents of the head living with them; updates the head's MOTHER_POB/FATHER_POB."""
    share, youngest, oldest = r.PARENT_OF_HEAD_SHARE
    head_age = heads["age"]
    p = np.where((head_age >= youngest) & (head_age <= oldest), share, share / 3)
    has = (hh["kind"] != r.ONE_PERSON) & (rng.random(head_age.size) < p)
    both = rng.random(head_age.size) < r.BOTH_PARENTS_OF_HEAD_SHARE
    mother_only = rng.random(head_age.size) < r.MOTHER_SHARE_AMONG_LONE_PARENTS_OF_HEAD
    blocks = []
    (mother_gap, father_gap), gap_sd, (min_gap, max_gap) = r.PARENT_OF_HEAD_AGE_GAP
    for sex, wanted, key, gap in (
        (r.FEMALE, has & (both | mother_only), "mother_pob", mother_gap),
        (r.MALE, has & (both | ~mother_only), "father_pob", father_gap),
    ):
        at = np.flatnonzero(wanted)
        drawn_gap = np.clip(np.rint(rng.normal(gap, gap_sd, at.size)), min_gap, max_gap)
        age = head_age[at] + drawn_gap.astype(np.int64)
        sexes = _full(at.size, sex)
        alive = (age <= r.MAX_AGE) & (rng.random(at.size) < r.survival_probability(age, sexes))
        at, age, sexes = at[alive], age[alive], sexes[alive]
        size = at.size
        yob = r.year_of_birth(rng, age)
        head = _take(heads, at)
        head_foreign = head["pob"] != r.QUETZALIA
        pob = head[key].copy()
        # A parent living with a foreign-born head was born in the same country.
        pob = np.where(head_foreign & (pob == r.QUETZALIA), head["pob"], pob)
        foreign = pob != r.QUETZALIA
        yoa = _full(size, r.NOT_APPLICABLE_YEAR)
        prev = _full(size, 0)
        reason = _full(size, r.NOT_APPLICABLE)
        # With a foreign-born head: came with the head or joined later.
        sel = np.flatnonzero(foreign & head_foreign)
        yoa[sel] = _joined(rng, head["yoa"][sel], 2 * r.FAMILY_REUNIFICATION_SHARE)
        prev[sel] = np.where(pob[sel] == head["pob"][sel], head["prev"][sel], pob[sel])
        reason[sel] = r.accompanying_reasons(rng, head["reason"][sel])
        # With a native-born head: an immigrant who was already in Quetzalia at the head's birth.
        sel = np.flatnonzero(foreign & ~head_foreign)
        yoa[sel] = r.draw_arrival_year(
            rng,
            r.arrival_profile_of(pob[sel]),
            yob[sel] + r.MIN_ADULT_AGE,
            head["yob"][sel],
            yob[sel],
        )
        prev[sel] = r.draw_previous_country(rng, pob[sel])
        reason[sel] = r.draw_reasons(rng, pob[sel], yoa[sel])
        pob = r.resolve_historic_birth_country(rng, pob, yob, yoa)
        heads[key][at] = pob
        mother, father = _parents_birth_countries(rng, pob, yob)
        blocks.append(
            _block(
                size,
                hh=head["hh"],
                order=_full(size, _ORDER_PARENT + (sex == r.MALE)),
                rel=_full(size, r.PARENT),
                sex=sexes,
                age=age,
                yob=yob,
                pob=pob,
                yoa=yoa,
                prev=prev,
                reason=reason,
                mother_pob=mother,
                father_pob=father,
            )
        )
    return _concat(blocks)


def _count_members(rng: np.random.Generator, hh: Block, shares: tuple[float, ...]) -> IntArray:
    n_hh = hh["kind"].size
    count = r.choose(rng, tuple(range(len(shares))), shares, n_hh)
    count[hh["kind"] == r.ONE_PERSON] = 0
    return np.repeat(np.arange(n_hh, dtype=np.int64), count)


def _rank_in_household(at: IntArray) -> IntArray:
    """0, 1, 2, ... within each run of equal household indexes (``at`` is sorted)."""
    start = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
    run = np.repeat(start, np.diff(np.r_[start, at.size]))
    return np.arange(at.size, dtype=np.int64) - run


def _other_relatives(rng: np.random.Generator, hh: Block, heads: Block) -> Block:
    at = _count_members(rng, hh, r.OTHER_RELATIVES_COUNT_SHARES)
    size = at.size
    head = _take(heads, at)
    kinds = (r.GRANDCHILD, r.SIBLING, r.OTHER_KIN)
    older, younger = r.OTHER_RELATIVE_KINDS
    kind = np.where(
        head["age"] >= 40, r.choose(rng, kinds, older, size), r.choose(rng, kinds, younger, size)
    )
    grandchild = np.floor(rng.random(size) * np.clip(head["age"] - 36, 1, 20)).astype(np.int64)
    sibling = np.clip(np.rint(head["age"] + rng.normal(0.0, 6.0, size)), r.MIN_ADULT_AGE, 100)
    other = np.floor(rng.random(size) * 61).astype(np.int64)
    age = np.select(
        [kind == r.GRANDCHILD, kind == r.SIBLING], [grandchild, sibling], default=other
    ).astype(np.int64)
    yob = r.year_of_birth(rng, age)
    sex = _sex_at_birth(rng, size)
    pob = _full(size, r.QUETZALIA)
    yoa = _full(size, r.NOT_APPLICABLE_YEAR)
    prev = _full(size, 0)
    reason = _full(size, r.NOT_APPLICABLE)

    head_foreign = head["pob"] != r.QUETZALIA
    came_along = (
        head_foreign
        & (yob < head["yoa"])
        & (rng.random(size) < r.RELATIVE_OF_FOREIGN_HEAD_SAME_COUNTRY)
    )
    sel = np.flatnonzero(came_along)
    pob[sel] = head["pob"][sel]
    joined = _joined(rng, head["yoa"][sel], 2 * r.FAMILY_REUNIFICATION_SHARE)
    yoa[sel] = np.minimum(np.maximum(joined, yob[sel]), r.CENSUS_YEAR)
    prev[sel] = head["prev"][sel]
    reason[sel] = r.accompanying_reasons(rng, head["reason"][sel])
    pob[sel] = r.resolve_historic_birth_country(rng, pob[sel], yob[sel], yoa[sel])

    sel = np.flatnonzero(~head_foreign & (rng.random(size) < r.FOREIGN_RELATIVE_OF_NATIVE_HEAD))
    pob[sel], yoa[sel], prev[sel], reason[sel] = _immigrants(
        rng, yob[sel], _independent_arrival_age(rng, age[sel])
    )

    mother, father = _parents_birth_countries(rng, pob, yob)
    # Siblings share the head's parents; grandchildren and others born in Quetzalia to a
    # foreign-born family often have a foreign-born parent.
    siblings = kind == r.SIBLING
    mother = np.where(siblings, head["mother_pob"], mother)
    father = np.where(siblings, head["father_pob"], father)
    second = ~siblings & head_foreign & (pob == r.QUETZALIA)
    via_mother, via_father = r.SECOND_GENERATION_IN_FOREIGN_FAMILY
    mother = np.where(second & (rng.random(size) < via_mother), head["pob"], mother)
    father = np.where(second & (rng.random(size) < via_father), head["pob"], father)
    return _block(
        size,
        hh=at,
        order=_ORDER_OTHER_RELATIVE + _rank_in_household(at),
        rel=_full(size, r.OTHER_RELATIVE),
        sex=sex,
        age=age,
        yob=yob,
        pob=pob,
        yoa=yoa,
        prev=prev,
        reason=reason,
        mother_pob=mother,
        father_pob=father,
    )


def _non_relatives(rng: np.random.Generator, hh: Block) -> Block:
    at = _count_members(rng, hh, r.NON_RELATIVES_COUNT_SHARES)
    size = at.size
    start, mean, youngest, oldest = r.NON_RELATIVE_AGE
    age = np.clip(np.rint(start + rng.exponential(mean, size)), youngest, oldest).astype(np.int64)
    yob = r.year_of_birth(rng, age)
    female = rng.random(size) < r.NON_RELATIVE_FEMALE_SHARE
    sex = np.where(female, r.FEMALE, r.MALE).astype(np.int64)
    pob = _full(size, r.QUETZALIA)
    yoa = _full(size, r.NOT_APPLICABLE_YEAR)
    prev = _full(size, 0)
    reason = _full(size, r.NOT_APPLICABLE)
    sel = np.flatnonzero(rng.random(size) < r.NON_RELATIVE_FOREIGN_BORN_SHARE)
    pob[sel], yoa[sel], prev[sel], reason[sel] = _immigrants(
        rng, yob[sel], _independent_arrival_age(rng, age[sel])
    )
    mother, father = _parents_birth_countries(rng, pob, yob)
    return _block(
        size,
        hh=at,
        order=_ORDER_NON_RELATIVE + _rank_in_household(at),
        rel=_full(size, r.NON_RELATIVE),
        sex=sex,
        age=age,
        yob=yob,
        pob=pob,
        yoa=yoa,
        prev=prev,
        reason=reason,
        mother_pob=mother,
        father_pob=father,
    )


def _household_batch(rng: np.random.Generator, n_households: int) -> Block:
    """All members of ``n_households`` households, sorted by household and role."""
    hh = _households(rng, n_households)
    heads = _heads(rng, hh)
    spouses = _spouses(rng, hh, heads)
    children = _children(rng, hh, heads, spouses)
    parents = _parents_of_head(rng, hh, heads)  # updates the heads' parents' birth countries
    relatives = _other_relatives(rng, hh, heads)
    lodgers = _non_relatives(rng, hh)
    persons = _concat([heads, spouses, children, parents, relatives, lodgers])
    persons = _take(persons, np.lexsort((persons["order"], persons["hh"])))
    at = persons["hh"]
    for key in ("region", "district", "move5", "moved1", "origin"):
        persons[key] = hh[key][at]
    # Relatives and lodgers do not always move with the family.
    own = np.flatnonzero(persons["rel"] >= r.OTHER_RELATIVE)
    own_move = r.draw_moves(rng, persons["age"][own], persons["region"][own])
    persons["move5"][own] = own_move
    persons["moved1"][own] = (own_move != r.SAME_DWELLING) & (
        rng.random(own.size) < r.MOVED_IN_LAST_YEAR
    )
    return persons


# --------------------------------------------------------------------------------------------
# The person questions
# --------------------------------------------------------------------------------------------


def _questions(rng: np.random.Generator, p: Block) -> dict[str, IntArray]:
    """Citizenship, region of birth, residence 1 and 5 years ago, education, disability."""
    n = p["age"].size
    age, pob, yoa, region = p["age"], p["pob"], p["yoa"], p["region"]
    native = pob == r.QUETZALIA
    foreign_born = ~native
    ever_abroad = yoa != r.NOT_APPLICABLE_YEAR
    arrived = np.where(ever_abroad, r.arrival_time(rng, yoa), np.inf)

    # Citizenship.
    cit = _full(n, r.QUETZALIA)
    acq = _full(n, r.BY_BIRTH)
    quetzalian_parent = (p["mother_pob"] == r.QUETZALIA) | (p["father_pob"] == r.QUETZALIA)
    descent = foreign_born & quetzalian_parent & (rng.random(n) < r.CITIZENSHIP_BY_DESCENT_TAKEUP)
    years = np.where(ever_abroad, r.REFERENCE_TIME - arrived, 0.0)
    naturalised = foreign_born & ~descent & (rng.random(n) < r.naturalisation_probability(years))
    foreign_citizen = foreign_born & ~descent & ~naturalised
    cit[foreign_citizen] = r.draw_foreign_citizenship(rng, pob[foreign_citizen])
    acq[foreign_citizen] = r.NOT_APPLICABLE
    acq[naturalised] = r.BY_NATURALISATION
    foreign_parents = (p["mother_pob"] != r.QUETZALIA) & (p["father_pob"] != r.QUETZALIA)
    reported_foreign = (
        native
        & (age < 18)
        & foreign_parents
        & (rng.random(n) < r.NATIVE_BORN_FOREIGN_CITIZEN_SHARE)
    )
    cit[reported_foreign] = r.draw_foreign_citizenship(rng, p["mother_pob"][reported_foreign])
    acq[reported_foreign] = r.NOT_APPLICABLE

    # Residence 5 years and 1 year ago.
    circular = rng.random(n) < r.CIRCULAR_MIGRANT_SHARE
    abroad5 = ever_abroad & (arrived > r.REFERENCE_TIME - 5) & ~circular
    abroad1 = ever_abroad & (arrived > r.REFERENCE_TIME - 1)
    move5, origin = p["move5"], p["origin"]
    res5 = np.select([age < 5, abroad5], [r.NOT_APPLICABLE, r.ABROAD], default=move5)
    moved1 = p["moved1"] == 1
    res1 = np.select(
        [age < 1, abroad1, moved1], [r.NOT_APPLICABLE, r.ABROAD, move5], default=r.SAME_DWELLING
    )

    def region_then(res: IntArray) -> IntArray:
        return np.select(
            [res == r.OTHER_REGION, res < r.OTHER_REGION],
            [origin, region],
            default=r.NOT_APPLICABLE_REGION,
        )

    def country_then(res: IntArray) -> IntArray:
        return np.where(res == r.ABROAD, p["prev"], r.NOT_APPLICABLE_COUNTRY)

    # Region of birth of the native-born.
    born_elsewhere = native & (rng.random(n) < r.lifetime_migrant_probability(age, region))
    region_birth = np.where(native, region, r.NOT_APPLICABLE_REGION)
    region_birth[born_elsewhere] = r.draw_origin_region(rng, region[born_elsewhere])
    came_from = native & (res5 == r.OTHER_REGION) & (rng.random(n) < r.BIRTH_REGION_IS_ORIGIN_SHARE)
    region_birth[came_from] = origin[came_from]

    educ = _full(n, r.NOT_APPLICABLE_EDUCATION)
    adult = age >= 15
    educ[adult] = r.draw_education(rng, age[adult], p["yob"][adult], pob[adult])
    disability = np.where(rng.random(n) < r.disability_probability(age), 1, 2)
    disability = np.where(age < 5, r.NOT_APPLICABLE, disability)

    return {
        "RELATIONSHIP": p["rel"],
        "REGION": region,
        "DISTRICT": p["district"],
        "SEX": p["sex"],
        "AGE": age,
        "YOB": p["yob"],
        "POB": pob,
        "REGION_BIRTH": _ints(region_birth),
        "CIT": cit,
        "CIT_ACQ": acq,
        "YOA": yoa,
        "RES1": _ints(res1),
        "REG1": _ints(region_then(res1)),
        "CNT1": _ints(country_then(res1)),
        "RES5": _ints(res5),
        "REG5": _ints(region_then(res5)),
        "CNT5": _ints(country_then(res5)),
        "REASON": p["reason"],
        "MOTHER_POB": p["mother_pob"],
        "FATHER_POB": p["father_pob"],
        "EDUC": educ,
        "DISABILITY": _ints(disability),
    }


# --------------------------------------------------------------------------------------------
# Dirt: not stated, codes in no list, impossible combinations
# --------------------------------------------------------------------------------------------


def _not_stated(rng: np.random.Generator, c: dict[str, IntArray]) -> None:
    """Blank answers at random inside each question's universe (in place)."""
    n = c["AGE"].size
    age = c["AGE"].copy()  # universes follow the true age, before AGE itself is blanked

    def blank(column: str, universe: BoolArray, code: int) -> BoolArray:
        hit = universe & (rng.random(n) < r.NOT_STATED_RATE[column])
        c[column][hit] = code
        return hit

    everyone = np.ones(n, dtype=np.bool_)
    blank("RELATIONSHIP", c["RELATIONSHIP"] != r.HEAD, r.NOT_STATED)
    blank("SEX", everyone, r.NOT_STATED)
    blank("AGE", everyone, r.NOT_STATED_AGE)
    blank("YOB", everyone, r.NOT_STATED_YEAR)
    native = c["POB"] == r.QUETZALIA
    hit = blank("POB", everyone, r.NOT_STATED_COUNTRY)
    c["REGION_BIRTH"][hit] = r.NOT_STATED_REGION
    blank("REGION_BIRTH", native & ~hit, r.NOT_STATED_REGION)
    hit = blank("CIT", everyone, r.NOT_STATED_COUNTRY)
    c["CIT_ACQ"][hit] = r.NOT_STATED
    blank("CIT_ACQ", c["CIT"] == r.QUETZALIA, r.NOT_STATED)
    ever_abroad = c["YOA"] != r.NOT_APPLICABLE_YEAR
    blank("YOA", ever_abroad, r.NOT_STATED_YEAR)
    blank("REASON", ever_abroad, r.NOT_STATED)
    for res, reg, cnt, min_age in (("RES1", "REG1", "CNT1", 1), ("RES5", "REG5", "CNT5", 5)):
        hit = blank(res, age >= min_age, r.NOT_STATED)
        c[reg][hit] = r.NOT_STATED_REGION
        c[cnt][hit] = r.NOT_STATED_COUNTRY
        blank(reg, (c[res] >= r.SAME_DWELLING) & (c[res] <= r.OTHER_REGION), r.NOT_STATED_REGION)
        blank(cnt, c[res] == r.ABROAD, r.NOT_STATED_COUNTRY)
    blank("MOTHER_POB", everyone, r.NOT_STATED_COUNTRY)
    blank("FATHER_POB", everyone, r.NOT_STATED_COUNTRY)
    blank("EDUC", age >= 15, r.NOT_STATED_EDUCATION)
    blank("DISABILITY", age >= 5, r.NOT_STATED)


def _pick(rng: np.random.Generator, candidates: BoolArray, rate: float) -> IntArray:
    pool = np.flatnonzero(candidates)
    count = min(r.dirt_count(rng, candidates.size, rate), pool.size)
    return np.sort(rng.choice(pool, size=count, replace=False)).astype(np.int64)


def _errors(rng: np.random.Generator, c: dict[str, IntArray], true_age: IntArray) -> None:
    """Codes in no code list and impossible combinations (in place)."""
    foreign_born = (c["POB"] != r.QUETZALIA) & (c["POB"] != r.NOT_STATED_COUNTRY)
    universes = {
        "POB": foreign_born,
        "CIT": (c["CIT_ACQ"] == r.NOT_APPLICABLE) & (c["CIT"] != r.NOT_STATED_COUNTRY),
        "EDUC": (c["EDUC"] <= 8),
        "SEX": c["SEX"] != r.NOT_STATED,
    }
    for column, (code, rate) in r.INVALID_CODES.items():
        c[column][_pick(rng, universes[column], rate)] = code

    stated_yob = c["YOB"] != r.NOT_STATED_YEAR
    hit = _pick(rng, foreign_born & stated_yob & (c["YOA"] < r.NOT_APPLICABLE_YEAR),
                r.YOA_BEFORE_YOB_RATE)  # fmt: skip
    c["YOA"][hit] = c["YOB"][hit] - rng.integers(1, 15, hit.size)
    never_abroad = (c["POB"] == r.QUETZALIA) & (c["YOA"] == r.NOT_APPLICABLE_YEAR)
    hit = _pick(rng, never_abroad & stated_yob, r.NATIVE_YOA_IS_YOB_RATE)
    c["YOA"][hit] = c["YOB"][hit]
    young = (true_age >= 1) & (true_age < 5) & (c["AGE"] != r.NOT_STATED_AGE)
    hit = _pick(rng, young & (c["RES5"] == r.NOT_APPLICABLE), r.RES5_STATED_UNDER_5_RATE)
    c["RES5"][hit] = r.SAME_DWELLING
    c["REG5"][hit] = c["REGION"][hit]
    c["CNT5"][hit] = r.NOT_APPLICABLE_COUNTRY


# --------------------------------------------------------------------------------------------
# Chunks and frames
# --------------------------------------------------------------------------------------------

SCHEMA: dict[str, type[pl.DataType]] = {
    name: pl.Int64 if name in ("PERSON_ID", "HH_ID") else pl.Int32 for name in r.COLUMNS
}
"""Polars dtypes of the columns: Int64 identifiers, Int32 codes."""


def empty_frame() -> pl.DataFrame:
    """A census frame with no rows and the full schema.

    Returns:
        An empty DataFrame with the columns of COLUMNS.spec.md.
    """
    return pl.DataFrame(schema=SCHEMA)


def build_chunk(
    rng: np.random.Generator, persons: int, first_person_id: int, first_household_id: int
) -> tuple[pl.DataFrame, int]:
    """Generate ``persons`` persons in whole households (the last one may be cut short).

    Args:
        rng: Random generator of this chunk.
        persons: Number of rows.
        first_person_id: PERSON_ID of the first row.
        first_household_id: HH_ID of the first household.

    Returns:
        The frame and the number of households in it.
    """
    batches: list[Block] = []
    total = 0
    n_households = 0
    while total < persons:
        size = int((persons - total) / _EXPECTED_PERSONS_PER_HOUSEHOLD * 1.03) + 16
        batch = _household_batch(rng, size)
        batch["hh"] += n_households
        n_households += size
        total += batch["hh"].size
        batches.append(batch)
    people = _take(_concat(batches), np.arange(persons))
    columns = _questions(rng, people)
    true_age = columns["AGE"].copy()
    _not_stated(rng, columns)
    _errors(rng, columns, true_age)
    used = int(people["hh"][-1]) + 1 if persons else 0
    data: dict[str, IntArray] = {
        "PERSON_ID": first_person_id + np.arange(persons, dtype=np.int64),
        "HH_ID": first_household_id + people["hh"],
    }
    data.update(columns)
    frame = pl.DataFrame([pl.Series(name, data[name], dtype=SCHEMA[name]) for name in r.COLUMNS])
    return frame, used


def iter_chunks(persons: int, seed: int, chunk_size: int) -> Iterator[pl.DataFrame]:
    """Yield the chunks of a census (arguments already validated).

    Each chunk has its own random stream, derived from (seed, chunk number).

    Args:
        persons: Total number of rows.
        seed: Non-negative seed.
        chunk_size: Rows per chunk (the last may be smaller).

    Yields:
        Census frames, PERSON_ID and HH_ID continuing across chunks.
    """
    next_person, next_household = 1, 1
    for number, start in enumerate(range(0, persons, chunk_size)):
        rows = min(chunk_size, persons - start)
        rng = np.random.default_rng([seed, number])
        frame, households = build_chunk(rng, rows, next_person, next_household)
        next_person += rows
        next_household += households
        yield frame
