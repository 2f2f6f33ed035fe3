"""The rules of participatory budgeting: which projects a vote funds.

Pure functions over a `pabulib.Instance`. Their outcomes are those of pabutools 1.2.3 (the
reference implementation of the research community, tests/participation compare them), with
lexicographic tie-breaking on the project id:

- a voter's utility of a project is its cost when an approval ballot approves it (pabutools'
  `Cost_Sat`), the points a cumulative ballot gives it (`Cumulative_Sat`);
- `greedy`: the projects by approvals (cumulative: total points) highest first, a project of cost
  0 counting 0 (pabutools' density), each funded when it fits in what remains, else skipped;
- `mes`, the Method of Equal Shares (`method_of_equal_shares`): every voter starts with
  budget / voters; each step funds the project its supporters can pay at the lowest price per unit
  of utility, the supporters paying that price per unit of utility or all they have left;
- completions: `utilitarian` (mes, then greedy over what remains), `add1` (mes run again with the
  endowment raised by `increment` a voter, until an outcome is exhaustive over the projects mes
  may fund, or the next one costs more than the budget: the last within budget is kept) and
  `add1u` (add1, then greedy).

Exact arithmetic without pabutools' cost: money is scaled to integers (every amount times the
common denominator of the costs and the budget, each voter's budget over a common denominator
that grows only when a price does not divide), prices are compared as fractions, and a project's
price is only computed again while it could still be the cheapest (prices only rise). add1 starts
each run where the previous one first met a supporter who could not pay an equal share (`_Start`):
until then every step is the same with a larger endowment, each voter holding the same more.
"""

from bisect import bisect_left
from fractions import Fraction
from heapq import heappop, heappush
from itertools import accumulate, repeat
from math import gcd, lcm
from operator import add, mul, sub

from gti.participation.pabulib import Instance

RULES = ("greedy", "mes")
COMPLETIONS = ("none", "utilitarian", "add1", "add1u")


class Funding:
    """One funded project: by the equal shares of its supporters (`mes`) or from what remained
    (`greedy`). For mes, who paid what: `payments` (voter index -> amount)."""

    def __init__(self, project: str, phase: str, cost: Fraction, _payers: tuple = (),
                 _paid: list | tuple = (), _unit: int = 1, _price: int = 0):  # fmt: skip
        self.project, self.phase, self.cost = project, phase, cost  # phase: mes | greedy
        self._payers, self._paid = _payers, _paid
        self._unit, self._price = _unit, _price  # an amount is paid / _unit

    def __repr__(self) -> str:
        return f"Funding({self.project!r}, {self.phase!r}, {self.cost!r})"

    @property
    def price(self) -> Fraction | None:
        """mes: what a supporter who could paid (a cumulative ballot: per point)."""
        return Fraction(self._price, self._unit) if self.phase == "mes" else None

    @property
    def payments(self) -> dict[int, Fraction]:
        return {v: Fraction(a, self._unit) for v, a in zip(self._payers, self._paid, strict=True)}


class Outcome:
    def __init__(self, rule: str, completion: str, budget: Fraction, endowment: Fraction | None,
                 fundings: list[Funding], voter_ids: list[str]):  # fmt: skip
        self.rule, self.completion, self.budget = rule, completion, budget
        self.endowment = endowment  # each voter's starting budget in the mes run kept
        self.fundings, self.voter_ids = fundings, voter_ids

    @property
    def selected(self) -> list[str]:
        return [f.project for f in self.fundings]

    @property
    def total_cost(self) -> Fraction:
        return sum((f.cost for f in self.fundings), Fraction(0))

    def shares(self, project: str) -> dict[str, Fraction]:
        """Who paid which share of the project's cost (mes-funded projects; else empty)."""
        funding = next(f for f in self.fundings if f.project == project)
        if not funding.cost:
            return {}
        return {self.voter_ids[v]: a / funding.cost for v, a in funding.payments.items() if a}

    def spending(self, voter_id: str) -> dict[str, Fraction]:
        """Which share of the voter's endowment funded which of the projects they chose."""
        v = self.voter_ids.index(voter_id)
        result = {}
        for f in self.fundings:
            if f.phase == "mes" and self.endowment:
                paid = f.payments.get(v)
                if paid:
                    result[f.project] = paid / self.endowment
        return result


class _Election:
    """The instance in scaled integers: amounts times `scale`, supporters per project."""

    def __init__(self, instance: Instance):
        self.ids = list(instance.projects)
        costs = [Fraction(p.cost) for p in instance.projects.values()]
        budget = Fraction(instance.budget)
        self.scale = lcm(budget.denominator, *(c.denominator for c in costs))
        self.cost = [int(c * self.scale) for c in costs]
        self.budget = int(budget * self.scale)
        self.real_cost = costs
        self.n = len(instance.ballots)
        self.voter_ids = [b.voter_id for b in instance.ballots]
        self.cumulative = instance.cumulative
        index = {pid: j for j, pid in enumerate(self.ids)}
        m = len(self.ids)
        self.supporters = [[] for _ in range(m)]
        self.points = [[] for _ in range(m)]
        self.multiplier = []
        self.lowest = []  # cumulative: per project the least common multiple of its points
        for v, ballot in enumerate(instance.ballots):
            if self.cumulative:
                for pid, pts in zip(ballot.vote, ballot.points, strict=True):
                    if pts > 0:
                        self.supporters[index[pid]].append(v)
                        self.points[index[pid]].append(pts)
            else:
                for pid in ballot.vote:
                    self.supporters[index[pid]].append(v)
        if self.cumulative:
            votes = [sum(pts) for pts in self.points]
            self.utility = votes
            # a key that orders supporters by budget / points in integers
            self.lowest = [lcm(*set(pts)) if pts else 1 for pts in self.points]
            for pts, common in zip(self.points, self.lowest, strict=True):
                self.multiplier.append([common // u for u in pts])
        else:
            votes = [len(s) for s in self.supporters]
            self.utility = [len(s) * c for s, c in zip(self.supporters, self.cost, strict=True)]
        # pabutools' greedy density (utility over cost) in the order it yields
        score = [v if c > 0 else 0 for v, c in zip(votes, self.cost, strict=True)]
        self.greedy_order = sorted(range(m), key=lambda p: (-score[p], self.ids[p]))
        # mes funds a project of cost 0 that someone values at once, and never one no one values
        self.free = sorted((p for p in range(m) if self.cost[p] == 0 and self.utility[p] > 0),
                           key=self.ids.__getitem__)  # fmt: skip
        self.candidates = [p for p in range(m) if self.cost[p] > 0 and self.utility[p] > 0]
        # equal shares' first prices per unit of utility (a float just below), as a sorted heap
        self.first_prices = sorted((self.cost[p] / self.utility[p] * LOWER, self.ids[p], p)
                                   for p in self.candidates)  # fmt: skip

    def funding(self, p, phase, **kw) -> Funding:
        return Funding(self.ids[p], phase, self.real_cost[p], **kw)


LOWER, UPPER = 1 - 2.0**-40, 1 + 2.0**-40  # bounds around a float of a price, for the order only
ERAS = 32  # denominators kept before every budget is brought to the last one


class _Start:
    """A run of equal shares up to the first step in which some supporter could not pay an equal
    share (or some project's supporters could not pay it). Every run with a larger endowment
    starts the same way: in those steps every price looked at was cost over utility, which every
    supporter, now richer by the same amount, can still pay; so the same prices, choices and
    payments, each voter then holding the same amount more."""

    def __init__(self, endowment: Fraction, denominator: int, heap: list, budgets: list[int],
                 funded: list[tuple], spent: int):  # fmt: skip
        self.endowment, self.denominator, self.heap = endowment, denominator, heap
        self.budgets = budgets  # over denominator
        self.funded, self.spent = funded, spent


def _mes(e: _Election, endowment: Fraction, start: _Start | None = None):
    """One run of equal shares with each voter's budget `endowment` (in scaled money): what it
    funds in order, each as (project, its supporters' payments, their denominator, the price),
    the total cost (scaled), and the `_Start` a run with a larger endowment may begin from.
    `_fundings` makes the `Funding`s."""
    # A voter's budget is budgets[v] * up[era[v]] / denominator, in which every amount is compared;
    # a price that does not divide grows the denominator: a new era, and only payers rewritten.
    more = None if start is None else (endowment - start.endowment) * start.denominator
    if more is not None and more >= 0 and more.denominator == 1:
        denominator, spent = start.denominator, start.spent
        budgets = list(map(add, start.budgets, repeat(more.numerator)))
        heap, funded = list(start.heap), list(start.funded)
    else:
        denominator, spent = endowment.denominator, 0
        budgets = [endowment.numerator] * e.n
        heap, funded = list(e.first_prices), []  # sorted, so a heap
    up = [1]  # up[k]: the current denominator over that of era k
    era = [0] * e.n
    cost, supporters, points, multiplier = e.cost, e.supporters, e.points, e.multiplier
    cumulative, lowest, utility = e.cumulative, e.lowest, e.utility
    capped, later = False, None  # a step met someone who could not pay; the _Start before it

    def price(p):
        """(price per unit of utility as numerator and denominator, what the rich pay in all,
        their utility) or None when the supporters cannot pay the project."""
        c = cost[p] * denominator
        own = [budgets[v] * up[era[v]] for v in supporters[p]]
        nonlocal capped
        if sum(own) < c:
            capped = True
            return None
        k = len(own)
        if cumulative:
            keys = list(map(mul, own, multiplier[p]))  # budget / points, times lowest[p]
            whole = utility[p]
            if min(keys) * whole >= c * lowest[p]:  # everyone can pay their share
                return c, whole * denominator, c, whole
            capped = True
            order = sorted(range(k), key=keys.__getitem__)
            own = [own[i] for i in order]
            pts = [points[p][i] for i in order]
            paid = list(accumulate(own, initial=0))
            rest = list(accumulate(reversed(pts)))[::-1]  # utility of supporters i onwards
            j = bisect_left(range(k), True,
                            key=lambda i: (c - paid[i]) * pts[i] <= own[i] * rest[i])  # fmt: skip
            return c - paid[j], rest[j] * denominator, c - paid[j], rest[j]
        if min(own) * k >= c:  # everyone can pay an equal share
            return c, k * denominator * cost[p], c, k
        capped = True
        own = sorted(own)
        paid = list(accumulate(own, initial=0))
        j = bisect_left(range(k), True, key=lambda i: c - paid[i] <= own[i] * (k - i))
        return c - paid[j], (k - j) * denominator * cost[p], c - paid[j], k - j

    def starting(heap):
        held = list(map(mul, budgets, map(up.__getitem__, era)))
        return _Start(endowment, denominator, heap, held, funded[:], spent)

    # prices are compared exactly; the heap orders by a float just below each (a lower bound)
    while heap:
        if later is None:
            before = list(heap)
        best, bound, looked = None, 0.0, []
        # a price computed earlier is a lower bound: look until it exceeds the best so far
        while heap and (best is None or heap[0][0] <= bound):
            _, pid, p = heappop(heap)
            found = price(p)
            if found is None:
                continue  # its supporters can no longer pay it: never again
            item = (found[0] / found[1] * LOWER, pid, p, found)
            looked.append(item)
            if best is None:
                better = True
            else:
                left, right = found[0] * best[3][1], best[3][0] * found[1]
                better = left < right or (left == right and pid < best[1])
            if better:
                best, bound = item, found[0] / found[1] * UPPER
        if capped and later is None:
            later = starting(before)
        if best is None:
            break
        for item in looked:
            if item is not best:
                heappush(heap, item[:3])
        _, _, p, (_, _, total, share) = best
        # the rich pay total * (their utility / share): rescale so that this is an integer
        factor = share // gcd(total, share)
        if factor > 1:
            denominator *= factor
            total *= factor
            if len(up) < ERAS:
                up = [u * factor for u in up]
                up.append(1)
            else:  # all budgets to the new denominator, once in a while
                budgets = list(map(mul, budgets, map(up.__getitem__, era)))
                budgets = list(map(mul, budgets, repeat(factor)))
                era, up = [0] * e.n, [1]
        unit = total // share
        now = len(up) - 1
        own = [budgets[v] * up[era[v]] for v in supporters[p]]
        if cumulative:
            shares = map(mul, points[p], repeat(unit))
            paid = [b if b < share else share for b, share in zip(own, shares, strict=True)]
        else:
            paid = [b if b < unit else unit for b in own]
        for v, left in zip(supporters[p], map(sub, own, paid), strict=True):
            budgets[v] = left
            era[v] = now
        funded.append((p, paid, denominator, unit))
        spent += cost[p]
    return funded, spent, later or starting([])


def _fundings(e: _Election, funded: list[tuple]) -> list[Funding]:
    """The projects of cost 0 mes funds at once, then those of a run of `_mes`."""
    fundings = [e.funding(p, "mes") for p in e.free]
    for p, paid, denominator, unit in funded:
        fundings.append(Funding(e.ids[p], "mes", e.real_cost[p], e.supporters[p], paid,
                                denominator * e.scale, unit))  # fmt: skip
    return fundings


def _exhaustive(e: _Election, funded: list[tuple], spent: int) -> bool:
    """Whether no project equal shares may fund and did not still fits in the budget left."""
    chosen = {f[0] for f in funded}
    left = e.budget - spent
    return not any(e.cost[p] <= left and p not in chosen for p in e.candidates)


def _greedy(e: _Election, fundings: list[Funding], spent: int) -> list[Funding]:
    chosen = {f.project for f in fundings}
    left = e.budget - spent
    fundings = list(fundings)
    for p in e.greedy_order:
        if e.cost[p] <= left and e.ids[p] not in chosen:
            fundings.append(e.funding(p, "greedy"))
            left -= e.cost[p]
    return fundings


def compute(
    instance: Instance, rule: str, completion: str = "none", increment: Fraction | int = 1
) -> Outcome:
    """The outcome of `rule` (greedy | mes) with `completion` (none | utilitarian | add1 |
    add1u; mes only) on the instance. `increment`: add1's raise of a voter's budget per run."""
    if rule not in RULES:
        raise ValueError(f"rule {rule!r} is not one of {', '.join(RULES)}")
    if completion not in COMPLETIONS:
        raise ValueError(f"completion {completion!r} is not one of {', '.join(COMPLETIONS)}")
    if rule == "greedy" and completion != "none":
        raise ValueError("greedy takes no completion")
    increment = Fraction(increment)
    if increment <= 0:
        raise ValueError("the increment must be positive")
    e = _Election(instance)
    budget = Fraction(e.budget, e.scale)

    def outcome(fundings, endowment):
        real = None if endowment is None else endowment / e.scale
        return Outcome(rule, completion, budget, real, fundings, e.voter_ids)

    if rule == "greedy":
        return outcome(_greedy(e, [], 0), None)
    if e.n == 0:  # no voter, no equal shares (as pabutools)
        fundings, spent, endowment = [], 0, None
    elif completion in ("add1", "add1u"):
        endowment = Fraction(e.budget, e.n)
        step = increment * e.scale
        funded, spent, start = _mes(e, endowment)
        while not _exhaustive(e, funded, spent):
            more = _mes(e, endowment + step, start)
            if more[1] > e.budget:
                break
            (funded, spent, start), endowment = more, endowment + step
        fundings = _fundings(e, funded)
    else:
        endowment = Fraction(e.budget, e.n)
        funded, spent, _ = _mes(e, endowment)
        fundings = _fundings(e, funded)
    if completion in ("utilitarian", "add1u"):
        fundings = _greedy(e, fundings, spent)
    return outcome(fundings, endowment)
