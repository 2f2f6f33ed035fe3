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
    "steering_gent_2": (Role.STEERING_COMMITTEE, "gent"),
    "steering_gent_3": (Role.STEERING_COMMITTEE, "gent"),
    "steering_antwerpen": (Role.STEERING_COMMITTEE, "antwerpen"),
    "steering_antwerpen_2": (Role.STEERING_COMMITTEE, "antwerpen"),
    "steering_antwerpen_3": (Role.STEERING_COMMITTEE, "antwerpen"),
    "expert": (Role.ASSESSOR, None),  # Technical Working Group, programme-wide
    "expert_2": (Role.ASSESSOR, None),
    "managing_authority": (Role.MANAGING_AUTHORITY, None),
    "managing_authority_2": (Role.MANAGING_AUTHORITY, None),
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
    """A published call that the city runs itself (the city-led procedure)."""
    city = City.objects.get(code=city_code)
    now = timezone.now()
    args = {
        "procedure": "city-led",
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


ITEMS = ("legal-personality", "not-completed", "state-aid-not-started", "horizontal-principles")
PASS_ITEMS = {code: ("pass", "") for code in ITEMS} | {"climate-proofing": ("n/a", "")}
PASS_ALL = PASS_ITEMS | {
    code: ("pass", "") for code in ("G-1", "G-2", "G-3", "G-4", "G-5", "G-6", "G-7")
}


def admissible(call=None, **changes):
    proposal = submitted(call, **changes)
    secretariat = person("secretariat_gent")
    proposal = services.start_screening(proposal, by=secretariat)
    return services.screen_proposal(proposal, by=secretariat, checklist=PASS_ALL)


def in_assessment(call=None, **changes):
    proposal = admissible(call, **changes)
    return services.assign_assessors(
        proposal,
        by=person("secretariat_gent"),
        assessors=[person("assessor_gent"), person("assessor_gent_2")],
    )


def score_all(proposal, assessor: str, value: int):
    """The expert gives every criterion `value` tenths of its maximum (rounded down)."""
    assignment = proposal.assignments.get(assessor__username=assessor, active=True)
    user = person(assessor)
    services.declare_no_conflict(assignment, by=user)
    scores = {
        c.code: (c.max_score * value // 10, f"Motivering {c.code}")
        for c in proposal.call.criteria.all()
    }
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


# --- the default procedure (efro-vlaanderen): a call of the managing authority -----------------

BOTH_CITIES_THEMES = ["klimaatadaptatie", "mobiliteit", "energie-efficientie"]


def gti_call(**overrides):
    """A published two-step call of the managing authority for both cities, open for
    pre-registration and for full proposals."""
    now = timezone.now()
    args = {
        "city": None,
        "procedure": "efro-vlaanderen",
        "title": "GTI-oproep Antwerpen en Gent",
        "opens_at": now - datetime.timedelta(days=1),
        "preregistration_closes_at": now + datetime.timedelta(days=10),
        "closes_at": now + datetime.timedelta(days=40),
        "themes": BOTH_CITIES_THEMES,
        "envelopes": {"P1": Decimal("1200000.00"), "P2": Decimal("800000.00")},
    }
    args.update(overrides)
    authority = person("managing_authority")
    call = services.create_call(by=authority, **args)
    return services.publish_call(call, by=authority)


def preregistered(call, applicant="applicant_gent", city="gent", advice="go", **changes):
    """A pre-registration with the managing authority's advice."""
    data = {
        "city": city,
        "promoter": "Stad Gent, Groendienst",
        "title": "Wijkpark Ledeberg: ontharding en waterbuffering",
        "idea": "Een nieuw wijkpark met waterbuffering.",
        "theme": "klimaatadaptatie",
        "specific_objective": "SD 2.4",
        "total_cost": "150000.00",
        "erdf_requested": "60000.00",
        **changes,
    }
    prereg = services.preregister(call, data, by=person(applicant))
    if advice:
        prereg = services.give_feedback(
            prereg, by=person("managing_authority"), advice=advice, remarks="Ga verder."
        )
    return prereg


def gti_submitted(call=None, **changes):
    """A full proposal of Ghent in a two-step call, opened from its pre-registration, submitted."""
    call = call or gti_call()
    prereg = preregistered(call)
    proposal = services.open_proposal(prereg, by=person("applicant_gent"))
    services.save_proposal(
        call, proposal_data(**changes), by=person("applicant_gent"), proposal=proposal
    )
    return services.submit_proposal(proposal, by=person("applicant_gent"))


def gti_assessed(call=None, strategic: int = 8, operational: int = 8, **changes):
    """Through admissibility (the managing authority) and two experts of the Technical Working
    Group, who give every criterion of a block `strategic` or `operational` tenths of its
    maximum (rounded down)."""
    proposal = gti_submitted(call, **changes)
    authority = person("managing_authority")
    services.start_screening(proposal, by=authority)
    proposal = services.screen_proposal(proposal, by=authority, checklist=PASS_ITEMS)
    proposal = services.assign_assessors(
        proposal, by=authority, assessors=[person("expert"), person("expert_2")]
    )
    for name in ("expert", "expert_2"):
        assignment = proposal.assignments.get(assessor__username=name)
        services.declare_no_conflict(assignment, by=person(name))
        part = {"strategic": strategic, "operational": operational}
        scores = {
            c.code: (c.max_score * part[c.block] // 10, f"Motivering {c.code}")
            for c in proposal.call.criteria.all()
        }
        services.score_proposal(assignment, by=person(name), scores=scores)
    proposal.refresh_from_db()
    return proposal


def two_step_call(**overrides):
    """A published call of the managing authority for both cities, under the default procedure
    (pre-registration, then the full proposal)."""
    now = timezone.now()
    args = {
        "procedure": "efro-vlaanderen",
        "title": "GTI-oproep Antwerpen en Gent",
        "opens_at": now - datetime.timedelta(days=1),
        "preregistration_closes_at": now + datetime.timedelta(days=10),
        "closes_at": now + datetime.timedelta(days=40),
        "themes": ["klimaatadaptatie", "digitalisering-vaardigheden", "mobiliteit"],
        "envelopes": {"P1": Decimal("1200000.00"), "P2": Decimal("800000.00")},
    }
    args.update(overrides)
    authority = person("managing_authority")
    call = services.create_call(by=authority, city=None, **args)
    return services.publish_call(call, by=authority)


def efro_call(**overrides):
    """A published call of the managing authority for Antwerp and Ghent (the programme's default
    procedure: pre-registration, experts of the Technical Working Group, the steering committees'
    validation, the decision signed by two managing-authority accounts)."""
    return two_step_call(
        **{
            "closes_at": timezone.now() + datetime.timedelta(days=30),
            "themes": ["klimaatadaptatie", "digitalisering-vaardigheden"],
            **overrides,
        }
    )


PREREGISTRATION = {
    "city": "gent",
    "promoter": "Stad Gent, Groendienst",
    "partners": "Farys\nVZW Buurtwerk Ledeberg",
    "title": "Wijkpark Ledeberg",
    "idea": "Ontharding en waterbuffering in een nieuw wijkpark.",
    "theme": "klimaatadaptatie",
    "specific_objective": "SD 2.4",
    "total_cost": "150000.00",
    "erdf_requested": "60000.00",
}


def preregistration(call=None, applicant="applicant_gent", **changes):
    call = call or two_step_call()
    return services.preregister(call, {**PREREGISTRATION, **changes}, by=person(applicant))


CITY_CHANGES = {
    "gent": {},
    "antwerpen": {
        "promoter": "Stad Antwerpen, Stadsontwikkeling",
        "partners": [
            {
                "name": "Stad Antwerpen, Stadsontwikkeling",
                "legal_form": "gemeente",
                "enterprise_number": "0207.500.123",
                "share": "1",
            }
        ],
        "areas": ["borgerhout"],
        "justifications": {f"A-{n}": f"Hoe het project A-{n} invult." for n in range(1, 6)},
        "policy_references": ["BA2"],
    },
}


def efro_submitted(call, city="antwerpen", title="Klimaatplein", total=250_000, erdf=None,
                   priority="P2", **changes):  # fmt: skip
    """A full proposal of `city`, opened from its pre-registration (advised "go" by the managing
    authority) and submitted. ERDF 40% of `total` unless given; the rest city co-financing."""
    applicant = person(f"applicant_{city}")
    erdf = Decimal(erdf if erdf is not None else Decimal(total) * Decimal("0.4"))
    data = proposal_data(
        title=title,
        budget_lines=[{"category": "works", "amount": str(total)}],
        erdf_requested=str(erdf),
        co_financing=[{"source": "city", "amount": str(Decimal(total) - erdf)}],
        **(P1_CHANGES if priority == "P1" else {}),
        **CITY_CHANGES[city],
    )
    data.update(changes)
    prereg = services.preregister(
        call,
        {"city": city, "promoter": data["promoter"], "title": title, "idea": data["summary"],
         "theme": data["theme"], "specific_objective": data["specific_objective"],
         "total_cost": str(total), "erdf_requested": str(erdf)},
        by=applicant,
    )  # fmt: skip
    prereg = services.give_feedback(
        prereg, by=person("managing_authority"), advice="go", remarks="Ga door."
    )
    proposal = services.open_proposal(prereg, by=applicant)
    proposal = services.save_proposal(call, data, by=applicant, proposal=proposal)
    return services.submit_proposal(proposal, by=applicant)


def efro_assessed(call, city="antwerpen", score=8, **kwargs):
    """Admissible (every item met, checked by the managing authority) and scored `score` (0-10)
    on every criterion by the programme's experts `expert` and `expert_2`."""
    proposal = efro_submitted(call, city, **kwargs)
    authority = person("managing_authority")
    proposal = services.start_screening(proposal, by=authority)
    proposal = services.screen_proposal(proposal, by=authority, checklist=PASS_ITEMS)
    proposal = services.assign_assessors(
        proposal, by=authority, assessors=[person("expert"), person("expert_2")]
    )
    score_all(proposal, "expert", score)
    score_all(proposal, "expert_2", score)
    proposal.refresh_from_db()
    return proposal


def efro_validated(call, city="antwerpen", **kwargs):
    """Assessed, then validated by two members of the city's steering committee."""
    from gti.portfolio import services as portfolio

    proposal = efro_assessed(call, city, **kwargs)
    meeting = portfolio.open_validation(
        call, by=person(f"secretariat_{city}"), city=proposal.city, date=datetime.date(2026, 12, 1)
    )
    for member in (f"steering_{city}", f"steering_{city}_2"):
        votes = {d.proposal.reference: ("for", "") for d in meeting.decisions.all()}
        portfolio.sign_meeting(meeting, by=person(member), votes=votes)
    portfolio.confirm_meeting(meeting, by=person(f"steering_{city}"))
    proposal.refresh_from_db()
    return proposal
