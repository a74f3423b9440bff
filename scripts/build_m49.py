"""Build src/censusmig/classifications/data/m49.csv, the UN M49 country -> region table.

Run once by hand (``pip install country_converter``; it is not a dependency of censusmig):
the country-to-sub-region assignment comes from country_converter's table, which follows the
UN M49 standard (https://unstats.un.org/unsd/methodology/m49/); the M49 region, sub-region and
intermediate-region codes and names are the UN's. The output is committed and reviewed in diffs.
"""

import csv
import importlib.resources
from pathlib import Path

# M49 name of the finest grouping in country_converter -> (region, sub-region, intermediate region)
GROUPS: dict[str, tuple[str, str, str]] = {
    "Eastern Africa": ("002", "202", "014"),
    "Middle Africa": ("002", "202", "017"),
    "Southern Africa": ("002", "202", "018"),
    "Western Africa": ("002", "202", "011"),
    "Northern Africa": ("002", "015", ""),
    "Caribbean": ("019", "419", "029"),
    "Central America": ("019", "419", "013"),
    "South America": ("019", "419", "005"),
    "Northern America": ("019", "021", ""),
    "Central Asia": ("142", "143", ""),
    "Eastern Asia": ("142", "030", ""),
    "South-eastern Asia": ("142", "035", ""),
    "Southern Asia": ("142", "034", ""),
    "Western Asia": ("142", "145", ""),
    "Eastern Europe": ("150", "151", ""),
    "Northern Europe": ("150", "154", ""),
    "Southern Europe": ("150", "039", ""),
    "Western Europe": ("150", "155", ""),
    "Australia and New Zealand": ("009", "053", ""),
    "Melanesia": ("009", "054", ""),
    "Micronesia": ("009", "057", ""),
    "Polynesia": ("009", "061", ""),
}

# ISO 3166-3 historic codes, placed by the territory they covered (kept as their own categories)
HISTORIC: dict[str, tuple[str, str, str]] = {
    "AFI": ("002", "202", "014"),
    "ANT": ("019", "419", "029"),
    "BUR": ("142", "035", ""),
    "BYS": ("150", "151", ""),
    "CSK": ("150", "151", ""),
    "CTE": ("009", "057", ""),
    "DDR": ("150", "155", ""),
    "DHY": ("002", "202", "011"),
    "FXX": ("150", "155", ""),
    "GEL": ("009", "057", ""),
    "HVO": ("002", "202", "011"),
    "JTN": ("009", "057", ""),
    "MID": ("009", "057", ""),
    "NHB": ("009", "054", ""),
    "NTZ": ("142", "145", ""),
    "PCI": ("009", "057", ""),
    "PCZ": ("019", "419", "013"),
    "PUS": ("009", "057", ""),
    "RHO": ("002", "202", "014"),
    "SCG": ("150", "039", ""),
    "SKM": ("142", "034", ""),
    "SUN": ("150", "151", ""),
    "TMP": ("142", "035", ""),
    "VDR": ("142", "035", ""),
    "WAK": ("009", "057", ""),
    "YMD": ("142", "145", ""),
    "YUG": ("150", "039", ""),
    "ZAR": ("002", "202", "017"),
}


def main() -> None:
    source = importlib.resources.files("country_converter") / "country_data.tsv"
    rows = list(csv.DictReader(source.open(encoding="utf-8"), delimiter="\t"))
    out = Path(__file__).parents[1] / "src/censusmig/classifications/data/m49.csv"
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alpha3", "region", "subregion", "intermediate_region"])
        table = {r["ISO3"]: GROUPS[r["UNregion"]] for r in rows if r["UNregion"] in GROUPS}
        table.update(HISTORIC)
        for alpha3 in sorted(table):
            writer.writerow([alpha3, *table[alpha3]])


if __name__ == "__main__":
    main()
