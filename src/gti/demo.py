"""Demo data: a GTI call of the managing authority for Antwerp and Ghent under the programme's
default procedure, about forty proposals drawn from the strategies' example actions and spread over
every step (pre-registration, admissibility, the Technical Working Group, the steering committees'
validation, the managing authority's decision), the grants of the approved proposals with an
amendment each, their first progress reports and claims (verified, paid, in payment
applications) and the claims their beneficiaries plan, a participatory budget per city (Ghent's
wijkbudget counted, Antwerp's burgerbudget still voting), and demo users for every role.

Everything goes through the real services, so the demo also exercises the rules and the audit
trail. Running it again changes nothing. The demo users' passwords are printed: demo only.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from gti.accounts import audit
from gti.accounts.models import Role
from gti.accounts.services import create_user
from gti.documents import services as documents
from gti.errors import Refused
from gti.monitoring import claims, money, reports
from gti.monitoring import services as grants
from gti.monitoring.models import Grant
from gti.portfolio import services as portfolio
from gti.proposals import services
from gti.proposals.models import Call, IndicatorTarget, PreRegistration, Proposal
from gti.strategy import schema
from gti.strategy.models import City, Programme, Strategy

DEMO_PASSWORD = "demo-gti-2026"
CENT = Decimal("0.01")
S = Proposal.State

# name: (role, city)
DEMO_USERS = {
    "demo-aanvrager-antwerpen": (Role.APPLICANT, "antwerpen"),
    "demo-aanvrager-gent": (Role.APPLICANT, "gent"),
    "demo-secretariaat-antwerpen": (Role.SECRETARIAT, "antwerpen"),
    "demo-secretariaat-gent": (Role.SECRETARIAT, "gent"),
    "demo-expert-1": (Role.ASSESSOR, None),
    "demo-expert-2": (Role.ASSESSOR, None),
    "demo-stuurgroep-antwerpen-1": (Role.STEERING_COMMITTEE, "antwerpen"),
    "demo-stuurgroep-antwerpen-2": (Role.STEERING_COMMITTEE, "antwerpen"),
    "demo-stuurgroep-antwerpen-3": (Role.STEERING_COMMITTEE, "antwerpen"),
    "demo-stuurgroep-gent-1": (Role.STEERING_COMMITTEE, "gent"),
    "demo-stuurgroep-gent-2": (Role.STEERING_COMMITTEE, "gent"),
    "demo-stuurgroep-gent-3": (Role.STEERING_COMMITTEE, "gent"),
    "demo-beheersautoriteit-1": (Role.MANAGING_AUTHORITY, None),
    "demo-beheersautoriteit-2": (Role.MANAGING_AUTHORITY, None),
    "demo-auditor": (Role.AUDITOR, None),
}

# The states the demo proposals reach before the steering committees and the managing authority
# decide, per city (20 each); the assessed ones go on to validation and, in Antwerp, a decision.
PLAN = (
    [S.DRAFT] * 2
    + [S.SUBMITTED] * 2
    + [S.IN_SCREENING] * 1
    + [S.ADMISSIBLE] * 2
    + [S.INADMISSIBLE] * 2
    + [S.IN_ASSESSMENT] * 2
    + [S.ASSESSED] * 8
    + [S.WITHDRAWN] * 1
)
# The call's own envelopes (the first three GTI calls, of 22 March 2023, opened with EUR 9.8
# million for both cities) and each city's envelope, split over the priorities by the programme's
# shares: small enough that the managing authority has to choose.
CALL_ENVELOPES = {"P1": Decimal("1500000.00"), "P2": Decimal("1000000.00")}
CITY_ERDF = Decimal("1200000.00")

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


def _call(people) -> Call:
    existing = Call.objects.filter(title__startswith="Demo:").first()
    if existing:
        return existing
    programme = Programme.objects.current().order_by("code").first()
    strategies = Strategy.objects.current().filter(programme=programme)
    now = timezone.now()
    by = people["demo-beheersautoriteit-1"]
    call = services.create_call(
        by=by,
        city=None,
        title="Demo: GTI-oproep duurzame stedelijke ontwikkeling Antwerpen en Gent",
        description="Oproep met demogegevens, voor beide GTI-steden.",
        opens_at=now - datetime.timedelta(days=30),
        preregistration_closes_at=now + datetime.timedelta(days=14),
        closes_at=now + datetime.timedelta(days=60),
        themes=[t.code for s in strategies for t in s.themes.all()],
        envelopes=CALL_ENVELOPES,
    )
    # The annexes the call asks: every partner's letter of commitment is required.
    documents.set_annex_kinds(call, by=by, kinds=CALL_ANNEXES)
    documents.upload(call, by=by, kind="call_text",
                     file=_pdf("oproeptekst.pdf", call.title, call.description))  # fmt: skip
    documents.upload(call, by=by, kind="guidance",
                     file=_pdf("handleiding.pdf", "Handleiding voor aanvragers",
                               "Demo: zo dient u een projectvoorstel in."))  # fmt: skip
    return services.publish_call(call, by=by)


CALL_ANNEXES = {
    "letter_of_commitment": "required",
    "cost_quote": "optional",
    "plan": "optional",
    "state_aid_declaration": "optional",
}


def _pdf(name: str, *lines: str) -> ContentFile:
    """A small one-page PDF with the lines as text: real enough for any viewer."""

    def literal(line: str) -> str:  # a PDF string: backslash and parentheses escaped
        plain = line.encode("latin-1", "replace").decode("latin-1")
        return plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = " ".join(f"({literal(line)}) Tj 0 -18 Td" for line in lines)
    stream = f"BT /F1 12 Tf 56 780 Td {text} ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)  # fmt: skip
    return ContentFile(bytes(out), name=name)


def _annexes(proposal, by, n: int) -> None:
    """The partners' letters of commitment, and a cost quote for every other proposal."""
    documents.upload(proposal, by=by, kind="letter_of_commitment",
                     file=_pdf("engagementsverklaring.pdf", proposal.title,
                               f"Demo: engagement van de partners van {proposal.promoter}.",
                               ))  # fmt: skip
    if n % 2 == 0:
        documents.upload(proposal, by=by, kind="cost_quote",
                         file=_pdf("offerte.pdf", proposal.title, "Demo: offerte."))  # fmt: skip


def _enterprise_number(n: int) -> str:
    """A made-up Belgian enterprise number that passes the mod-97 check."""
    first = f"0{7000000 + 37 * n:07d}"
    return f"{first}{97 - int(first) % 97:02d}"


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
        "city_role": rng.choice(["initiator", "initiator", "regierol"]),
        "title": title,
        "summary": action.text_nl,
        "description": f"{action.group_nl + ': ' if action.group_nl else ''}{action.text_nl}",
        "theme": theme.code,
        "specific_objective": objective.code,
        "areas": [a.code for a in rng.sample(areas, k=min(len(areas), 1 + n % 3))],
        "urban_angle": f"Een stedelijke uitdaging: {theme.name_nl.lower()}.",
        "additionality": "Geen steun uit de reguliere EFRO-oproepen of andere programma's.",
        "partners": [
            {
                "name": PROMOTERS[strategy.city.code][n % 4],
                "enterprise_number": _enterprise_number(n),
                "share": "1",
            }
        ],
        "start_date": start.isoformat(),
        "end_date": start.replace(year=2028).isoformat(),
        "erdf_requested": str(erdf),
        "erdf_rate": str(rate),
        "research_infrastructure": n % 17 == 5,
        "budget_lines": [
            {"category": "works", "description": "Uitvoering", "amount": str(works)},
            {
                "category": "staff",
                "description": "Projectteam",
                "cost_option": "unit_cost",
                "units": str(staff / 50),
                "unit_rate": "50.00",
            },
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
        # the first two assessed projects serve a goal beyond their theme's
        "sdgs": [10 if 10 not in theme.sdgs else 17] if n in (11, 12) else [],
    }


def _preregister(call, data: dict, city: str, people: dict, n: int) -> PreRegistration:
    """The first step and the managing authority's advice, the full proposal opened from it."""
    applicant = people[f"demo-aanvrager-{city}"]
    total = Decimal(data["erdf_requested"]) + sum(
        Decimal(c["amount"]) for c in data["co_financing"]
    )
    prereg = services.preregister(
        call,
        {
            "city": city,
            "promoter": data["promoter"],
            "partners": "",
            "title": data["title"],
            "idea": data["summary"],
            "theme": data["theme"],
            "specific_objective": data["specific_objective"],
            "total_cost": str(total),
            "erdf_requested": data["erdf_requested"],
        },
        by=applicant,
    )
    services.give_feedback(
        prereg,
        by=people[f"demo-secretariaat-{city}"],
        advice="go",
        remarks="Past in de GTI-strategie van de stad.",
    )
    return services.give_feedback(
        prereg,
        by=people["demo-beheersautoriteit-1"],
        advice="adjust" if n % 3 == 0 else "go",
        remarks="Verduidelijk de indicatoren in het projectvoorstel."
        if n % 3 == 0
        else "Ga door naar het projectvoorstel.",
    )


def _advance(proposal, target: str, people: dict, city: str, rng: random.Random):
    applicant = people[f"demo-aanvrager-{city}"]
    authority = people["demo-beheersautoriteit-1"]
    experts = [people["demo-expert-1"], people["demo-expert-2"]]
    if target == S.DRAFT:
        return proposal
    if target == S.WITHDRAWN:
        return portfolio.withdraw_proposal(proposal, by=applicant, reason="Demo: ingetrokken")
    proposal = services.submit_proposal(proposal, by=applicant)
    if target == S.SUBMITTED:
        return proposal
    proposal = services.start_screening(proposal, by=authority)
    if target == S.IN_SCREENING:
        return proposal
    checklist = {i["code"]: ("pass", "") for i in services.checklist_items(proposal)}
    checklist["climate-proofing"] = ("n/a", "")
    if target == S.INADMISSIBLE and not proposal.research_infrastructure:
        checklist["not-completed"] = ("fail", "Demo: de werken waren al voltooid bij de aanvraag")
    proposal = services.screen_proposal(proposal, by=authority, checklist=checklist)
    if target in {S.ADMISSIBLE, S.INADMISSIBLE} or proposal.state == S.INADMISSIBLE:
        return proposal
    proposal = services.assign_assessors(proposal, by=authority, assessors=experts)
    if target == S.IN_ASSESSMENT:
        return proposal
    base = rng.randint(4, 9)
    for k, expert in enumerate(experts):
        assignment = proposal.assignments.get(assessor=expert)
        services.declare_no_conflict(assignment, by=expert)
        scores = {
            c.code: (
                max(0, min(c.max_score, round(c.max_score * (base + k) / 10))),
                "Demo-motivering",
            )
            for c in proposal.call.criteria.all()
        }
        services.score_proposal(assignment, by=expert, scores=scores)
    return proposal


def _validate(call: Call, city: City, people: dict, progress, not_fitting: bool):
    """The city's steering committee validates: three members sign, the third abstains on the
    first proposal for a conflict of interest; in Ghent one proposal does not fit."""
    meeting = portfolio.open_validation(
        call, by=people[f"demo-secretariaat-{city.code}"], city=city, date=timezone.localdate()
    )
    decisions = list(meeting.decisions.select_related("proposal").order_by("proposal__reference"))
    if not decisions:
        return
    if not_fitting:
        portfolio.set_decision(
            meeting, by=people[f"demo-secretariaat-{city.code}"], proposal=decisions[-1].proposal,
            outcome="does_not_fit", reason="Demo: geen stedelijke invalshoek in de wijk",
        )  # fmt: skip
    refs = [d.proposal.reference for d in decisions]
    for n in (1, 2, 3):
        member = people[f"demo-stuurgroep-{city.code}-{n}"]
        votes = {ref: ("for", "") for ref in refs}
        if n == 3:
            votes[refs[0]] = ("conflict", "Demo: lid van de raad van bestuur van de promotor")
        portfolio.sign_meeting(meeting, by=member, votes=votes)
    portfolio.confirm_meeting(meeting, by=people[f"demo-stuurgroep-{city.code}-1"])
    progress(f"{city.code}: steering committee validated {len(refs)} proposals")


def _decide(call: Call, city: City, people: dict, progress) -> None:
    """The managing authority decides on Antwerp's validated proposals from a scenario: two
    officers sign; an assessed proposal below the minimum scores is rejected."""
    first, second = people["demo-beheersautoriteit-1"], people["demo-beheersautoriteit-2"]
    scenario = portfolio.run_scenario(call, by=first, name="Demo: optimum", options={})
    progress(f"scenario {scenario.name} ({scenario.result['status']})")
    meeting = portfolio.open_decision_round(
        call, by=first, date=timezone.localdate(), scenario=scenario
    )
    # Ghent's validated proposals wait for a later round.
    for d in meeting.decisions.select_related("proposal"):
        if d.proposal.city_id != city.pk:
            portfolio.remove_decision(meeting, by=first, proposal=d.proposal,
                                      reason="Demo: beslissing in een latere ronde")  # fmt: skip
    below = call.proposals.filter(city=city, state=S.ASSESSED, meets_minimums=False).first()
    if below:
        portfolio.set_decision(
            meeting, by=first, proposal=below, outcome="rejected",
            reason="Demo: haalt de minimumscore van 30/50 strategisch of 60/100 niet",
        )  # fmt: skip
    approved = list(
        meeting.decisions.filter(outcome="approved").order_by("proposal__consolidated_score")
    )
    if len(approved) > 1:  # the weakest waits on the reserve list for released money
        portfolio.set_decision(
            meeting, by=first, proposal=approved[0].proposal, outcome="reserve", rank=1
        )
    refs = [d.proposal.reference for d in meeting.decisions.select_related("proposal")]
    for officer in (first, second):
        portfolio.sign_meeting(meeting, by=officer, votes={ref: ("for", "") for ref in refs})
    portfolio.confirm_meeting(meeting, by=second)
    progress(f"{city.code}: managing authority decided on {len(refs)} proposals")


def _decide_one(call: Call, city: City, people: dict, progress) -> None:
    """A later round of the managing authority approves the best validated proposal of `city`
    (the others keep waiting), so that both cities have an approved project."""
    first, second = people["demo-beheersautoriteit-1"], people["demo-beheersautoriteit-2"]
    best = (
        call.proposals.filter(city=city, state=S.VALIDATED)
        .order_by("-consolidated_score", "reference")
        .first()
    )
    if best is None:
        return
    meeting = portfolio.open_decision_round(call, by=first, date=timezone.localdate(),
                                            approve=best)  # fmt: skip
    for officer in (first, second):
        portfolio.sign_meeting(meeting, by=officer, votes={best.reference: ("for", "")})
    portfolio.confirm_meeting(meeting, by=second)
    progress(f"{city.code}: managing authority approved {best.reference}")


def _grants(call: Call, people: dict, progress) -> None:
    """The grant of every approved proposal: version 1 from the decision, prepared by one
    officer and approved by the other, then an amendment adding a milestone, approved too."""
    first, second = people["demo-beheersautoriteit-1"], people["demo-beheersautoriteit-2"]
    today = timezone.localdate()
    for proposal in call.proposals.filter(state=S.APPROVED).order_by("reference"):
        grant = grants.open_grant(proposal, by=first)
        v1 = grants.approve_version(grant.versions.get(), by=second, in_force_from=today)
        due = max(v1.eligible_from, v1.eligible_until - datetime.timedelta(days=90))
        v2 = grants.amend(
            grant, by=first, reason="Demo: mijlpaal oplevering vastgelegd na de startvergadering",
            milestones=[{"title": "Oplevering van de werken", "due": due.isoformat()}],
        )  # fmt: skip
        grants.approve_version(v2, by=second, in_force_from=today)
        progress(f"{proposal.city.code}: grant of {proposal.reference}, two versions")


def _follow_up(call: Call, people: dict, progress) -> None:
    """Each grant's first progress report and first claim, as the beneficiary makes them and
    the managing authority handles them: the first report accepted, the others waiting; every
    claim sampled and verified (one line reduced with its reason), all but the last paid by the
    second officer; then a payment application per city and priority, submitted."""
    first, second = people["demo-beheersautoriteit-1"], people["demo-beheersautoriteit-2"]
    today = timezone.localdate()
    all_grants = list(Grant.objects.filter(proposal__call=call).select_related("proposal__city"))
    for n, grant in enumerate(all_grants):
        beneficiary = people[f"demo-aanvrager-{grant.proposal.city.code}"]
        report = reports.start_report(grant, by=beneficiary)
        version = reports.conditions_for(report)
        reports.save_report(
            report, by=beneficiary,
            narrative="Demo: het ontwerp is klaar en besproken met de buurt; aanbesteding loopt.",
            risks="Demo: de levering van materialen kan vertragen.",
            milestones=[{"title": m["title"], "status": "on_track", "note": ""}
                        for m in version.milestones],
            indicators=[{"code": i["code"], "reason": "",
                         "value": str((Decimal(i["target"]) * Decimal("0.3")).quantize(CENT))}
                        for i in version.indicators],
        )  # fmt: skip
        reports.submit_report(report, by=beneficiary)
        if n == 0:
            reports.review_report(report, by=first, outcome="accept")
        terms = grants.in_force(grant, today)
        day = min(max(terms.eligible_from, today - datetime.timedelta(days=30)),
                  terms.eligible_until)  # fmt: skip
        partner = next(iter(terms.partner_budget))
        lines = [
            {"category": category, "partner": partner, "invoice": f"DEMO-{grant.pk}-{k}",
             "date": day.isoformat(), "description": "Demo: factuur",
             "amount": f"{(Decimal(amount) * Decimal('0.2')).quantize(CENT):.2f}"}
            for k, (category, amount) in enumerate(sorted(terms.budget.items())[:2], start=1)
        ]  # fmt: skip
        claim = claims.start_claim(grant, by=beneficiary)
        claims.save_lines(claim, by=beneficiary, lines=lines)
        claims.submit_claim(claim, by=beneficiary)
        claims.draw_sample(claim, by=first, size=1, seed=20261126 + n)
        verdicts = [{"line": 1, "outcome": "accept"}]
        if len(lines) > 1:
            kept = (Decimal(lines[1]["amount"]) * Decimal("0.95")).quantize(CENT)
            verdicts.append({"line": 2, "outcome": "reduce", "amount": f"{kept:.2f}",
                             "reason": "Demo: 5% niet gestaafd door een offerte"})  # fmt: skip
        claims.verify_claim(claim, by=first, verdicts=verdicts)
        if n < len(all_grants) - 1:
            claims.pay_claim(claim, by=second, paid_on=today)
        progress(f"{grant.proposal.city.code}: report and claim of {grant.proposal.reference}")
        _plan(grant, terms, beneficiary, today)
    year = money.accounting_year(today)
    for city in call.cities:
        for priority in call.programme.priorities.order_by("position"):
            try:
                application = claims.prepare_payment_application(
                    by=first, city=city, priority=priority, accounting_year=year
                )
            except Refused:  # nothing verified for this city and priority
                continue
            claims.submit_payment_application(application, by=second, submitted_on=today)
            progress(f"{city.code}: payment application {application}")


def _plan(grant, terms, beneficiary, today: datetime.date) -> None:
    """Two coming claims the beneficiary plans, in four and in ten months: a third and a
    quarter of the eligible budget (what the dashboard's N+3 forecast counts on)."""
    budget = sum((Decimal(a) for a in terms.budget.values()), Decimal("0.00"))
    last = terms.eligible_until + claims.PLAN_REACH
    planned = [
        {"expected_on": min(today + datetime.timedelta(days=d), last).isoformat(),
         "amount": f"{(budget * share).quantize(CENT):.2f}"}
        for d, share in ((120, Decimal("0.33")), (300, Decimal("0.25")))
    ]  # fmt: skip
    claims.save_plan(grant, by=beneficiary, planned=planned)


def _envelopes(call: Call, people: dict) -> None:
    programme = call.programme
    for city in call.cities:
        for code, amount in portfolio.proposed_split(programme, CITY_ERDF).items():
            portfolio.set_envelope(
                by=people["demo-beheersautoriteit-1"], programme=programme, city=city,
                priority=programme.priorities.get(code=code), amount=amount,
            )  # fmt: skip


def foreign_data() -> list[str]:
    """What the demo did not make: other people's accounts and proposals. The demo refuses to
    mix its data (and its published passwords) into such a database. Administrators are tools
    of the installation (`gti localadmin`), not data. Accounts named `demo-…` are the demo's, also
    those an earlier version of the demo made."""
    User = get_user_model()
    others = User.objects.exclude(username__startswith="demo-").exclude(is_superuser=True)
    proposals = Proposal.objects.exclude(applicant__username__startswith="demo-")
    found = []
    if others.exists():
        found.append(f"{others.count()} user(s) such as {others.order_by('pk').first()}")
    if proposals.exists():
        found.append(f"{proposals.count()} proposal(s) such as {proposals.order_by('pk').first()}")
    return found


MILESTONE, TARGET = Decimal("0.3"), Decimal("1.2")  # of the demo projects' targets


def _performance(programme: Programme, progress) -> None:
    """Demo milestones 2024 and targets 2029 (CPR art. 16) for the output indicators the approved
    demo projects target, so that the dashboard's indicator figure shows them: 30% and 120% of
    the projects' targets. They are not the programme's: its real figures go in the `performance`
    block of the programme file (strategy/data/efro-vlaanderen-2021-2027.yaml); when that block
    holds figures, the demo leaves them as they are."""
    if ((programme.source or {}).get("performance") or {}).get("indicators"):
        return
    totals = (
        IndicatorTarget.objects.filter(proposal__call__programme=programme,
                                       proposal__state=S.APPROVED, indicator__kind="output")
        .order_by("indicator__code").values_list("indicator__code").annotate(total=Sum("target"))
    )  # fmt: skip
    block = schema.PerformanceFile.model_validate({
        "source": {"nl": "Demogegevens, niet die van het programma",
                   "en": "Demo figures, not the programme's"},
        "indicators": [{"indicator": code, "milestone_2024": (total * MILESTONE).quantize(CENT),
                        "target_2029": (total * TARGET).quantize(CENT)} for code, total in totals],
    }).model_dump(mode="json")  # fmt: skip
    with transaction.atomic():
        programme.source = {**(programme.source or {}), "performance": block}
        programme.save(update_fields=["source"])
        audit.record("strategy.performance.demo", programme, by=None, after=block,
                     reason="demo figures; the programme's go in its file")  # fmt: skip
    progress(f"demo milestones 2024 and targets 2029 for {len(block['indicators'])} indicators")


def _notification_preferences(people) -> None:
    """A few people choose how their messages arrive (the rest: e-mail at once)."""
    from gti.notifications import services as notifications

    notifications.save_preferences(
        people["demo-expert-1"], language="en", choices={"assigned": "digest"}
    )
    notifications.save_preferences(
        people["demo-aanvrager-gent"], language="nl",
        choices={"admissibility": "in_app", "deadline": "digest"},
    )  # fmt: skip
    notifications.save_preferences(
        people["demo-beheersautoriteit-1"], language="en", choices={"round": "digest"}
    )


# Participatory budgets: Ghent's wijkbudget in Dampoort, counted (approval ballots), and
# Antwerp's burgerbudget in Borgerhout, still voting (points, as at its district meetings).
BUDGETS = {
    "gent": {"area": "dampoort", "name": "Wijkbudget Dampoort 2026", "budget": "150000",
             "ballot_kind": "approval", "min_projects": 1, "max_projects": 3,
             "voters": 60, "results": True},
    "antwerpen": {"area": "borgerhout", "name": "Burgerbudget Borgerhout 2026",
                  "budget": "200000", "ballot_kind": "cumulative", "points_per_voter": 10,
                  "max_points_per_project": 5, "voters": 40, "results": False},
}  # fmt: skip
BUDGET_IDEAS = [
    ("Speelplein met schaduwbomen", "Een speelplein met bomen en een waterpunt.", "45000"),
    ("Geveltuinen in elke straat", "Geveltuinen aanleggen met de bewoners.", "20000"),
    ("Overdekte fietsenstalling", "Een buurtfietsenstalling bij het plein.", "60000"),
    ("Buurtmoestuin", "Een moestuin op een braakliggend perceel.", "30000"),
    ("Zitbanken langs de wandelroute", "Rustpunten voor ouderen.", "15000"),
    ("Ontmoetingsruimte voor jongeren", "Een lokaal met een vaste begeleider.", "80000"),
    ("Kunst in de onderdoorgang", "Een muurschildering met kinderen van de buurt.", "12000"),
]


def _budgets(people, progress) -> None:
    from gti.budgeting import services as budgeting

    for code, plan in BUDGETS.items():
        city = City.objects.get(code=code)
        secretariat = people[f"demo-secretariaat-{code}"]
        strategy = city.strategies.current().get()
        themes = list(strategy.themes.all())
        plan = dict(plan)
        voters, counted = plan.pop("voters"), plan.pop("results")
        round_ = budgeting.create_round(
            by=secretariat, city=city, area=strategy.areas.get(code=plan.pop("area")), **plan
        )
        for n, (title, text, cost) in enumerate(BUDGET_IDEAS):
            budgeting.propose_idea(round_, title=title, description=text, estimated_cost=cost,
                                   theme=themes[n % len(themes)])  # fmt: skip
        round_ = budgeting.advance(round_, by=secretariat)
        for n, idea in enumerate(round_.ideas.all()):
            if n == 5:
                budgeting.review_idea(idea, by=secretariat, feasible=False,
                                      reason="Geen vaste begeleider binnen dit budget")  # fmt: skip
            else:
                final = (idea.estimated_cost * Decimal("1.1")).quantize(CENT)
                budgeting.review_idea(idea, by=secretariat, feasible=True, final_cost=final)
        round_ = budgeting.advance(round_, by=secretariat)
        rng = random.Random(f"gti-demo-budget-{code}")
        ideas = [str(i.pk) for i in budgeting.on_ballot(round_)]
        popular = ideas[:3]  # some ideas draw more support, as in every neighbourhood
        for letter in budgeting.generate_codes(round_, voters, by=secretariat):
            voter = budgeting.identify(round_, kind="code", identity=letter,
                                       birth_year=rng.randint(1940, 2008))  # fmt: skip
            chosen = rng.sample(popular, 1) + rng.sample(ideas, rng.randint(0, 2))
            if round_.cumulative:
                choices = {k: 0 for k in chosen}
                for k in rng.choices(chosen, k=rng.randint(4, 10)):
                    choices[k] = min(choices[k] + 1, 5)
            else:
                choices = dict.fromkeys(chosen, 1)
            budgeting.cast_ballot(round_, voter, choices)
        if counted:
            budgeting.advance(round_, by=secretariat, reason="stemming afgesloten")
        progress(f"{code}: participatory budget {round_.name} ({round_.get_phase_display()})")


def run(progress=print) -> dict:
    """Make the demo data once; return the demo users."""
    people = users()
    call = _call(people)
    if call.proposals.exists():
        progress("demo proposals already there")
        return people
    _envelopes(call, people)
    _notification_preferences(people)
    for city in call.cities:
        rng = random.Random(f"gti-demo-{city.code}")
        strategy = services.strategy_in_force(city, call.programme)
        for n, target in enumerate(PLAN):
            data = _proposal_data(strategy, n, rng)
            prereg = _preregister(call, data, city.code, people, n)
            proposal = services.open_proposal(prereg, by=people[f"demo-aanvrager-{city.code}"])
            services.save_proposal(
                call, data, by=people[f"demo-aanvrager-{city.code}"], proposal=proposal
            )
            _annexes(proposal, people[f"demo-aanvrager-{city.code}"], n)
            _advance(proposal, target, people, city.code, rng)
            progress(f"{city.code}: proposal {n + 1}/{len(PLAN)}")
        # One pre-registration still waits for advice.
        data = _proposal_data(strategy, len(PLAN), rng)
        services.preregister(
            call,
            {
                "city": city.code, "promoter": data["promoter"], "title": data["title"],
                "idea": data["summary"], "theme": data["theme"],
                "specific_objective": data["specific_objective"], "total_cost": "250000.00",
                "erdf_requested": "100000.00",
            },
            by=people[f"demo-aanvrager-{city.code}"],
        )  # fmt: skip
        _validate(call, city, people, progress, not_fitting=city.code == "gent")
    _decide(call, City.objects.get(code="antwerpen"), people, progress)
    _decide_one(call, City.objects.get(code="gent"), people, progress)
    _grants(call, people, progress)
    _follow_up(call, people, progress)
    _performance(call.programme, progress)
    _participation(call, people, progress)
    _budgets(people, progress)
    return people


# Participation moments in the cities' own channels (strategy, section 5), per city:
# (days ago, channel, target group, participants, question, outcome, feedback days later, how)
MOMENTS = {
    "antwerpen": [
        (
            90,
            "online_survey",
            "residents",
            412,
            "Welke noden ziet u in uw district?",
            "Meer groen en veilige schoolroutes staan bovenaan.",
            30,
            "Resultaten op de website en in het districtsmagazine.",
        ),
        (
            60,
            "info_stand",
            "visitors",
            75,
            "Wat mist u op dit plein?",
            "Schaduw, zitbanken en drinkwater.",
            None,
            "",
        ),
        (
            45,
            "sounding_board",
            "businesses",
            14,
            "Hoe houden we de winkelstraat bereikbaar?",
            "Leveringen buiten de spits; fietsenstallingen.",
            20,
            "Verslag aan de leden.",
        ),
    ],
    "gent": [
        (
            80,
            "platform",
            "residents",
            230,
            "Welke projecten wil je in je wijk?",
            "Ontharding, speelruimte en fietsroutes.",
            25,
            "Bericht op het participatieplatform.",
        ),
        (
            50,
            "wijkbudget",
            "civil_society",
            38,
            "Welke buurtinitiatieven steunen we mee?",
            "Drie voorstellen rond groen en ontmoeting.",
            None,
            "",
        ),
    ],
}


def _participation(call: Call, people: dict, progress) -> None:
    """Moments per city on the call and on approved projects; an open consultation on the call
    with a few residents who took part by a letter code, one comment hidden by the city."""
    from gti.participation import services as participation

    today = timezone.localdate()
    for city in call.cities:
        by = people[f"demo-secretariaat-{city.code}"]
        approved = list(call.proposals.filter(city=city, state=S.APPROVED).order_by("reference"))
        for n, (ago, channel, group, people_n, asked, came_out, later, how) in enumerate(
            MOMENTS[city.code]
        ):
            target = approved[n - 1] if n and len(approved) >= n else call
            participation.record_moment(target, {
                "city": city.code, "held_on": today - datetime.timedelta(days=ago),
                "channel": channel, "target_group": group, "participants": people_n,
                "question": asked, "outcome": came_out,
                "feedback_on": today - datetime.timedelta(days=ago - later) if later else None,
                "feedback_how": how,
            }, by=by)  # fmt: skip
    now = timezone.now()
    consultation = participation.set_consultation(
        call,
        {
            "opens_at": now - datetime.timedelta(days=7),
            "closes_at": now + datetime.timedelta(days=21),
        },
        by=people["demo-beheersautoriteit-1"],
    )
    codes = participation.make_letter_codes(consultation, 3, by=people["demo-secretariaat-gent"])
    residents = [participation.redeem_letter_code(consultation, c) for c in codes[:2]]
    consulted = list(participation.consulted_proposals(call)[:3])
    for n, proposal in enumerate(consulted):
        for resident in residents[: n + 1]:
            participation.support(resident, proposal)
    if consulted:
        participation.comment(residents[0], consulted[0], {"text": "Goed plan, graag snel."})
        rude = participation.comment(residents[1], consulted[0], {"text": "Reclame: koop nu!"})
        participation.hide_comment(
            rude,
            by=people[f"demo-secretariaat-{consulted[0].city.code}"],
            reason="Reclame, niet over het voorstel.",
        )
    progress("participation moments and an open consultation")
