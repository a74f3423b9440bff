"""A survey's sampling design, as the profile states it: ``[design]`` and ``[estimates]``.

The design says how the standard errors of weighted estimates are computed: Taylor
linearisation over strata and primary sampling units (PSUs), or replicate weights with the
method's scale factors, or not at all (``none``, with a note saying why). ``[estimates]`` says
at which confidence level margins of error are given and where the reliability flags fall.
The conventions are those of R's ``survey`` package (Lumley), the reference the tests compare
with: ``svydesign`` for Taylor designs (PSUs nested in strata, with-replacement first stage,
an optional finite population correction), ``svrepdesign`` for replicate weights
(variance = scale x sum_r rscales_r x (estimate_r - centre)^2).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from censusmig.specfile import Checker

TAYLOR = "taylor"
NONE = "none"
REPLICATE_METHODS = ("sdr", "fay", "brr", "jk1", "jkn", "bootstrap")
"""Replicate-weight methods: successive difference (as the ACS), Fay's BRR, BRR, delete-one
jackknife, stratified jackknife, bootstrap."""
METHODS = (TAYLOR, *REPLICATE_METHODS, NONE)

LONELY_PSU = ("fail", "certainty", "remove", "adjust", "average")
"""What a stratum with a single PSU contributes (R's ``survey.lonely.psu``): stop with an
error; nothing (a certainty PSU); nothing (left out); its PSU total squared, centred at zero
as R's "adjust" does; the average variance of the other strata."""

CENTRES = ("estimate", "replicate_mean")
"""Where replicate deviations are taken from: the full-sample estimate (R's ``mse = TRUE``,
the ACS and most statistical offices) or the mean of the replicates (R's default)."""

METHOD_NAMES: Mapping[str, str] = {
    TAYLOR: "Taylor linearisation",
    "sdr": "successive difference replication",
    "fay": "Fay's balanced repeated replication",
    "brr": "balanced repeated replication",
    "jk1": "delete-one jackknife (JK1)",
    "jkn": "stratified jackknife (JKn)",
    "bootstrap": "bootstrap replicate weights",
}

MAX_REPLICATES = 1_000
"""Most replicate weight columns a design may name."""

_RANGE = re.compile(r"^(?P<prefix>.*?)(?P<first>\d+)\s*\.\.\s*(?P<last_prefix>.*?)(?P<last>\d+)$")


@dataclass(frozen=True)
class Design:
    """How the standard errors of a weighted file's estimates are computed.

    Attributes:
        method: One of :data:`METHODS`.
        strata: Stratum column (taylor), or None for one stratum.
        psu: PSU column (taylor), or None: every record is then its own PSU.
        fpc: Finite population correction column (taylor): PSUs in the stratum's population,
            or the sampling fraction when every value is at most 1; None for none.
        lonely_psu: One of :data:`LONELY_PSU`.
        replicates: Replicate weight columns, in order (replicate methods).
        rho: Fay's coefficient (fay).
        scale: The multiplier of the summed squared deviations (the method's default or the
            profile's ``scale``).
        rscales: Per-replicate multipliers, one per replicate (0 leaves a replicate out, as
            R's JKn does for the replicates of a stratum sampled whole).
        centre: One of :data:`CENTRES`.
        note: Why there are no standard errors (``none``), or None.
    """

    method: str
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: str = "fail"
    replicates: tuple[str, ...] = ()
    rho: float | None = None
    scale: float = 1.0
    rscales: tuple[float, ...] = ()
    centre: str = "estimate"
    note: str | None = None

    @property
    def computes_errors(self) -> bool:
        """True when the design gives standard errors (every method but ``none``)."""
        return self.method != NONE

    def columns(self) -> tuple[str, ...]:
        """The data columns the design reads."""
        named = (self.strata, self.psu, self.fpc, *self.replicates)
        return tuple(name for name in named if name)

    def keys(self) -> dict[str, str]:
        """Each column -> its key in the profile (for messages about missing columns)."""
        keys = {
            name: f"design.{key}"
            for key, name in (("strata", self.strata), ("psu", self.psu), ("fpc", self.fpc))
            if name
        }
        for name in self.replicates:
            keys.setdefault(name, "design.replicate_weights")
        return keys

    def describe(self) -> str:
        """The method in words, for notes and the run record."""
        if self.method == NONE:
            return "none"
        name = METHOD_NAMES[self.method]
        if self.method == TAYLOR:
            parts = [name]
            parts.append(f"strata {self.strata}" if self.strata else "one stratum")
            parts.append(f"PSUs {self.psu}" if self.psu else "every record its own PSU")
            parts.append("with a finite population correction" if self.fpc else "with replacement")
            parts.append(f"single-PSU strata: {self.lonely_psu}")
            return ", ".join(parts)
        text = f"{name}, {len(self.replicates)} replicates, scale {self.scale:.6g}"
        if self.rho is not None:
            text += f", rho {self.rho:g}"
        if any(value != 1.0 for value in self.rscales):
            text += ", replicate factors as stated"
        centre = "full-sample estimate" if self.centre == "estimate" else "replicate mean"
        return f"{text}, deviations from the {centre}"


@dataclass(frozen=True)
class Estimates:
    """Margins of error and reliability flags (``[estimates]``).

    Attributes:
        confidence: Confidence level of margins of error and intervals.
        cv_caution: Coefficient of variation (percent) above which a value is flagged ``E``.
        cv_unreliable: Coefficient of variation (percent) above which it is flagged ``F``.
        min_unweighted: Fewest sample records for a value not flagged ``F``.
    """

    confidence: float = 0.90
    cv_caution: float = 15.0
    cv_unreliable: float = 30.0
    min_unweighted: int = 30

    @property
    def z(self) -> float:
        """The standard normal quantile of the confidence level (1.6449 at 90%)."""
        return NormalDist().inv_cdf((1 + self.confidence) / 2)


_DESIGN_KEYS = (
    "method",
    "strata",
    "psu",
    "fpc",
    "lonely_psu",
    "replicate_weights",
    "rho",
    "scale",
    "rscales",
    "center",
    "note",
)
_TAYLOR_KEYS = ("strata", "psu", "fpc", "lonely_psu")
_REPLICATE_KEYS = ("replicate_weights", "rho", "scale", "rscales", "center")
_ESTIMATES_KEYS = ("confidence", "cv_caution", "cv_unreliable", "min_unweighted")


def read_design(
    check: Checker, document: Mapping[str, Any], weight: str | None
) -> tuple[Design | None, Estimates]:
    """``[design]`` and ``[estimates]``, every problem recorded on ``check``.

    Args:
        check: The profile's problem collector.
        document: The parsed profile.
        weight: The profile's weight column (a design needs one).

    Returns:
        The design (None when the profile has no ``[design]``) and the estimates' settings.
    """
    estimates = _read_estimates(check, document)
    if "design" not in document:
        return None, estimates
    table = check.table(document, "design", "")
    check.unknown_keys(table, _DESIGN_KEYS, "design")
    method = table.get("method")
    if method not in METHODS:
        check.add(
            "design.method",
            "is required: one of the methods" if method is None else "unknown method",
            method,
            METHODS,
        )
        return None, estimates
    if weight is None:
        check.add("design", "a sampling design needs the weight column ([data] weight)")
    misplaced = {
        TAYLOR: _REPLICATE_KEYS + ("note",),
        NONE: _TAYLOR_KEYS + _REPLICATE_KEYS,
    }.get(method, _TAYLOR_KEYS + ("note",))
    for key in misplaced:
        if key in table:
            check.add(f"design.{key}", f"does not apply to method {method!r}", key)
    if method == NONE:
        note = check.string(table, "note", "design")
        return Design(NONE, note=note), estimates
    if method == TAYLOR:
        lonely = table.get("lonely_psu", "fail")
        if lonely not in LONELY_PSU:
            check.add("design.lonely_psu", "unknown option", lonely, LONELY_PSU)
            lonely = "fail"
        return (
            Design(
                TAYLOR,
                strata=check.string(table, "strata", "design", required=False),
                psu=check.string(table, "psu", "design", required=False),
                fpc=check.string(table, "fpc", "design", required=False),
                lonely_psu=str(lonely),
            ),
            estimates,
        )
    return _read_replicates(check, table, method), estimates


def _read_replicates(check: Checker, table: Mapping[str, Any], method: str) -> Design | None:
    replicates = replicate_columns(check, table.get("replicate_weights"))
    count = len(replicates)
    rho = None
    if method == "fay":
        rho = _number(check, table, "rho", None, low=0.0, high=1.0, open_high=True)
        if rho is None and "rho" not in table:
            check.add("design.rho", "is required for method 'fay' (Fay's coefficient, e.g. 0.5)")
    elif "rho" in table:
        check.add("design.rho", f"applies to method 'fay' only, not {method!r}", table["rho"])
    centre = table.get("center", "estimate")
    if centre not in CENTRES:
        check.add("design.center", "unknown option", centre, CENTRES)
        centre = "estimate"
    rscales = _rscales(check, table.get("rscales"), count)
    if method == "jkn" and "rscales" not in table:
        check.add(
            "design.rscales",
            "is required for method 'jkn': each replicate's factor (n_h - 1) / n_h, "
            "a list with one number per replicate",
        )
    default = _default_scale(method, count, rho)
    scale = _number(check, table, "scale", default, low=0.0, open_low=True)
    if not replicates or scale is None:
        return None
    return Design(
        method,
        replicates=replicates,
        rho=rho,
        scale=scale,
        rscales=rscales or (1.0,) * count,
        centre=str(centre),
    )


def _default_scale(method: str, replicates: int, rho: float | None) -> float:
    """The method's multiplier of the summed squared deviations (R's ``svrepdesign``)."""
    if replicates == 0:
        return 1.0
    return {
        "sdr": 4 / replicates,
        "brr": 1 / replicates,
        "fay": 1 / (replicates * (1 - (rho or 0.0)) ** 2),
        "jk1": (replicates - 1) / replicates,
        "jkn": 1.0,
        "bootstrap": 1 / max(replicates - 1, 1),
    }[method]


def replicate_columns(check: Checker, written: object) -> tuple[str, ...]:
    """The replicate weight columns: a range ``"RW1..RW80"`` (``"RW01..RW80"``) or a list.

    Args:
        check: Problem collector.
        written: The value of ``design.replicate_weights``.

    Returns:
        The columns, in order; empty when the value is invalid (a problem is recorded).
    """
    key = "design.replicate_weights"
    example = 'such as "RWGT1..RWGT80" or ["RW1", "RW2", ...]'
    if isinstance(written, list):
        if not written or not all(isinstance(item, str) and item.strip() for item in written):
            check.add(key, f"must be a list of column names {example}", written)
            return ()
        columns = tuple(written)
    elif isinstance(written, str):
        match = _RANGE.match(written.strip())
        if match is None or match["prefix"] != match["last_prefix"]:
            check.add(key, f"must be a numbered range of columns {example}", written)
            return ()
        first, last = match["first"], match["last"]
        width = len(first) if first.startswith("0") and len(first) > 1 else 0
        low, high = int(first), int(last)
        if high < low or high - low + 1 > MAX_REPLICATES:
            check.add(key, f"a range from a lower to a higher number, {example}", written)
            return ()
        columns = tuple(f"{match['prefix']}{number:0{width}d}" for number in range(low, high + 1))
    else:
        check.add(
            key,
            "is required: the replicate weight columns"
            if written is None
            else f"must be {example}",
            written,
        )
        return ()
    if len(columns) < 2 or len(columns) > MAX_REPLICATES:
        check.add(key, f"must name 2 to {MAX_REPLICATES:,} columns", len(columns))
        return ()
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        check.add(key, "names a column twice", repeated[0])
        return ()
    return columns


def _rscales(check: Checker, written: object, count: int) -> tuple[float, ...]:
    key = "design.rscales"
    if written is None:
        return ()
    if _is_number(written):
        values: list[object] = [written] * count
    elif isinstance(written, list):
        values = list(written)
    else:
        check.add(key, "must be a number or a list of numbers, one per replicate", written)
        return ()
    if count and len(values) != count:
        check.add(key, f"must have one number per replicate ({count:,})", len(values))
        return ()
    if not all(_is_number(v) and math.isfinite(float(v)) and float(v) >= 0 for v in values):  # type: ignore[arg-type]
        check.add(key, "must be numbers of 0 or more", written)
        return ()
    if not any(float(v) > 0 for v in values):  # type: ignore[arg-type]
        check.add(key, "must have a replicate with a multiplier above 0", written)
        return ()
    return tuple(float(v) for v in values)  # type: ignore[arg-type]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(
    check: Checker,
    table: Mapping[str, Any],
    key: str,
    default: float | None,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    path: str = "design",
) -> float | None:
    """A number in [low, high] (open ends as asked), or the default when absent."""
    if key not in table:
        return default
    value = table[key]
    bounds = []
    if low is not None:
        bounds.append(f"{'above' if open_low else 'at least'} {low:g}")
    if high is not None:
        bounds.append(f"{'below' if open_high else 'at most'} {high:g}")
    if not _is_number(value) or not math.isfinite(float(value)):
        check.add(f"{path}.{key}", "must be a number " + " and ".join(bounds), value)
        return None
    number = float(value)
    too_low = low is not None and (number <= low if open_low else number < low)
    too_high = high is not None and (number >= high if open_high else number > high)
    if too_low or too_high:
        check.add(f"{path}.{key}", "must be " + " and ".join(bounds), value)
        return None
    return number


def _read_estimates(check: Checker, document: Mapping[str, Any]) -> Estimates:
    if "estimates" not in document:
        return Estimates()
    table = check.table(document, "estimates", "")
    check.unknown_keys(table, _ESTIMATES_KEYS, "estimates")
    base = Estimates()
    confidence = _number(
        check,
        table,
        "confidence",
        base.confidence,
        low=0.5,
        high=1.0,
        open_high=True,
        path="estimates",
    )
    caution = _number(
        check, table, "cv_caution", base.cv_caution, low=0.0, open_low=True, path="estimates"
    )
    unreliable = _number(
        check, table, "cv_unreliable", base.cv_unreliable, low=0.0, open_low=True, path="estimates"
    )
    minimum = table.get("min_unweighted", base.min_unweighted)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        check.add("estimates.min_unweighted", "must be a whole number, 0 or more", minimum)
        minimum = base.min_unweighted
    if caution is not None and unreliable is not None and caution > unreliable:
        check.add(
            "estimates.cv_caution",
            f"must not be above cv_unreliable ({unreliable:g})",
            caution,
        )
    return Estimates(
        confidence=confidence if confidence is not None else base.confidence,
        cv_caution=caution if caution is not None else base.cv_caution,
        cv_unreliable=unreliable if unreliable is not None else base.cv_unreliable,
        min_unweighted=int(minimum),
    )
