"""Test data built through the real services, with one named user per role (as people say them)."""

import datetime
from copy import deepcopy
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from gti.accounts.models import Role
from gti.accounts.services import create_user
from gti.proposals import services
from gti.strategy.models import City

PASSWORD = "correct horse battery staple"

PEOPLE = {
    # name: (role, city)
    "applicant_gent": (Role.APPLICANT, "gent"),
    "applicant_gent_2": (Role.APPLICANT, "gent"),
    "applicant_antwerpen": (Role.APPLICANT, "antwerpen"),
    "secretariat_gent": (Role.SECRETARIAT, "gent"),
    "secretariat_antwerpen": (Role.SECRETARIAT, "antwerpen"),
    "assessor_gent": (Role.ASSESSOR, "gent"),
    "assessor_gent_2": (Role.ASSESSOR, "gent"),
    "assessor_gent_3": (Role.ASSESSOR, "gent"),
    "assessor_antwerpen": (Role.ASSESSOR, "antwerpen"),
    "steering_gent": (Role.STEERING_COMMITTEE, "gent"),
    "managing_authority": (Role.MANAGING_AUTHORITY, None),
    "auditor": (Role.AUDITOR, None),
}


def person(name: str):
    User = get_user_model()
    existing = User.objects.filter(username=name).first()
    if existing:
        return existing
    role, city = PEOPLE[name]
    return create_user(
        name,
        password=PASSWORD,
        role=role,
        city=City.objects.get(code=city) if city else None,
        email=f"{name}@example.org",
    )


def open_call(city_code: str = "gent", **overrides):
    city = City.objects.get(code=city_code)
    now = timezone.now()
    args = {
        "title": f"GTI-oproep {city.name_nl}",
        "opens_at": now - datetime.timedelta(days=1),
        "closes_at": now + datetime.timedelta(days=30),
        "themes": [
            "klimaatadaptatie",
            "mobiliteit",
            "energie-efficientie",
            "digitalisering-vaardigheden",
        ],
        "envelopes": {"P1": Decimal("1200000.00"), "P2": Decimal("800000.00")},
    }
    args.update(overrides)
    secretariat = person(f"secretariat_{city_code}")
    call = services.create_call(by=secretariat, city=city, **args)
    return services.publish_call(call, by=secretariat)


GHENT_PROPOSAL = {
    "promoter": "Stad Gent, Groendienst",
    "contact_name": "An Peeters",
    "contact_email": "an.peeters@example.org",
    "contact_phone": "+32 9 123 45 67",
    "city_role": "initiator",
    "title": "Wijkpark Ledeberg: ontharding en waterbuffering",
    "summary": "Een nieuw wijkpark met waterbuffering.",
    "description": "Ontharding van 1,5 ha, wadi's en bomen.",
    "theme": "klimaatadaptatie",
    "specific_objective": "SD 2.4",
    "areas": ["ledeberg"],
    "urban_angle": "Ontharding in de dichtst bebouwde wijk van de 19de-eeuwse gordel.",
    "additionality": "Geen steun uit de reguliere EFRO-oproepen of andere subsidieprogramma's.",
    "start_date": "2026-01-01",
    "end_date": "2027-12-31",
    "erdf_requested": "60000.00",
    "erdf_rate": "0.40",
    "partners": [
        {
            "name": "Stad Gent, Groendienst",
            "legal_form": "gemeente",
            "enterprise_number": "0207.451.227",
            "share": "0.8",
        },
        {
            "name": "Buurtwerk Ledeberg vzw",
            "legal_form": "vzw",
            "enterprise_number": "0412.345.614",
            "share": "0.2",
        },
    ],
    "budget_lines": [
        {"category": "works", "description": "Aanleg", "amount": "100000.00"},
        {
            "category": "staff",
            "description": "Projectleiding",
            "cost_option": "unit_cost",
            "units": "1000",
            "unit_rate": "50.00",
        },
    ],
    "co_financing": [
        {"source": "city", "amount": "70000.00"},
        {"source": "flemish_government", "amount": "20000.00"},
    ],
    "indicator_targets": [{"indicator": "RCO26", "baseline": "0", "target": "1.5"}],
    "justifications": {
        code: f"Hoe het project {code} invult."
        for code in ("G-1", "G-2", "G-3", "G-4", "G-6", "G-7")
    },
    "policy_references": ["beleidsnota-openbaar-groen"],
}


def proposal_data(**changes) -> dict:
    data = deepcopy(GHENT_PROPOSAL)
    data.update(changes)
    return data


def draft(call=None, applicant="applicant_gent", **changes):
    call = call or open_call()
    return services.save_proposal(call, proposal_data(**changes), by=person(applicant))


def submitted(call=None, **changes):
    proposal = draft(call, **changes)
    return services.submit_proposal(proposal, by=person("applicant_gent"))


PASS_ALL = {code: ("pass", "") for code in ("G-1", "G-2", "G-3", "G-4", "G-5", "G-6", "G-7")}


def eligible(call=None, **changes):
    proposal = submitted(call, **changes)
    secretariat = person("secretariat_gent")
    proposal = services.start_screening(proposal, by=secretariat)
    return services.screen_proposal(proposal, by=secretariat, checklist=PASS_ALL)


def in_assessment(call=None, **changes):
    proposal = eligible(call, **changes)
    return services.assign_assessors(
        proposal,
        by=person("secretariat_gent"),
        assessors=[person("assessor_gent"), person("assessor_gent_2")],
    )


def score_all(proposal, assessor: str, value: int):
    assignment = proposal.assignments.get(assessor__username=assessor, active=True)
    user = person(assessor)
    services.declare_no_conflict(assignment, by=user)
    scores = {c.code: (value, f"Motivering {c.code}") for c in proposal.call.criteria.all()}
    return services.score_proposal(assignment, by=user, scores=scores)


P1_CHANGES = {
    "theme": "digitalisering-vaardigheden",
    "specific_objective": "SD 1.2",
    "indicator_targets": [{"indicator": "RCO14", "target": "1"}],
}


def assessed(call, title: str, total: int, score: int, priority: str = "P2", areas=None):
    """An assessed proposal asking 40% of `total` as ERDF, scored `score` (0-10) by both."""
    erdf = Decimal(total) * Decimal("0.4")
    changes = {
        "title": title,
        "budget_lines": [{"category": "works", "cost_option": "lump_sum", "amount": str(total)}],
        "erdf_requested": str(erdf),
        "co_financing": [{"source": "city", "amount": str(Decimal(total) - erdf)}],
        **(P1_CHANGES if priority == "P1" else {}),
        **({"areas": areas} if areas else {}),
    }
    proposal = in_assessment(call, **changes)
    score_all(proposal, "assessor_gent", score)
    score_all(proposal, "assessor_gent_2", score)
    proposal.refresh_from_db()
    return proposal
