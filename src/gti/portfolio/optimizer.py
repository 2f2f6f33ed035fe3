"""Choose which proposals to fund: an exact optimiser beside the committee's rank-and-fill.

Pure Python on plain data; no Django. The model, for proposals i with value v_i and ERDF a_i:

    maximise   Σ v_i x_i  (+ Σ v_i y_i / a_i for a scalable proposal, funded y_i)
    such that  Σ_{i in e} a_i x_i (or y_i) ≤ amount_e          for every envelope e
               Σ_{i in m} x_i ≥ count_m                          for every minimum m
               x_i + x_j ≤ 1                                     i excludes j
               x_i ≤ x_j                                         i requires j
               min_i x_i ≤ y_i ≤ a_i x_i                         i scalable
               x_i ∈ {0, 1}

solved by SciPy's `milp` (HiGHS) to a relative gap of at most 1e-6. The matrix is built with
NumPy and SciPy sparse arrays, never with Python loops over pairs of proposals.

Money is `Decimal` in euro, never float: amounts are read as decimals, summed in whole cents, and
the amounts of a result are exact cents. Only the solver's copy of the model is floating point
(HiGHS works in doubles); a scalable proposal's amount comes back from it floored to the cent.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

GAP = 1e-6
SCALE = 1000.0  # money enters the model in thousands of euro: coefficients stay near 1
CENT = Decimal("0.01")


class InstanceError(ValueError):
    """An invalid instance; the message names the place, e.g. `proposals[3].erdf`."""


@dataclass
class Proposal:
    id: str
    city: str | None
    priority: str | None
    theme: str | None
    areas: list[str]
    score: float
    erdf: Decimal
    value: float
    min_erdf: Decimal | None = None  # set: scalable between min_erdf and erdf
    excludes: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)

    @property
    def scalable(self) -> bool:
        return self.min_erdf is not None


@dataclass
class Envelope:
    id: str
    amount: Decimal
    city: str | None = None
    priority: str | None = None
    theme: str | None = None


@dataclass
class Minimum:
    id: str
    count: int
    city: str | None = None
    priority: str | None = None
    theme: str | None = None
    area: str | None = None


@dataclass
class Instance:
    proposals: list[Proposal]
    envelopes: list[Envelope]
    minimums: list[Minimum]


# --- reading an instance ----------------------------------------------------------------------


def _number(data: dict, key: str, where: str, *, required=True, minimum=0.0) -> float | None:
    if key not in data or data[key] is None:
        if required:
            raise InstanceError(f"{where}.{key}: missing")
        return None
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InstanceError(f"{where}.{key}: not a number: {value!r}")
    if not math.isfinite(value):
        raise InstanceError(f"{where}.{key}: not a finite number")
    if minimum is not None and value < minimum:
        raise InstanceError(f"{where}.{key}: must not be negative ({value})")
    return float(value)


def _money(data: dict, key: str, where: str, *, required=True) -> Decimal | None:
    """An amount in euro, exact to the cent: a JSON number (read as a decimal) or, as the app
    stores amounts, a decimal string."""
    if data.get(key) is None:
        if required:
            raise InstanceError(f"{where}.{key}: missing")
        return None
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise InstanceError(f"{where}.{key}: not a number: {value!r}")
    try:
        # a float from plain json.loads: its shortest repr is the decimal that was written
        amount = Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise InstanceError(f"{where}.{key}: not a number: {value!r}") from None
    if not amount.is_finite():
        raise InstanceError(f"{where}.{key}: not a finite number")
    if amount < 0:
        raise InstanceError(f"{where}.{key}: must not be negative ({value})")
    if amount != amount.quantize(CENT, rounding=ROUND_FLOOR):
        raise InstanceError(f"{where}.{key}: more than two decimals ({value})")
    return amount.quantize(CENT)


def cents(amount) -> int:
    """Whole cents of an amount in euro (exact for the two-decimal amounts of an instance)."""
    return int(Decimal(amount if not isinstance(amount, float) else repr(amount)) * 100)


def euro(amount_in_cents) -> Decimal:
    return (Decimal(int(amount_in_cents)) / 100).quantize(CENT)


def _text(data: dict, key: str, where: str, *, required=False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise InstanceError(f"{where}.{key}: missing")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InstanceError(f"{where}.{key}: expected text, got {value!r}")
    return str(value)


def _list(data: dict, key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise InstanceError(f"{where}.{key}: expected a list")
    return [str(v) for v in value]


def _new_id(item, where: str, seen: set) -> str:
    """The id of an envelope or minimum; ids are unique across both (constraint ids)."""
    if not isinstance(item, dict):
        raise InstanceError(f"{where}: expected an object")
    item_id = _text(item, "id", where, required=True)
    if item_id in seen:
        raise InstanceError(f"{where}.id: duplicate id {item_id!r}")
    seen.add(item_id)
    return item_id


def alternatives(props: list[Proposal]) -> dict[str, set[str]]:
    """Each proposal's alternatives: an exclusion holds both ways, whoever named it."""
    excluded_by = {p.id: set(p.excludes) for p in props}
    for p in props:
        for o in p.excludes:
            excluded_by[o].add(p.id)
    return excluded_by


def parse_instance(data) -> Instance:
    """Check and read an instance (already decoded from JSON); raise InstanceError at the
    first problem, naming its place."""
    if not isinstance(data, dict):
        raise InstanceError("(instance): expected a JSON object")
    for key in ("proposals", "envelopes", "minimums"):
        if key in data and not isinstance(data[key], list):
            raise InstanceError(f"{key}: expected a list")
    if "proposals" not in data:
        raise InstanceError("proposals: missing")
    proposals, ids = [], set()
    for n, p in enumerate(data["proposals"]):
        where = f"proposals[{n}]"
        if not isinstance(p, dict):
            raise InstanceError(f"{where}: expected an object")
        pid = _text(p, "id", where, required=True)
        if pid in ids:
            raise InstanceError(f"{where}.id: duplicate id {pid!r}")
        ids.add(pid)
        score = _number(p, "score", where, minimum=None)
        erdf = _money(p, "erdf", where)
        min_erdf = _money(p, "min_erdf", where, required=False)
        if min_erdf is not None and min_erdf > erdf:
            raise InstanceError(f"{where}.min_erdf: above erdf ({min_erdf} > {erdf})")
        value = _number(p, "value", where, required=False, minimum=None)
        areas = _list(p, "areas", where)
        proposals.append(
            Proposal(
                id=pid,
                city=_text(p, "city", where),
                priority=_text(p, "priority", where),
                theme=_text(p, "theme", where),
                areas=areas,
                score=score,
                erdf=erdf,
                value=score if value is None else value,
                min_erdf=min_erdf,
                excludes=_list(p, "excludes", where),
                requires=_list(p, "requires", where),
            )
        )
    for n, p in enumerate(proposals):
        for key in ("excludes", "requires"):
            for m, other in enumerate(getattr(p, key)):
                if other not in ids:
                    raise InstanceError(f"proposals[{n}].{key}[{m}]: unknown id {other!r}")
                if other == p.id:
                    raise InstanceError(f"proposals[{n}].{key}[{m}]: refers to itself")
    envelopes, seen = [], set()
    for n, e in enumerate(data.get("envelopes", [])):
        where = f"envelopes[{n}]"
        eid = _new_id(e, where, seen)
        envelopes.append(
            Envelope(
                id=eid,
                amount=_money(e, "amount", where),
                city=_text(e, "city", where),
                priority=_text(e, "priority", where),
                theme=_text(e, "theme", where),
            )
        )
    minimums = []
    for n, m in enumerate(data.get("minimums", [])):
        where = f"minimums[{n}]"
        mid = _new_id(m, where, seen)
        count = _number(m, "count", where)
        if count != int(count):
            raise InstanceError(f"{where}.count: must be a whole number")
        minimums.append(
            Minimum(
                id=mid,
                count=int(count),
                city=_text(m, "city", where),
                priority=_text(m, "priority", where),
                theme=_text(m, "theme", where),
                area=_text(m, "area", where),
            )
        )
    return Instance(proposals, envelopes, minimums)


def load(text: str) -> Instance:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise InstanceError(f"(file): not JSON: {where}: {exc.msg}") from None
    return parse_instance(data)


def dumps(result: dict) -> str:
    """The result as JSON, amounts as JSON numbers. A two-decimal amount below 10^13 euro has at
    most 15 significant digits, so the number written is exactly its decimal text."""

    def number(value):
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        raise TypeError(f"not JSON: {value!r}")

    return json.dumps(result, ensure_ascii=False, indent=2, default=number)


# --- the model --------------------------------------------------------------------------------


class Matcher:
    """Vectorised 'applies to' masks: an envelope or minimum applies to the proposals that match
    every key it gives."""

    def __init__(self, proposals: list[Proposal]):
        self.n = len(proposals)
        self.columns = {
            key: np.array([getattr(p, key) or "" for p in proposals], dtype=object)
            for key in ("city", "priority", "theme")
        }
        self.area_index: dict[str, list[int]] = {}
        for i, p in enumerate(proposals):
            for area in p.areas:
                self.area_index.setdefault(area, []).append(i)

    def mask(self, rule) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        for key, column in self.columns.items():
            wanted = getattr(rule, key, None)
            if wanted is not None:
                mask &= column == wanted
        area = getattr(rule, "area", None)
        if area is not None:
            in_area = np.zeros(self.n, dtype=bool)
            in_area[self.area_index.get(area, [])] = True
            mask &= in_area
        return mask


@dataclass
class Model:
    """The MILP in SciPy's terms, and what is needed to read its solution back."""

    c: np.ndarray
    integrality: np.ndarray
    bounds: Bounds
    A: sparse.csr_array
    lb: np.ndarray
    ub: np.ndarray
    row_ids: list[str]  # constraint id per row ("" for the rows that link amounts)
    scalable: np.ndarray  # proposal index of each y variable
    masks: dict[str, np.ndarray]


def exclusion_pairs(inst: Instance, index: dict[str, int]) -> np.ndarray:
    pairs = {tuple(sorted((i, index[o]))) for i, p in enumerate(inst.proposals) for o in p.excludes}
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def requirement_pairs(inst: Instance, index: dict[str, int]) -> np.ndarray:
    pairs = [(i, index[r]) for i, p in enumerate(inst.proposals) for r in p.requires]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _kept(pairs: np.ndarray, kind: str, props, skip) -> tuple[np.ndarray, list[str]]:
    """The pairs whose constraint id (`kind:a:b`) is not skipped, with those ids."""
    ids = [f"{kind}:{props[a].id}:{props[b].id}" for a, b in pairs]
    keep = np.array([i not in skip for i in ids], dtype=bool).reshape(-1)
    return pairs[keep], [i for i, k in zip(ids, keep, strict=True) if k]


def build(inst: Instance, matcher: Matcher | None = None, skip: frozenset = frozenset()) -> Model:
    """The MILP for `inst`, leaving out the constraints whose ids are in `skip`."""
    props = inst.proposals
    n = len(props)
    index = {p.id: i for i, p in enumerate(props)}
    matcher = matcher or Matcher(props)
    # the solver's floating-point copy of the amounts
    erdf = np.array([cents(p.erdf) for p in props], dtype=float) / (SCALE * 100)
    value = np.array([p.value for p in props])
    scalable = np.array([i for i, p in enumerate(props) if p.scalable], dtype=np.int64)
    s = len(scalable)
    minimum_amount = np.array([cents(props[i].min_erdf) for i in scalable], dtype=float) / (
        SCALE * 100
    )
    is_scalable = np.zeros(n, dtype=bool)
    is_scalable[scalable] = True
    y_of = np.full(n, -1, dtype=np.int64)
    y_of[scalable] = n + np.arange(s)

    c = np.zeros(n + s)
    c[:n] = np.where(is_scalable, 0.0, -value)
    safe = np.where(erdf[scalable] > 0, erdf[scalable], 1.0)
    c[n:] = -value[scalable] / safe
    integrality = np.concatenate([np.ones(n), np.zeros(s)])
    bounds = Bounds(np.zeros(n + s), np.concatenate([np.ones(n), erdf[scalable]]))

    rows, cols, vals, lb, ub, row_ids = [], [], [], [], [], []
    masks = {}
    r = 0

    def add(block_rows, block_cols, block_vals, lower, upper, ids):
        nonlocal r
        rows.append(np.asarray(block_rows) + r)
        cols.append(np.asarray(block_cols))
        vals.append(np.asarray(block_vals, dtype=float))
        lb.append(np.asarray(lower, dtype=float))
        ub.append(np.asarray(upper, dtype=float))
        row_ids.extend(ids)
        r += len(ids)

    for e in inst.envelopes:
        mask = matcher.mask(e)
        masks[e.id] = mask
        if e.id in skip:
            continue
        members = np.flatnonzero(mask)
        var = np.where(is_scalable[members], y_of[members], members)
        coef = np.where(is_scalable[members], 1.0, erdf[members])
        add(np.zeros(len(members)), var, coef, [-np.inf], [cents(e.amount) / (SCALE * 100)],
            [e.id])  # fmt: skip
    for m in inst.minimums:
        mask = matcher.mask(m)
        masks[m.id] = mask
        if m.id in skip:
            continue
        members = np.flatnonzero(mask)
        add(np.zeros(len(members)), members, np.ones(len(members)), [m.count], [np.inf], [m.id])
    ex, ex_ids = _kept(exclusion_pairs(inst, index), "exclusion", props, skip)
    if len(ex):
        k = len(ex)
        add(np.repeat(np.arange(k), 2), ex.ravel(), np.ones(2 * k), np.full(k, -np.inf),
            np.ones(k), ex_ids)  # fmt: skip
    req, req_ids = _kept(requirement_pairs(inst, index), "requires", props, skip)
    if len(req):
        k = len(req)
        # x_a - x_b ≤ 0
        add(np.repeat(np.arange(k), 2), req.ravel(), np.tile([1.0, -1.0], k),
            np.full(k, -np.inf), np.zeros(k), req_ids)  # fmt: skip
    if s:
        # y_i - a_i x_i ≤ 0 and y_i - min_i x_i ≥ 0
        idx = np.arange(s)
        add(np.repeat(idx, 2), np.column_stack([n + idx, scalable]).ravel(),
            np.column_stack([np.ones(s), -erdf[scalable]]).ravel(),
            np.full(s, -np.inf), np.zeros(s), [""] * s)  # fmt: skip
        add(np.repeat(idx, 2), np.column_stack([n + idx, scalable]).ravel(),
            np.column_stack([np.ones(s), -minimum_amount]).ravel(),
            np.zeros(s), np.full(s, np.inf), [""] * s)  # fmt: skip
    if rows:
        A = sparse.csr_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(r, n + s),
        )
        lower, upper = np.concatenate(lb), np.concatenate(ub)
    else:
        A, lower, upper = sparse.csr_array((0, n + s)), np.zeros(0), np.zeros(0)
    return Model(c, integrality, bounds, A, lower, upper, row_ids, scalable, masks)


def _solve(model: Model, time_limit: float):
    constraints = [LinearConstraint(model.A, model.lb, model.ub)] if model.A.shape[0] else []
    start = time.perf_counter()
    result = milp(
        model.c,
        integrality=model.integrality,
        bounds=model.bounds,
        constraints=constraints,
        options={"disp": False, "mip_rel_gap": GAP, "time_limit": time_limit},
    )
    return result, time.perf_counter() - start


# --- rank-and-fill ----------------------------------------------------------------------------


def rank_and_fill(inst: Instance, matcher: Matcher | None = None) -> dict:
    """The committee's way: rank by value, take each proposal that still fits every envelope,
    exclusion and dependency (a scalable one may take less, down to its minimum)."""
    matcher = matcher or Matcher(inst.proposals)
    props = inst.proposals
    member_of = [[] for _ in props]
    remaining = []
    for k, e in enumerate(inst.envelopes):
        remaining.append(e.amount)
        for i in np.flatnonzero(matcher.mask(e)):
            member_of[i].append(k)
    excluded_by = alternatives(props)
    chosen: dict[str, Decimal] = {}
    order = sorted(range(len(props)), key=lambda i: (-props[i].value, props[i].id))
    for i in order:
        p = props[i]
        if p.value <= 0 or excluded_by[p.id] & chosen.keys():
            continue
        if any(r not in chosen for r in p.requires):
            continue
        room = min((remaining[k] for k in member_of[i]), default=None)
        amount = p.erdf if room is None or room >= p.erdf else (room if p.scalable else None)
        if amount is None or (p.scalable and amount < p.min_erdf):
            continue
        for k in member_of[i]:
            remaining[k] -= amount
        chosen[p.id] = amount
    value = sum(_value_of(props[i], chosen[props[i].id]) for i in order if props[i].id in chosen)
    unmet = [m.id for m in inst.minimums if _count(inst, matcher, m, chosen) < m.count]
    return {
        "objective": round(value, 6),
        "selected": [{"id": pid, "erdf": a} for pid, a in chosen.items()],
        "meets_minimums": not unmet,
        "unmet_minimums": unmet,
    }


def _value_of(p: Proposal, amount: Decimal) -> float:
    if p.scalable and p.erdf > 0:
        return p.value * float(amount / p.erdf)  # a share of the value, not money
    return p.value


def _count(inst, matcher, minimum, chosen) -> int:
    mask = matcher.mask(minimum)
    return sum(1 for i, p in enumerate(inst.proposals) if mask[i] and p.id in chosen)


# --- solving and explaining -------------------------------------------------------------------


@dataclass
class Timing:
    total: float = 0.0
    solver: float = 0.0


def solve(
    inst: Instance,
    *,
    time_limit: float = 120.0,
    explain: bool = True,
    progress: Callable[[str], None] | None = None,
    timing: Timing | None = None,
) -> dict:
    """The optimal portfolio, rank-and-fill beside it, and the explanations."""
    started = time.perf_counter()
    timing = timing if timing is not None else Timing()
    say = progress or (lambda message: None)
    if not inst.proposals:
        unmet = [m.id for m in inst.minimums if m.count > 0]
        timing.total += time.perf_counter() - started
        empty = {"objective": 0.0, "selected": [], "meets_minimums": not unmet,
                 "unmet_minimums": unmet}  # fmt: skip
        return {
            "status": "infeasible" if unmet else "optimal",
            "objective": None if unmet else 0.0,
            "gap": None if unmet else 0.0,
            "selected": [],
            "binding": unmet,
            # without proposals any one unmet minimum is a conflict on its own: a minimal set
            **({"conflicting": unmet[:1]} if unmet else {}),
            "explanations": {},
            "greedy": empty,
        }
    matcher = Matcher(inst.proposals)
    say(f"building the model: {len(inst.proposals)} proposals")
    model = build(inst, matcher)
    say(f"solving: {model.A.shape[0]} constraints, {model.c.size} variables")
    result, solver_time = _solve(model, time_limit)
    timing.solver += solver_time
    greedy = rank_and_fill(inst, matcher)
    if result.status == 2:
        say("infeasible: looking for the conflicting constraints")
        conflict = conflicting(inst, matcher, time_limit)
        out = {
            "status": "infeasible",
            "objective": None,
            "gap": None,
            "selected": [],
            "binding": conflict,
            "conflicting": conflict,
            "explanations": {"(instance)": [{"code": "conflict", "constraints": conflict}]},
        }
    elif result.x is None:
        out = {"status": "time limit" if result.status == 1 else "error", "objective": None,
               "gap": None, "selected": [], "binding": [], "explanations": {},
               "message": result.message}  # fmt: skip
    else:
        amounts = _amounts(inst, model, result.x)
        objective = sum(_value_of(p, amounts[p.id]) for p in inst.proposals if p.id in amounts)
        gap = float(getattr(result, "mip_gap", 0.0) or 0.0)
        out = {
            "status": "optimal" if result.status == 0 else "time limit",
            "objective": round(objective, 6),
            "gap": gap,
            "selected": [{"id": pid, "erdf": a} for pid, a in amounts.items()],
        }
        if explain:
            say("explaining")
            out["binding"], out["explanations"] = explanations(inst, model, amounts)
        else:
            out["binding"], out["explanations"] = [], {}
    out["greedy"] = greedy
    timing.total += time.perf_counter() - started
    return out


def _amounts(inst: Instance, model: Model, x: np.ndarray) -> dict[str, Decimal]:
    n = len(inst.proposals)
    chosen = np.flatnonzero(x[:n] > 0.5)
    funded = {int(i): inst.proposals[i].erdf for i in chosen}
    for k, i in enumerate(model.scalable):
        if x[i] > 0.5:
            # floored to the cent, so rounding never pushes an envelope over its amount
            p = inst.proposals[i]
            solved = euro(math.floor(x[n + k] * SCALE * 100 + 1e-6))
            funded[int(i)] = min(max(solved, p.min_erdf), p.erdf)
    return {inst.proposals[i].id: a for i, a in sorted(funded.items())}


def explanations(inst: Instance, model: Model, amounts: dict[str, Decimal]):
    """The constraints that bind, and for each proposal why it is in or out.

    An explanation is data, not text: a list of reasons, each `{"code": …, parameters}`, that the
    pages render in the reader's language (`portfolio/explain.py`). The first reason of a selected
    proposal is `selected`; a left-out one has `excluded_by_alternative`, `requires_unselected`,
    `envelope_short` or `no_gain`. For a proposal an envelope keeps out: how much its ERDF would
    have to fall to fit what is left, and how much value it would need to displace the selected
    proposals of that envelope with the least value per euro that free enough money (an
    estimate from the solution, not a new solve).
    """
    props = inst.proposals
    selected = np.array([p.id in amounts for p in props])
    # amounts in whole cents (int64): sums and comparisons are exact
    funded = np.array([cents(amounts.get(p.id, 0)) for p in props], dtype=np.int64)
    value = np.array([p.value for p in props])
    ask = np.array([cents(p.min_erdf if p.scalable else p.erdf) for p in props], dtype=np.int64)
    reasons_of: dict[str, list[dict]] = {}
    binding: list[str] = []
    room, ladders = {}, {}
    for e in inst.envelopes:
        mask = model.masks[e.id]
        room[e.id] = cents(e.amount) - int(funded[mask].sum())
        out = mask & ~selected
        if room[e.id] <= 0 or (out.any() and ask[out].min() > room[e.id]):
            binding.append(e.id)
        # selected members, cheapest value per euro first: what displacing them frees and costs
        members = np.flatnonzero(mask & selected)
        members = members[np.argsort(value[members] / np.maximum(funded[members], 1))]
        gained = np.array([_value_of(props[j], amounts[props[j].id]) for j in members])
        ladders[e.id] = (np.cumsum(funded[members]), np.cumsum(gained))
    for m in inst.minimums:
        if selected[model.masks[m.id]].sum() <= m.count:
            binding.append(m.id)
    by_id = {p.id: i for i, p in enumerate(props)}
    excluded_by = alternatives(props)
    envelopes_of: list[list[Envelope]] = [[] for _ in props]
    for e in inst.envelopes:
        for i in np.flatnonzero(model.masks[e.id] & ~selected):
            envelopes_of[i].append(e)
    for i, p in enumerate(props):
        if selected[i]:
            reason = {"code": "selected", "funded": amounts[p.id], "value": p.value}
            if amounts[p.id] < p.erdf:
                reason["requested"] = p.erdf
            reasons_of[p.id] = [reason]
            continue
        reasons = []
        for r in sorted(excluded_by[p.id] & amounts.keys()):
            rival = props[by_id[r]].value
            reasons.append({"code": "excluded_by_alternative", "alternative": r,
                            "alternative_value": rival, "value": p.value})  # fmt: skip
            binding.append(f"exclusion:{min(p.id, r)}:{max(p.id, r)}")
        for r in p.requires:
            if r not in amounts:
                reasons.append({"code": "requires_unselected", "required": r})
                binding.append(f"requires:{p.id}:{r}")
        for e in envelopes_of[i]:
            left = room[e.id]
            if ask[i] <= left:
                continue
            short = int(ask[i]) - left
            reason = {"code": "envelope_short", "envelope": e.id, "left": euro(max(left, 0)),
                      "asks": euro(ask[i]), "short": euro(short), "value": p.value}  # fmt: skip
            freed, lost = ladders[e.id]
            k = int(np.searchsorted(freed, short))
            if k < len(freed):
                # above the value it would displace; or displacing them breaks another rule
                key = "displace_value" if lost[k] > p.value else "displace_breaks"
                reason[key] = round(float(lost[k]), 6)
            reasons.append(reason)
        if not reasons:
            reasons.append({"code": "no_gain", "value": p.value})
        reasons_of[p.id] = reasons
    return sorted(set(binding)), reasons_of


def conflicting(inst: Instance, matcher: Matcher, time_limit: float) -> list[str]:
    """A minimal set of constraints that cannot hold together (deletion filter)."""
    ids = [m.id for m in inst.minimums] + [e.id for e in inst.envelopes]
    index = {p.id: i for i, p in enumerate(inst.proposals)}
    ids += [f"exclusion:{inst.proposals[a].id}:{inst.proposals[b].id}"
            for a, b in exclusion_pairs(inst, index)]  # fmt: skip
    ids += [f"requires:{inst.proposals[a].id}:{inst.proposals[b].id}"
            for a, b in requirement_pairs(inst, index)]  # fmt: skip
    needed = list(ids)
    for cid in ids:
        trial = [i for i in needed if i != cid]
        model = build(inst, matcher, skip=frozenset(set(ids) - set(trial)))
        result, _ = _solve(model, time_limit)
        if result.status == 2:
            needed = trial
    return needed


# --- checking a portfolio (used by tests and the app) -------------------------------------------


def violations(inst: Instance, amounts: dict[str, Decimal]) -> list[str]:
    """Every constraint the portfolio `amounts` (id → ERDF) breaks; empty when it keeps all."""
    matcher = Matcher(inst.proposals)
    found = []
    ids = [p.id for p in inst.proposals]
    funded = np.array([cents(amounts.get(i, 0)) for i in ids], dtype=np.int64)
    chosen = np.array([i in amounts for i in ids])
    for p in inst.proposals:
        if p.id in amounts:
            a = Decimal(amounts[p.id])
            low = p.min_erdf if p.scalable else p.erdf
            if a < low or a > p.erdf:
                found.append(f"{p.id}: amount {a} outside [{low}, {p.erdf}]")
            for o in p.excludes:
                if o in amounts:
                    found.append(f"exclusion {p.id}/{o}")
            for r in p.requires:
                if r not in amounts:
                    found.append(f"{p.id} requires {r}")
    for e in inst.envelopes:
        used = euro(funded[matcher.mask(e)].sum())
        if used > e.amount:
            found.append(f"envelope {e.id}: {used} > {e.amount}")
    for m in inst.minimums:
        if chosen[matcher.mask(m)].sum() < m.count:
            found.append(f"minimum {m.id}")
    return found


def brute_force(inst: Instance) -> float | None:
    """The best value over every subset (non-scalable instances only; for tests)."""
    assert not any(p.scalable for p in inst.proposals)
    best = None
    for size in range(len(inst.proposals) + 1):
        for subset in itertools.combinations(inst.proposals, size):
            amounts = {p.id: p.erdf for p in subset}
            if not violations(inst, amounts):
                total = sum(p.value for p in subset)
                best = total if best is None else max(best, total)
    return best
