from __future__ import annotations

from censusmig.classifications import countries
from censusmig.classifications.categories import AGE_5Y, SEX


def test_numeric_codes_match_with_and_without_leading_zeros() -> None:
    numeric = countries.code_map("iso3166-numeric")
    assert numeric["32"] == "ARG"
    assert numeric[countries.normalise_numeric("032")] == "ARG"
    assert numeric["4"] == "AFG"


def test_historic_codes_are_their_own_categories() -> None:
    numeric = countries.code_map("iso3166-numeric")
    assert numeric["810"] == "SUN"
    assert numeric["891"] == "YUG"  # the older of two historic countries sharing 891
    assert numeric["200"] == "CSK"
    assert numeric["104"] == "MMR"  # reused by a current country: the current one wins
    assert countries.countries()["SUN"].historic


def test_every_current_country_has_an_m49_region_except_antarctica() -> None:
    table = countries.countries()
    missing = sorted(c.alpha3 for c in table.values() if not c.historic and not c.region)
    assert missing == ["ATA", "XXA"]  # Antarctica, and the code for stateless persons
    assert table["GTM"].region == "019"
    assert table["ESP"].region == "150"
    assert table["SUN"].region == "150"


def test_alpha2_and_alpha3_maps() -> None:
    assert countries.code_map("iso3166-alpha2")["BO"] == "BOL"
    assert countries.code_map("iso3166-alpha3")["BOL"] == "BOL"


def test_age_groups_follow_sdmx_codes() -> None:
    assert AGE_5Y.codes[0] == "Y0T4"
    assert AGE_5Y.codes[-1] == "Y_GE85"
    assert len(AGE_5Y.codes) == 18
    assert AGE_5Y.labels()["_T"] == "Total, all ages"
    assert SEX.labels()["_T"] == "Both sexes"
