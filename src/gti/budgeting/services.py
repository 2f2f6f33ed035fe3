"""The rules of a participatory budget round: one function per change, each checking the role
(the city's secretariat) or the resident's standing, and writing its audit event in the same
transaction. Results are computed by `gti.participation.rules` on the round as a pabulib
instance, so the `.pb` export gives anyone the same outcome.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gti.accounts import audit, permissions
from gti.budgeting.models import Ballot, BudgetRound, Idea, Voter
from gti.errors import Invalid, Refused
from gti.participation import pabulib, residents, rules

P = BudgetRound.Phase
K = BudgetRound.BallotKind
NEXT = {P.IDEAS: P.REVIEW, P.REVIEW: P.VOTING, P.VOTING: P.RESULTS}
MONEY_MAX = Decimal("999999999999.99")


def _city(round_: BudgetRound) -> str:
    return round_.city.code


def identity_hash(kind: str, value: str) -> str:
    """The keyed hash of a code or e-mail address (`residents.keyed`): the only trace of who
    someone is. Without the key a list of addresses cannot be matched against it."""
    value = residents.normalise(value) if kind == "code" else value.strip().lower()
    return residents.keyed(f"voter.{kind}", value)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _money(field: str, text) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise Invalid.one(field, _("an amount in euro is expected, such as 12500.00")) from None
    if not value.is_finite() or value <= 0 or value > MONEY_MAX:
        raise Invalid.one(field, _("an amount above zero is expected"))
    if value != value.quantize(Decimal("0.01")):
        raise Invalid.one(field, _("at most two decimals (cents)"))
    return value


# --- the round and its phases (the city's secretariat) ---------------------------------------


def create_round(
    *,
    by,
    city,
    name: str,
    budget,
    ballot_kind: str,
    area=None,
    min_projects=1,
    max_projects=None,
    points_per_voter=None,
    max_points_per_project=None,
    completion="add1u",
    minimum_age=16,
    uses_voter_list=False,
) -> BudgetRound:
    permissions.require(by, "budgeting.manage", city=city)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("a name is required")]
    try:
        budget = _money("budget", budget)
    except Invalid as exc:
        errors.update(exc.errors)
    if ballot_kind not in K.values:
        errors["ballot_kind"] = [_("choose one of the ballot kinds")]
    if completion not in BudgetRound.Completion.values:
        errors["completion"] = [_("choose one of the completions")]
    if area is not None and area.strategy.city_id != city.pk:
        errors["area"] = [_("the area is not one of the city's")]
    if ballot_kind == K.APPROVAL and max_projects is not None and max_projects < min_projects:
        errors["max_projects"] = [_("the maximum is below the minimum")]
    if ballot_kind == K.CUMULATIVE:
        if not points_per_voter:
            errors["points_per_voter"] = [_("a cumulative ballot needs points per voter")]
        if not max_points_per_project:
            errors["max_points_per_project"] = [
                _("a cumulative ballot needs a maximum per project")
            ]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        round_ = BudgetRound.objects.create(
            city=city, area=area, name=name.strip(), budget=budget, ballot_kind=ballot_kind,
            min_projects=min_projects, max_projects=max_projects,
            points_per_voter=points_per_voter if ballot_kind == K.CUMULATIVE else None,
            max_points_per_project=max_points_per_project if ballot_kind == K.CUMULATIVE else None,
            completion=completion, minimum_age=minimum_age, uses_voter_list=uses_voter_list,
            created_by=by,
        )  # fmt: skip
        audit.record("budgeting.round.create", round_, by=by, city=city.code, after={
            "name": round_.name, "budget": budget, "ballot_kind": ballot_kind,
            "area": area.code if area else "", "completion": completion})  # fmt: skip
    return round_


def advance(round_: BudgetRound, *, by, reason: str = "") -> BudgetRound:
    """Ideas → feasibility review → voting → results. Voting opens only once every idea is
    reviewed and one is feasible; moving to results closes the vote."""
    permissions.require(by, "budgeting.manage", round_)
    with transaction.atomic():
        round_ = BudgetRound.objects.select_for_update().get(pk=round_.pk)
        if round_.phase not in NEXT:
            raise Refused(_("The results are the last phase."))
        if round_.phase == P.REVIEW:
            if round_.ideas.filter(feasible=None).exists():
                raise Refused(_("Every idea needs its feasibility review before voting opens."))
            if not round_.ideas.filter(feasible=True).exists():
                raise Refused(_("No idea is feasible: there is nothing to vote on."))
        before = round_.phase
        round_.phase = NEXT[round_.phase]
        round_.save(update_fields=["phase"])
        audit.record("budgeting.round.phase", round_, by=by, city=_city(round_), reason=reason,
                     before={"phase": before}, after={"phase": round_.phase})  # fmt: skip
    return round_


# --- ideas ----------------------------------------------------------------------------------


def propose_idea(round_: BudgetRound, *, title: str, description: str, estimated_cost,
                 area=None, theme=None) -> Idea:  # fmt: skip
    """A resident's idea (no account needed): only while the round takes ideas."""
    if round_.phase != P.IDEAS:
        raise Refused(_("This round no longer takes ideas."))
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("a title is required")]
    if not description.strip():
        errors["description"] = [_("say what the idea is")]
    try:
        estimated_cost = _money("estimated_cost", estimated_cost)
    except Invalid as exc:
        errors.update(exc.errors)
    if area is not None and area.strategy.city_id != round_.city_id:
        errors["area"] = [_("the area is not one of the city's")]
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        idea = Idea.objects.create(
            round=round_, title=title.strip()[:200], description=description.strip(),
            estimated_cost=estimated_cost, area=area or round_.area, theme=theme,
        )  # fmt: skip
        audit.record("budgeting.idea.propose", idea, by=None, city=_city(round_),
                     after={"title": idea.title, "estimated_cost": estimated_cost})  # fmt: skip
    return idea


def review_idea(idea: Idea, *, by, feasible: bool, final_cost=None, reason: str = "") -> Idea:
    """The city's verdict: feasible with a final cost, or not with a reason."""
    round_ = BudgetRound.objects.select_related("city").get(pk=idea.round_id)
    permissions.require(by, "budgeting.review", round_)
    if round_.phase != P.REVIEW:
        raise Refused(_("Ideas are reviewed in the feasibility review phase."))
    if feasible:
        final_cost = _money("final_cost", final_cost if final_cost is not None else "")
        if final_cost > round_.budget:
            raise Invalid.one("final_cost", _("costs more than the whole budget"))
    elif not reason.strip():
        raise Invalid.one("reason", _("say why the idea is not feasible"))
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        before = {"feasible": idea.feasible, "final_cost": idea.final_cost, "reason": idea.reason}
        idea.feasible, idea.reviewed_by = feasible, by
        idea.final_cost = final_cost if feasible else None
        idea.reason = reason.strip()
        idea.save(update_fields=["feasible", "final_cost", "reason", "reviewed_by"])
        audit.record("budgeting.idea.review", idea, by=by, city=_city(round_), before=before,
                     after={"feasible": feasible, "final_cost": idea.final_cost},
                     reason=idea.reason)  # fmt: skip
    return idea


def on_ballot(round_: BudgetRound):
    return round_.ideas.filter(feasible=True).order_by("pk")


# --- who may vote ----------------------------------------------------------------------------


def generate_codes(round_: BudgetRound, count: int, *, by, area=None) -> list[str]:
    """One-time codes for printed letters: returned once (to print), stored only as hashes."""
    permissions.require(by, "budgeting.manage", round_)
    if not 1 <= count <= 100_000:
        raise Invalid.one("count", _("between 1 and 100000 codes"))
    if round_.phase == P.RESULTS:
        raise Refused(_("The vote is closed."))
    codes = residents.new_codes(count)
    with transaction.atomic():
        Voter.objects.bulk_create([
            Voter(round=round_, identity_hash=identity_hash("code", c), kind=Voter.Kind.CODE,
                  area=area or round_.area, listed=True) for c in codes])  # fmt: skip
        audit.record("budgeting.codes.generate", round_, by=by, city=_city(round_),
                     after={"count": count, "area": area.code if area else ""})  # fmt: skip
    return codes


HEX64 = re.compile(r"^[0-9a-f]{64}$")


def import_voter_list(round_: BudgetRound, text: str, *, by) -> int:
    """The eligible voters: a CSV with `identifier` (an e-mail address or a code, hashed here;
    or its hash), `area` (an area code, optional) and `birth_year` (optional). Every bad row is
    named; nothing is written unless all are good."""
    permissions.require(by, "budgeting.manage", round_)
    if round_.phase == P.RESULTS:
        raise Refused(_("The vote is closed."))
    areas = {a.code: a for a in round_.city.strategies.current().get().areas.all()}
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    if not reader.fieldnames or "identifier" not in [f.strip() for f in reader.fieldnames]:
        raise Invalid.one("file", _("the header needs a column identifier"))
    rows, errors, seen = [], {}, set()
    for n, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        ident, code, year = (
            row.get("identifier", ""),
            row.get("area", ""),
            row.get("birth_year", ""),
        )
        problems = []
        if not ident:
            problems.append(_("no identifier"))
        if code and code not in areas:
            problems.append(_("area %(code)s is not one of the city's") % {"code": code})
        if year and not (year.isdigit() and 1900 <= int(year) <= timezone.now().year):
            problems.append(_("birth year %(year)s is not a year") % {"year": year})
        kind = Voter.Kind.EMAIL if "@" in ident else Voter.Kind.CODE
        hashed = ident.lower() if HEX64.match(ident.lower()) else identity_hash(kind, ident)
        if hashed in seen:
            problems.append(_("listed twice"))
        seen.add(hashed)
        if problems:
            errors[f"line {n}"] = problems
            continue
        rows.append(Voter(round=round_, identity_hash=hashed, kind=kind, area=areas.get(code),
                          birth_year=int(year) if year else None, listed=True))  # fmt: skip
    if errors:
        raise Invalid(errors)
    with transaction.atomic():
        known = set(round_.voters.values_list("identity_hash", flat=True))
        new = [v for v in rows if v.identity_hash not in known]
        Voter.objects.bulk_create(new)
        audit.record("budgeting.voters.import", round_, by=by, city=_city(round_),
                     after={"rows": len(rows), "new": len(new)})  # fmt: skip
    return len(new)


def email_link_token(round_: BudgetRound, address: str, birth_year: int) -> str:
    """The signed token of the link mailed to an address: it carries the address's hash, never
    the address, so the link proves the resident reads that mailbox."""
    if "@" not in address or len(address) > 254:
        raise Invalid.one("email", _("an e-mail address is expected"))
    return signing.dumps({"round": round_.pk, "id": identity_hash("email", address),
                          "year": birth_year}, salt="gti.budgeting.email")  # fmt: skip


def read_email_token(round_: BudgetRound, token: str) -> tuple[str, int]:
    try:
        data = signing.loads(token, salt="gti.budgeting.email", max_age=2 * 24 * 3600)
    except signing.BadSignature:
        raise Refused(_("This link is not valid or has expired; ask for a new one.")) from None
    if data.get("round") != round_.pk:
        raise Refused(_("This link is for another round."))
    return data["id"], data["year"]


def identify(round_: BudgetRound, *, kind: str, identity: str, birth_year) -> Voter:
    """The resident who wants to vote: a code the city issued, or an e-mail address proven by
    its link (`identity` is then the hash from the link). Checks the voter list and the age."""
    if round_.phase != P.VOTING:
        raise Refused(_("Voting is not open."))
    try:
        birth_year = int(str(birth_year).strip())
    except ValueError:
        raise Invalid.one("birth_year", _("a year such as 1990 is expected")) from None
    this_year = timezone.localdate().year
    if not 1900 <= birth_year <= this_year:
        raise Invalid.one("birth_year", _("a year such as 1990 is expected"))
    # the age reached in the year of the vote, as the letters and the voter list state years
    if this_year - birth_year < round_.minimum_age:
        raise Refused(_("You may vote from the age of %(age)d.") % {"age": round_.minimum_age})
    hashed = identity_hash("code", identity) if kind == Voter.Kind.CODE else identity
    with transaction.atomic():
        voter = Voter.objects.select_for_update().filter(round=round_, identity_hash=hashed).first()
        if kind == Voter.Kind.CODE and voter is None:
            raise Invalid.one("code", _("this code is not one of this round's letters"))
        if voter is None and round_.uses_voter_list:
            raise Refused(_("This address is not on the voter list of this round."))
        if voter is None:
            voter = Voter.objects.create(round=round_, identity_hash=hashed, kind=kind,
                                         area=round_.area, birth_year=birth_year)  # fmt: skip
        elif voter.birth_year is not None and voter.birth_year != birth_year:
            raise Invalid.one("birth_year", _("does not match the voter list"))
        if round_.area_id and voter.area_id and voter.area_id != round_.area_id:
            raise Refused(_("This vote is for the residents of %(area)s.") % {
                "area": round_.area})  # fmt: skip
    return voter


# --- ballots ---------------------------------------------------------------------------------


def check_choices(round_: BudgetRound, choices: dict) -> dict[str, int]:
    """The ballot as {idea id: points}, checked against the round's limits; Invalid names the
    problem. Zero points are left out."""
    ideas = {str(i.pk): i for i in on_ballot(round_)}
    clean: dict[str, int] = {}
    for key, value in choices.items():
        if str(key) not in ideas:
            raise Invalid.one("choices", _("%(id)s is not a project on this ballot") % {"id": key})
        try:
            points = int(value)
        except (TypeError, ValueError):
            raise Invalid.one(f"points_{key}", _("a whole number of points")) from None
        if points < 0:
            raise Invalid.one(f"points_{key}", _("a whole number of points"))
        if points:
            clean[str(key)] = points if round_.cumulative else 1
    if not clean:
        raise Invalid.one("choices", _("choose at least one project"))
    if round_.ballot_kind == K.APPROVAL:
        if len(clean) < round_.min_projects:
            raise Invalid.one("choices", _("choose at least %(n)d projects") % {
                "n": round_.min_projects})  # fmt: skip
        if round_.max_projects and len(clean) > round_.max_projects:
            raise Invalid.one("choices", _("choose at most %(n)d projects") % {
                "n": round_.max_projects})  # fmt: skip
    elif round_.ballot_kind == K.APPROVAL_BUDGET:
        total = sum(ideas[k].final_cost for k in clean)
        if total > round_.budget:
            raise Invalid.one("choices", _(
                "the projects chosen cost EUR %(total)s, more than the budget of EUR %(budget)s"
            ) % {"total": total, "budget": round_.budget})  # fmt: skip
    else:
        for key, points in clean.items():
            if points > round_.max_points_per_project:
                raise Invalid.one(f"points_{key}", _(
                    "%(project)s: %(points)d points, more than the %(max)d a project may get"
                ) % {"project": ideas[key].title, "points": points,
                     "max": round_.max_points_per_project})  # fmt: skip
        if sum(clean.values()) > round_.points_per_voter:
            raise Invalid.one("choices", _("%(used)d points given, more than your %(max)d") % {
                "used": sum(clean.values()), "max": round_.points_per_voter})  # fmt: skip
    return clean


def cast_ballot(round_: BudgetRound, voter: Voter, choices: dict, *, token: str = "") -> tuple[
        Ballot, str]:  # fmt: skip
    """A resident's ballot: the first one, or a change of it while the vote is open (with the
    ballot's token). Returns the ballot and its token, which only the resident keeps."""
    clean = check_choices(round_, choices)
    with transaction.atomic():
        round_ = _voting(round_)
        voter = Voter.objects.select_for_update().get(pk=voter.pk, round=round_)
        if voter.has_voted:
            ballot = round_.ballots.filter(token_hash=token_hash(token)).first() if token else None
            if ballot is None:
                raise Refused(_("You have voted already. Change your ballot from the device you "
                                "voted with, or with your ballot code."))  # fmt: skip
            ballot.choices = clean
            ballot.save(update_fields=["choices"])
            audit.record("budgeting.ballot.change", round_, by=None, city=_city(round_))
            return ballot, token
        token = secrets.token_urlsafe(24)
        ballot = Ballot.objects.create(round=round_, choices=clean, token_hash=token_hash(token))
        voter.has_voted = True
        voter.save(update_fields=["has_voted"])
        # the event names the round, never the voter nor the ballot
        audit.record("budgeting.ballot.cast", round_, by=None, city=_city(round_))
    return ballot, token


def ballot_of(round_: BudgetRound, token: str) -> Ballot | None:
    if not token:
        return None
    return round_.ballots.filter(token_hash=token_hash(token), source=Ballot.Source.ONLINE).first()


def _voting(round_: BudgetRound) -> BudgetRound:
    """The round locked (as `advance` locks it, so the vote cannot close halfway through a
    ballot) and read again: refused unless voting is open."""
    round_ = BudgetRound.objects.select_for_update().get(pk=round_.pk)
    if round_.phase != P.VOTING:
        raise Refused(_("Voting is not open."))
    return round_


def enter_paper_ballot(round_: BudgetRound, *, by, code: str, birth_year, choices: dict) -> Ballot:
    """A paper ballot typed in at the booth: the resident's letter code counts them as voted,
    the ballot waits for a second official to type it in again."""
    permissions.require(by, "budgeting.paper_enter", round_)
    clean = check_choices(round_, choices)
    voter = identify(round_, kind=Voter.Kind.CODE, identity=code, birth_year=birth_year)
    with transaction.atomic():
        _voting(round_)
        voter = Voter.objects.select_for_update().get(pk=voter.pk)
        if voter.has_voted:
            raise Refused(_("This code has voted already."))
        ballot = Ballot.objects.create(round=round_, choices=clean, source=Ballot.Source.PAPER,
                                       confirmed=False, entered_by=by)  # fmt: skip
        voter.has_voted = True
        voter.save(update_fields=["has_voted"])
        audit.record("budgeting.paper.enter", round_, by=by, city=_city(round_),
                     after={"ballot": str(ballot.pk)})  # fmt: skip
    return ballot


def confirm_paper_ballot(ballot: Ballot, *, by, choices: dict) -> Ballot:
    """Four eyes: a second official types the paper ballot in again; it counts once both
    entries match. The official who entered it never confirms it."""
    round_ = BudgetRound.objects.select_related("city").get(pk=ballot.round_id)
    permissions.require(by, "budgeting.paper_confirm", round_)
    if ballot.entered_by_id == by.pk:
        raise Refused(_("A second official confirms a paper ballot, not the one who entered it."))
    clean = check_choices(round_, choices)
    with transaction.atomic():
        _voting(round_)
        ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
        if ballot.confirmed:
            raise Refused(_("This paper ballot is confirmed already."))
        if clean != ballot.choices:
            raise Invalid.one("choices", _("the second entry differs from the first: check the "
                                           "paper ballot and type it in again"))  # fmt: skip
        ballot.confirmed, ballot.confirmed_by = True, by
        ballot.save(update_fields=["confirmed", "confirmed_by"])
        audit.record("budgeting.paper.confirm", round_, by=by, city=_city(round_),
                     after={"ballot": str(ballot.pk)})  # fmt: skip
    return ballot


def import_pb(round_: BudgetRound, text: str, *, by) -> BudgetRound:
    """An election held elsewhere, from its .pb file, into a new round (ideas phase, no ideas
    yet): its projects become feasible ideas, its ballots count, and the round shows results."""
    permissions.require(by, "budgeting.manage", round_)
    try:
        inst = pabulib.read(text if "\n" in text else text + "\n")
    except pabulib.PabulibError as exc:
        raise Invalid.one("file", str(exc)) from None
    if round_.phase != P.IDEAS or round_.ideas.exists():
        raise Refused(_("A .pb file is imported into a new round without ideas."))
    if inst.cumulative != round_.cumulative:
        raise Invalid.one("file", _("the file's vote type %(type)s is not the round's ballot") % {
            "type": inst.vote_type})  # fmt: skip
    costs = {}
    for p in [*inst.projects.values(), pabulib.Project("budget", inst.budget)]:
        cents = Fraction(p.cost) * 100
        if cents.denominator != 1 or not 0 < cents < MONEY_MAX * 100:
            raise Invalid.one("file", _("project %(id)s: its cost is not a positive amount in "
                                        "cents") % {"id": p.id})  # fmt: skip
        costs[p.id] = Decimal(cents.numerator) / 100
    with transaction.atomic():
        ids = {}
        for p in inst.projects.values():
            cost = costs[p.id]
            ids[p.id] = Idea.objects.create(
                round=round_, title=(p.name or p.id)[:200], description=p.name or p.id,
                estimated_cost=cost, final_cost=cost, feasible=True, reviewed_by=by,
            ).pk  # fmt: skip
        Ballot.objects.bulk_create([
            Ballot(round=round_, source=Ballot.Source.IMPORTED, choices={
                str(ids[pid]): u for pid, u in b.utilities().items() if u})
            for b in inst.ballots])  # fmt: skip
        round_.budget, round_.phase = costs["budget"], P.RESULTS
        round_.save(update_fields=["budget", "phase"])
        audit.record(
            "budgeting.round.import",
            round_,
            by=by,
            city=_city(round_),
            after={"projects": len(ids), "ballots": len(inst.ballots), "budget": round_.budget},
        )
    return round_


# --- results ---------------------------------------------------------------------------------


def counted(round_: BudgetRound):
    """The ballots that count: online ones and confirmed paper ones."""
    return round_.ballots.filter(confirmed=True).order_by("id")


def instance(round_: BudgetRound) -> pabulib.Instance:
    """The round as a pabulib election: feasible ideas as projects (id, final cost, area,
    theme), counted ballots under their random ids."""
    meta = {
        "description": round_.name, "country": "Belgium", "unit": round_.city.name_nl,
        "subunit": round_.area.name if round_.area else "", "instance": str(round_.pk),
        "rule": "equalshares",
        "language": "nl",
    }  # fmt: skip
    limits = {}
    if round_.ballot_kind == K.APPROVAL:
        limits = {"min_length": round_.min_projects, "max_length": round_.max_projects}
    elif round_.ballot_kind == K.APPROVAL_BUDGET:
        meta["max_sum_cost"] = pabulib.format_amount(Fraction(round_.budget))
    else:
        limits = {"max_sum_points": round_.points_per_voter}
        meta["max_points"] = str(round_.max_points_per_project)
    projects = {
        str(i.pk): pabulib.Project(
            str(i.pk), _amount(i.final_cost), i.title.replace(";", ","),
            (i.theme.code,) if i.theme else (), (i.area.code,) if i.area else (),
        )
        for i in on_ballot(round_).select_related("theme", "area")
    }  # fmt: skip
    ballots = []
    for b in counted(round_):
        vote = tuple(k for k in projects if k in b.choices)
        points = tuple(b.choices[k] for k in vote) if round_.cumulative else None
        ballots.append(pabulib.Ballot(b.pk.hex, vote, points))
    return pabulib.Instance(
        meta,
        projects,
        ballots,
        _amount(round_.budget),
        "cumulative" if round_.cumulative else "approval",
        **limits,
    )


def _amount(value: Decimal) -> pabulib.Amount:
    f = Fraction(value)
    return int(f) if f.denominator == 1 else f


def increment(inst: pabulib.Instance) -> Fraction:
    """add1's step: 1% of a voter's first equal share, so the search takes at most a hundred
    steps per doubling of the shares, whatever the size of the budget."""
    voters = max(len(inst.ballots), 1)
    return Fraction(inst.budget) / voters / 100 or Fraction(1)


def outcomes(inst: pabulib.Instance, completion: str) -> dict[str, rules.Outcome]:
    """Equal shares (with the round's completion) and greedy, on the same instance."""
    return {
        "mes": rules.compute(inst, "mes", completion=completion, increment=increment(inst)),
        "greedy": rules.compute(inst, "greedy"),
    }


def export_pb(round_: BudgetRound) -> str:
    return pabulib.write(instance(round_))


def results(round_: BudgetRound) -> dict:
    """What the results page shows; only once the round is in its results phase."""
    if round_.phase != P.RESULTS:
        raise Refused(_("The results are published once the vote is closed."))
    inst = instance(round_)
    ideas = {str(i.pk): i for i in on_ballot(round_).select_related("area", "theme")}
    found = outcomes(inst, round_.completion)
    support = {k: 0 for k in ideas}
    for b in inst.ballots:
        for k, u in b.utilities().items():
            support[k] += u
    voters = len(inst.ballots)
    per_rule = {}
    for name, outcome in found.items():
        chosen = set(outcome.selected)
        happy = sum(1 for b in inst.ballots if chosen & set(b.vote))
        by_area, by_theme = {}, {}
        for k in outcome.selected:
            idea = ideas[k]
            area = idea.area.name if idea.area else _("whole city")
            theme = idea.theme.name if idea.theme else _("no theme")
            by_area[area] = by_area.get(area, Decimal(0)) + idea.final_cost
            by_theme[theme] = by_theme.get(theme, Decimal(0)) + idea.final_cost
        per_rule[name] = {
            "selected": [ideas[k] for k in outcome.selected],
            "chosen": chosen,
            "spent": sum((ideas[k].final_cost for k in outcome.selected), Decimal(0)),
            "happy": happy,
            "happy_share": Fraction(happy, voters) if voters else Fraction(0),
            "by_area": _bars(by_area, round_.budget),
            "by_theme": _bars(by_theme, round_.budget),
        }
    mes = found["mes"]
    projects = []
    for k, idea in ideas.items():
        funding = next((f for f in mes.fundings if f.project == k), None)
        explanation = None
        if funding is not None and funding.phase == "mes":
            groups: dict[Fraction, int] = {}
            for share in mes.shares(k).values():
                groups[share] = groups.get(share, 0) + 1
            explanation = [{"voters": n, "share": s} for s, n in sorted(groups.items(),
                                                                       reverse=True)]  # fmt: skip
        projects.append({
            "idea": idea, "support": support[k], "mes": k in per_rule["mes"]["chosen"],
            "greedy": k in per_rule["greedy"]["chosen"],
            "phase": funding.phase if funding else None, "payers": explanation,
            "bar": _width(idea.final_cost, round_.budget),
        })  # fmt: skip
    projects.sort(key=lambda p: (-p["support"], p["idea"].pk))
    return {"instance": inst, "outcomes": found, "rules": per_rule, "projects": projects,
            "voters": voters, "ideas": ideas,
            "increment": pabulib.format_amount(increment(inst))}  # fmt: skip


def _cents(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))


def _width(value: Decimal, whole: Decimal) -> float:
    """A bar's width in percent of the chart (SVG only: the figures stay Decimal)."""
    return round(float(value / whole * 100), 1) if whole else 0.0


ROW = 28  # a bar's height with its gap, in SVG units


def _bars(amounts: dict[str, Decimal], whole: Decimal) -> dict:
    """A bar chart drawn on the page as SVG: each label with its amount, in order."""
    rows = sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"height": ROW * len(rows), "rows": [
        {"label": k, "amount": v, "width": _width(v, whole), "y": ROW * n, "text_y": ROW * n + 17}
        for n, (k, v) in enumerate(rows)]}  # fmt: skip


def my_spending(round_: BudgetRound, token: str) -> dict | None:
    """What share of the voter's equal share funded which project they chose (by their ballot
    token); None for an unknown token."""
    ballot = ballot_of(round_, token)
    if ballot is None or not ballot.confirmed:
        return None
    data = results(round_)
    mes = data["outcomes"]["mes"]
    spent = mes.spending(ballot.pk.hex)
    chosen = [data["ideas"][k] for k in data["instance"].projects if k in ballot.choices]
    return {"ballot": ballot, "chosen": [
        {"idea": i, "funded": str(i.pk) in data["rules"]["mes"]["chosen"],
         "share": spent.get(str(i.pk))} for i in chosen],
        "endowment": _cents(mes.endowment), "total": sum(spent.values(), Fraction(0))}  # fmt: skip
