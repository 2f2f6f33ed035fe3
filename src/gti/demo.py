"""Demo data: one open call per city, about forty proposals drawn from the strategies' example
actions, spread over every state of the lifecycle, and one demo user per role.

Everything goes through the real services, so the demo also exercises the rules and the audit
trail. Running it again changes nothing. The demo users' passwords are printed: demo only.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from gti.accounts.models import Role
from gti.accounts.services import create_user
from gti.proposals import services
from gti.proposals.models import Call, Proposal
from gti.strategy.models import City, Strategy

DEMO_PASSWORD = "demo-gti-2026"
S = Proposal.State

# name: (role, city)
DEMO_USERS = {
    "demo-aanvrager-antwerpen": (Role.APPLICANT, "antwerpen"),
    "demo-aanvrager-gent": (Role.APPLICANT, "gent"),
    "demo-secretariaat-antwerpen": (Role.SECRETARIAT, "antwerpen"),
    "demo-secretariaat-gent": (Role.SECRETARIAT, "gent"),
    "demo-beoordelaar-antwerpen-1": (Role.ASSESSOR, "antwerpen"),
    "demo-beoordelaar-antwerpen-2": (Role.ASSESSOR, "antwerpen"),
    "demo-beoordelaar-gent-1": (Role.ASSESSOR, "gent"),
    "demo-beoordelaar-gent-2": (Role.ASSESSOR, "gent"),
    "demo-stuurgroep-antwerpen": (Role.STEERING_COMMITTEE, "antwerpen"),
    "demo-stuurgroep-gent": (Role.STEERING_COMMITTEE, "gent"),
    "demo-stuurgroep-antwerpen-2": (Role.STEERING_COMMITTEE, "antwerpen"),
    "demo-stuurgroep-gent-2": (Role.STEERING_COMMITTEE, "gent"),
    "demo-managementautoriteit": (Role.MANAGING_AUTHORITY, None),
    "demo-auditor": (Role.AUDITOR, None),
}

# The lifecycle states the demo proposals end in, per city (20 each).
PLAN = (
    [S.DRAFT] * 3
    + [S.SUBMITTED] * 2
    + [S.IN_SCREENING] * 2
    + [S.ADMISSIBLE] * 2
    + [S.INADMISSIBLE] * 2
    + [S.IN_ASSESSMENT] * 2
    + [S.ASSESSED] * 6
    + [S.WITHDRAWN] * 1
)
# ERDF per city for the demo envelopes, split over the priorities by the programme's shares:
# small enough that the steering committee has to choose (the first real GTI calls, of 22 March
# 2023, opened with EUR 9.8 million for both cities).
CITY_ERDF = Decimal("700000.00")

PROMOTERS = {
    "antwerpen": ["Stad Antwerpen", "District Borgerhout", "AG Vespa", "Digipolis Antwerpen"],
    "gent": ["Stad Gent", "Sogent", "Digipolis Gent", "OCMW Gent"],
}


def users() -> dict[str, object]:
    User = get_user_model()
    made = {}
    for name, (role, city) in DEMO_USERS.items():
        user = User.objects.filter(username=name).first()
        if user is None:
            user = create_user(
                name,
                password=DEMO_PASSWORD,
                role=role,
                city=City.objects.get(code=city) if city else None,
                email=f"{name}@demo.example",
                name=name.replace("-", " ").title(),
            )
        made[name] = user
    return made


def _call(city: City, by) -> Call:
    existing = Call.objects.filter(city=city, title__startswith="Demo:").first()
    if existing:
        return existing
    strategy = Strategy.objects.current().get(city=city)
    now = timezone.now()
    call = services.create_call(
        by=by,
        city=city,
        title=f"Demo: GTI-oproep duurzame stedelijke ontwikkeling {city.name_nl}",
        description="Oproep met demogegevens.",
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now + datetime.timedelta(days=60),
        themes=[t.code for t in strategy.themes.all()],
        envelopes={"P1": Decimal("2940000.00"), "P2": Decimal("1960000.00")},
    )
    return services.publish_call(call, by=by)


def _proposal_data(strategy: Strategy, n: int, rng: random.Random) -> dict:
    themes = list(strategy.themes.prefetch_related("example_actions", "specific_objectives"))
    theme = themes[n % len(themes)]
    actions = list(theme.example_actions.all())
    action = actions[(n // len(themes)) % len(actions)]
    objective = list(theme.specific_objectives.all())[n % theme.specific_objectives.count()]
    indicators = [i for i in objective.indicators.all() if not i.territorial and i.kind == "output"]
    areas = list(strategy.areas.all())
    works = Decimal(rng.randrange(80, 900) * 1000)
    staff = Decimal(rng.randrange(20, 200) * 1000)
    rate = rng.choice([Decimal("0.40"), Decimal("0.35"), Decimal("0.30")])
    total = works + staff
    erdf = (total * rate).quantize(Decimal("0.01"))
    partners = (total * Decimal("0.10")).quantize(Decimal("0.01"))
    start = datetime.date(2026, 1 + n % 12, 1)
    title = action.text_nl.rstrip(".")
    if len(title) > 120:
        title = title[:117].rsplit(" ", 1)[0] + "…"
    return {
        "promoter": PROMOTERS[strategy.city.code][n % 4],
        "contact_name": rng.choice(
            ["An Peeters", "Mohamed El Amrani", "Lies Janssens", "Tom Claes"]
        ),
        "contact_email": f"projectleider{n}@demo.example",
        "contact_phone": f"+32 3 555 {n:02d} {n:02d}",
        "city_role": rng.choice(["initiator", "initiator", "regierol", "partner"]),
        "title": title,
        "summary": action.text_nl,
        "description": f"{action.group_nl + ': ' if action.group_nl else ''}{action.text_nl}",
        "theme": theme.code,
        "specific_objective": objective.code,
        "areas": [a.code for a in rng.sample(areas, k=min(len(areas), 1 + n % 3))],
        "start_date": start.isoformat(),
        "end_date": start.replace(year=2028).isoformat(),
        "erdf_requested": str(erdf),
        "erdf_rate": str(rate),
        "research_infrastructure": n % 17 == 5,
        "budget_lines": [
            {"category": "works", "description": "Uitvoering", "amount": str(works)},
            {"category": "staff", "description": "Projectteam", "amount": str(staff)},
        ],
        "co_financing": [
            {"source": "city", "amount": str(total - erdf - partners)},
            {"source": "partners", "amount": str(partners)},
        ],
        "indicator_targets": [
            {"indicator": indicators[0].code, "baseline": "0", "target": str(rng.randint(1, 40))},
        ]
        if indicators
        else [],
        "justifications": {
            p.code: f"Het project beantwoordt aan {p.code}: {p.text_nl.lower()}."
            for p in strategy.principles.all()
        },
        "policy_references": [r.code for r in strategy.policy_references.all()[n % 5 : n % 5 + 1]],
    }


def _advance(proposal, target: str, people: dict, city: str, rng: random.Random):
    applicant, secretariat = people[f"demo-aanvrager-{city}"], people[f"demo-secretariaat-{city}"]
    assessors = [people[f"demo-beoordelaar-{city}-1"], people[f"demo-beoordelaar-{city}-2"]]
    if target == S.DRAFT:
        return proposal
    if target == S.WITHDRAWN:
        return services.withdraw_proposal(proposal, by=applicant, reason="Demo: ingetrokken")
    proposal = services.submit_proposal(proposal, by=applicant)
    if target == S.SUBMITTED:
        return proposal
    proposal = services.start_screening(proposal, by=secretariat)
    if target == S.IN_SCREENING:
        return proposal
    principles = proposal.call.strategy.principles.all()
    checklist = {p.code: ("pass", "") for p in principles}
    if target == S.INADMISSIBLE and not proposal.research_infrastructure:
        first = principles[0]
        checklist[first.code] = ("fail", "Demo: onvoldoende stedelijke invalshoek")
    proposal = services.screen_proposal(proposal, by=secretariat, checklist=checklist)
    if target in {S.ADMISSIBLE, S.INADMISSIBLE} or proposal.state == S.INADMISSIBLE:
        return proposal
    proposal = services.assign_assessors(proposal, by=secretariat, assessors=assessors)
    if target == S.IN_ASSESSMENT:
        return proposal
    base = rng.randint(4, 9)
    for k, assessor in enumerate(assessors):
        assignment = proposal.assignments.get(assessor=assessor)
        services.declare_no_conflict(assignment, by=assessor)
        scores = {
            c.code: (max(0, min(c.max_score, base + rng.randint(-1, 1) + k)), "Demo-motivering")
            for c in proposal.call.criteria.all()
        }
        services.score_proposal(assignment, by=assessor, scores=scores)
    return proposal


def _select(call: Call, people: dict, city: str, progress) -> None:
    """Envelopes, a scenario and, in Antwerp, a confirmed steering-committee meeting (so every
    state of the lifecycle shows); Ghent's assessed proposals still wait for their meeting."""
    from gti.portfolio import services as portfolio

    secretariat = people[f"demo-secretariaat-{city}"]
    programme = call.strategy.programme
    portfolio.set_envelopes(
        by=people["demo-managementautoriteit"], programme=programme, city=call.city,
        lines=[{"priority": code, "amount": amount}
               for code, amount in portfolio.proposed_split(programme, CITY_ERDF).items()],
    )  # fmt: skip
    scenario = portfolio.run_scenario(call, by=secretariat, name="Demo: optimum", options={})
    progress(f"{city}: scenario {scenario.name} ({scenario.result['status']})")
    if city != "antwerpen":
        return
    meeting = portfolio.open_decision_round(
        call, by=secretariat, date=timezone.localdate(), scenario=scenario
    )
    reserve = meeting.decisions.filter(outcome="reserve").order_by("-reserve_rank").first()
    if reserve:
        portfolio.set_decision(
            meeting, by=secretariat, proposal=reserve.proposal,
            outcome="rejected", reason="Demo: te weinig stedelijke impact",
        )  # fmt: skip
    votes = {d.proposal.reference: ("for", "") for d in meeting.decisions.all()}
    for member in (f"demo-stuurgroep-{city}", f"demo-stuurgroep-{city}-2"):
        portfolio.sign_meeting(meeting, by=people[member], votes=votes)
    portfolio.confirm_meeting(meeting, by=people[f"demo-stuurgroep-{city}"])
    progress(f"{city}: steering committee confirmed")


def run(progress=print) -> dict:
    """Make the demo data once; return the demo users."""
    people = users()
    for city in City.objects.filter(strategies__is_current=True).distinct().order_by("code"):
        call = _call(city, people[f"demo-secretariaat-{city.code}"])
        if call.proposals.exists():
            progress(f"{city.code}: demo proposals already there")
            continue
        rng = random.Random(f"gti-demo-{city.code}")
        for n, target in enumerate(PLAN):
            data = _proposal_data(call.strategy, n, rng)
            proposal = services.save_proposal(call, data, by=people[f"demo-aanvrager-{city.code}"])
            _advance(proposal, target, people, city.code, rng)
            progress(f"{city.code}: proposal {n + 1}/{len(PLAN)}")
        _select(call, people, city.code, progress)
    return people
