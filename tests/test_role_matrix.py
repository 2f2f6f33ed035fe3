"""Each role × each action, on the page and on the API: allowed, refused (403), outside the
person's view (404) or not signed in (302 to the login page / 401); nothing changes when refused.
"""

import dataclasses
import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client as DjangoClient
from django.utils import timezone

from gti.accounts import services as accounts
from gti.accounts.models import AuditEvent, Role, RoleGrant, RoleRequest
from gti.accounts.services import create_token
from gti.budgeting import services as budgeting
from gti.documents import services as documents
from gti.documents.models import AnnexKind, Document
from gti.errors import Invalid
from gti.monitoring import jobs
from gti.monitoring.models import Job
from gti.portfolio import services as portfolio
from gti.portfolio.models import Envelope, Meeting, Vote
from gti.proposals import services as proposals
from gti.proposals.models import Assignment, Call, PreRegistration, Proposal
from gti.proposals.services import create_call, snapshot
from gti.strategy.models import City
from tests.documents.files import upload
from tests.factories import (
    PASS_ALL,
    PASS_ITEMS,
    admissible,
    draft,
    efro_assessed,
    efro_call,
    efro_submitted,
    efro_validated,
    gti_call,
    in_assessment,
    open_call,
    person,
    preregistered,
    proposal_data,
    score_all,
    submitted,
)
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1

pytestmark = pytest.mark.usefixtures("loaded")

_HANDLER = []


def Client():  # noqa: N802
    """A test client sharing one request handler: building the middleware (the static files'
    index among it) for every client would be most of the matrix's time."""
    client = DjangoClient()
    if _HANDLER:
        client.handler = _HANDLER[0]
    else:
        _HANDLER.append(client.handler)
    return client


# Every role, as people say them (tests/factories.py PEOPLE); the proposal acted on is
# applicant_gent's, assessor_gent is assigned to it (in assessment) or not (other states).
ROLES = [
    "applicant_gent", "applicant_gent_2", "applicant_antwerpen", "secretariat_gent",
    "secretariat_antwerpen", "assessor_gent", "assessor_gent_3", "expert", "steering_gent",
    "steering_gent_2", "steering_antwerpen", "managing_authority", "managing_authority_2",
    "auditor", None,
]  # fmt: skip


def in_screening():
    proposal = submitted()
    from gti.proposals.services import start_screening

    return start_screening(proposal, by=person("secretariat_gent"))


def declared():
    from gti.proposals.services import declare_no_conflict

    proposal = in_assessment()
    assignment = proposal.assignments.get(assessor__username="assessor_gent")
    declare_no_conflict(assignment, by=person("assessor_gent"))
    return proposal


def draft_call():
    from django.utils import timezone

    now = timezone.now()
    return create_call(
        by=person("secretariat_gent"),
        city=City.objects.get(code="gent"),
        procedure="city-led",
        title="Nieuwe oproep",
        opens_at=now,
        closes_at=now + timezone.timedelta(days=10),
        themes=["mobiliteit"],
        envelopes={"P2": "100000"},
    )


def assessed_round():
    from tests.factories import assessed
    from tests.portfolio.test_services import envelopes

    call = open_call()
    assessed(call, "Project", 500_000, 8)
    envelopes()
    return call


def draft_meeting():
    """A city-led decision round from a scenario, signed by two steering-committee members."""
    import datetime

    from gti.portfolio.services import open_decision_round, run_scenario, sign_meeting

    call = assessed_round()
    scenario = run_scenario(call, by=person("secretariat_gent"), name="S", options={})
    meeting = open_decision_round(call, by=person("secretariat_gent"),
                                  date=datetime.date(2026, 12, 1), scenario=scenario)  # fmt: skip
    votes = {d.proposal.reference: ("for", "") for d in meeting.decisions.all()}
    for member in ("steering_gent", "steering_gent_2"):
        sign_meeting(meeting, by=person(member), votes=votes)
    return meeting


SCORES = {"scores": {c: {"score": 5, "justification": "ok"} for c in (
    "relevance", "target-groups", "objectives", "partners-expertise", "lasting-effect",
    "indicators", "activities", "planning", "management", "budget", "financing", "risks",
)}}  # fmt: skip
CHECKLIST = {"checklist": {k: {"result": v[0], "note": v[1]} for k, v in PASS_ALL.items()}}

# action: (make the object, API method, API path, body, page path, page form data or None)
ACTIONS = {
    "create": (
        open_call, "post", "/api/v1/calls/{call}/proposals", proposal_data(),
        "/calls/{call}/proposals/new/", {"title": "Nieuw", "promoter": "X"},
    ),
    "edit": (
        draft, "put", "/api/v1/proposals/{ref}", proposal_data(title="Anders"),
        "/proposals/{ref}/edit/general/", {"title": "Anders"},
    ),
    "submit": (draft, "post", "/api/v1/proposals/{ref}/submit", {},
               "/proposals/{ref}/submit/", {}),
    "view": (submitted, "get", "/api/v1/proposals/{ref}", None, "/proposals/{ref}/", None),
    "start_screening": (
        submitted, "post", "/api/v1/proposals/{ref}/start-screening", {},
        "/proposals/{ref}/start-screening/", {},
    ),
    "screen": (in_screening, "post", "/api/v1/proposals/{ref}/screen", CHECKLIST,
               "/proposals/{ref}/screening/", None),
    "return": (
        submitted, "post", "/api/v1/proposals/{ref}/return", {"reason": "Budget"},
        "/proposals/{ref}/return/", {"reason": "Budget"},
    ),
    "assign": (
        admissible, "post", "/api/v1/proposals/{ref}/assign",
        {"assessors": ["assessor_gent", "assessor_gent_2"]},
        "/proposals/{ref}/assessment/", lambda: {
            "assign": "1",
            "assessors": [person("assessor_gent").pk, person("assessor_gent_2").pk],
        },
    ),
    "score": (declared, "post", "/api/v1/proposals/{ref}/scores", SCORES,
              "/proposals/{ref}/assessment/", lambda: {"score": "1", **{
                  f"{k}_{c}": v for c in SCORES["scores"]
                  for k, v in (("score", 5), ("justification", "ok"))
              }}),
    "withdraw": (
        submitted, "post", "/api/v1/proposals/{ref}/withdraw", {"reason": "Stop"},
        "/proposals/{ref}/withdraw/", {"reason": "Stop"},
    ),
    "publish_call": (draft_call, "post", "/api/v1/calls/{call}/publish", {},
                     "/calls/{call}/publish/", {}),
    "run_scenario": (assessed_round, "post", "/api/v1/calls/{call}/scenarios", {"name": "X"},
                     "/calls/{call}/scenarios/", {"name": "X"}),
    "confirm_meeting": (draft_meeting, "post", "/api/v1/meetings/{pk}/confirm", {},
                        "/rounds/{pk}/", {"action": "confirm"}),
}  # fmt: skip

OK = {"create": 201, "run_scenario": 201}
# Expected API status per (action, role); every other pair answers 403 (or 401 without login).
ALLOWED = {
    "create": {"applicant_gent", "applicant_gent_2"},
    "edit": {"applicant_gent"},
    "submit": {"applicant_gent"},
    "view": {
        "applicant_gent",
        "secretariat_gent",
        "steering_gent",
        "steering_gent_2",
        "managing_authority",
        "managing_authority_2",
        "auditor",
    },
    "start_screening": {"secretariat_gent"},
    "screen": {"secretariat_gent"},
    "return": {"secretariat_gent"},
    "assign": {"secretariat_gent"},
    "score": {"assessor_gent"},
    "withdraw": {"applicant_gent"},
    "publish_call": {"secretariat_gent"},
    "run_scenario": {"secretariat_gent"},
    "confirm_meeting": {"steering_gent", "steering_gent_2"},  # both signed
}
# Who cannot see the object at all (404): drafts are the applicant's own; other cities' work and
# proposals not assigned to an assessor are out of view.
OUT_OF_VIEW_SUBMITTED = {
    "applicant_gent_2", "applicant_antwerpen", "secretariat_antwerpen", "steering_antwerpen",
    "assessor_gent", "assessor_gent_3", "expert",
}  # fmt: skip
HIDDEN = {
    "create": set(),
    "edit": set(ROLES[1:-1]) - {"applicant_gent"},
    "submit": set(ROLES[1:-1]) - {"applicant_gent"},
    "view": OUT_OF_VIEW_SUBMITTED,
    "start_screening": OUT_OF_VIEW_SUBMITTED,
    "screen": OUT_OF_VIEW_SUBMITTED,
    "return": OUT_OF_VIEW_SUBMITTED,
    "assign": OUT_OF_VIEW_SUBMITTED,
    "score": OUT_OF_VIEW_SUBMITTED - {"assessor_gent"},
    "withdraw": OUT_OF_VIEW_SUBMITTED,
    # The managing authority sees every draft call (it launches calls) but not this city-led one.
    "publish_call": set(ROLES[:-1])
    - {"secretariat_gent", "managing_authority", "managing_authority_2"},
    # Another city's portfolio is out of view.
    "run_scenario": {"secretariat_antwerpen", "steering_antwerpen"},
    "confirm_meeting": {"secretariat_antwerpen", "steering_antwerpen"},
}


def state_of(obj):
    from gti.portfolio.models import Meeting, Scenario

    if isinstance(obj, Meeting):
        return Meeting.objects.get(pk=obj.pk).state, list(
            Proposal.objects.values_list("state", flat=True)
        )
    if isinstance(obj, Call):
        return Call.objects.get(pk=obj.pk).state, Proposal.objects.count(), Scenario.objects.count()
    obj = Proposal.objects.get(pk=obj.pk)
    return obj.state, snapshot(obj), obj.assignments.filter(scored_at__isnull=False).count()


DAY = datetime.date(2026, 12, 1)
TODAY = timezone.localdate().isoformat()
PLANNED = {"expected_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
           "amount": "1000.00"}  # a claim planned in a month  # fmt: skip
# Out of view of every city body of Antwerp (and of Antwerp's applicant): a Ghent object.
ANTWERP = {"applicant_antwerpen", "secretariat_antwerpen", "steering_antwerpen"}
# Who sees nothing of a Ghent proposal that is not their own or assigned to them.
NOT_GHENT_VIEW = ANTWERP | {"applicant_gent_2", "assessor_gent", "assessor_gent_3", "expert"}


@dataclasses.dataclass
class Case:
    make: Callable[[], dict]  # the object acted on: {"obj": …, url keys…}
    api: tuple | None  # (method, path, body)
    page: tuple | None  # (path, form data or None for a GET)
    allowed: set
    hidden: set = dataclasses.field(default_factory=set)
    state: Callable | None = None  # what the action changes
    created: bool = False  # the API answers 201
    page_refused: dict = dataclasses.field(default_factory=dict)  # role -> page status


def _one(obj, **keys):
    return {"obj": obj, "ref": getattr(obj, "reference", ""), "pk": obj.pk, **keys}


def b_assigned():
    return _one(in_assessment())


def b_split():
    """Scored far apart by its two experts: the consensus round is open."""
    proposal = in_assessment()
    score_all(proposal, "assessor_gent", 9)
    score_all(proposal, "assessor_gent_2", 2)
    proposal.refresh_from_db()
    assert proposal.needs_consensus
    return _one(proposal)


def b_nothing():
    return {"obj": None}


def b_job():
    """A job of Ghent's secretariat (queued: no worker runs in the matrix)."""
    job = jobs.start("excel", {}, by=person("secretariat_gent"))
    return {"obj": job, "pk": job.pk}


def job_state(t):
    return list(Job.objects.values_list("pk", "state"))


def b_open_call():
    return _one(open_call())


def b_gti_call():
    return _one(gti_call())


def b_efro_draft_call():
    authority = person("managing_authority")
    now = timezone.now()
    call = proposals.create_call(
        by=authority, city=None, procedure="efro-vlaanderen", title="Concept",
        opens_at=now, preregistration_closes_at=now + datetime.timedelta(days=5),
        closes_at=now + datetime.timedelta(days=20), themes=["klimaatadaptatie"],
        envelopes={"P2": "100000"},
    )  # fmt: skip
    return _one(call)


def b_city():
    Envelope.objects.filter(city__code="gent").delete()  # each allowed person sets them anew
    return {"obj": City.objects.get(code="gent"), "city": "gent"}


def b_assessed_round():
    return _one(assessed_round())


def b_city_led_meeting():
    """A draft city-led decision round of Ghent prepared from a scenario, not signed."""
    call = assessed_round()
    scenario = portfolio.run_scenario(call, by=person("secretariat_gent"), name="S", options={})
    meeting = portfolio.open_decision_round(
        call, by=person("secretariat_gent"), date=DAY, scenario=scenario
    )
    return _one(meeting, proposal=meeting.decisions.get().proposal.reference)


def b_scenario():
    call = assessed_round()
    return _one(portfolio.run_scenario(call, by=person("secretariat_gent"), name="S", options={}))


def b_efro_validation():
    """The Ghent steering committee's draft validation of an assessed proposal (default
    procedure)."""
    call = efro_call()
    proposal = efro_assessed(call, "gent")
    meeting = portfolio.open_validation(call, by=person("secretariat_gent"),
                                        city=proposal.city, date=DAY)  # fmt: skip
    return _one(meeting, proposal=proposal.reference)


def _efro_decision(*signers):
    from tests.portfolio.test_services import envelopes

    call = efro_call()
    envelopes("1000000", "1000000", city="gent")
    proposal = efro_validated(call, "gent")
    authority = person("managing_authority")
    meeting = portfolio.open_decision_round(call, by=authority, date=DAY)
    portfolio.set_decision(meeting, by=authority, proposal=proposal, outcome="approved",
                           amount=proposal.erdf_requested)  # fmt: skip
    for name in signers:
        portfolio.sign_meeting(meeting, by=person(name),
                               votes={proposal.reference: ("for", "")})  # fmt: skip
    return _one(meeting, proposal=proposal.reference)


def b_efro_decision():
    return _efro_decision()


def b_efro_decision_signed():
    return _efro_decision("managing_authority", "managing_authority_2")


def b_newcomer():
    """Someone with a role in Ghent only, to be managed from the users pages."""
    name = f"nieuw_gent_{get_user_model().objects.count()}"
    gent = City.objects.get(code="gent")
    user = accounts.create_user(name, role=Role.ASSESSOR, city=gent, email=f"{name}@example.org")
    return {"obj": user, "pk": user.pk}


def b_grant():
    user = b_newcomer()["obj"]
    grant = user.role_grants.get()
    return {"obj": user, "pk": user.pk, "grant": grant.pk}


def b_role_request():
    user = b_newcomer()["obj"]
    asked = accounts.request_role(user, Role.STEERING_COMMITTEE, City.objects.get(code="gent"),
                                  by=person("secretariat_gent"), reason="Lid")  # fmt: skip
    return {"obj": asked, "pk": asked.pk}


def b_open_gti_call():
    return _one(gti_call())


def b_prereg():
    return _one(preregistered(gti_call(), advice=None))


def b_prereg_advised():
    return _one(preregistered(gti_call()))


def b_inadmissible():
    proposal = in_screening()
    failed = PASS_ALL | {"legal-personality": ("fail", "Geen rechtspersoon")}
    return _one(proposals.screen_proposal(proposal, by=person("secretariat_gent"),
                                          checklist=failed))  # fmt: skip


def b_approved():
    """A Ghent proposal approved in a confirmed city-led decision round."""
    meeting = draft_meeting()
    portfolio.confirm_meeting(meeting, by=person("steering_gent"))
    return _one(meeting.decisions.get().proposal)


def b_report(submit=False):
    """Wijkpark's first progress report, filled in by its beneficiary (and submitted)."""
    from gti.monitoring import reports
    from tests.monitoring.test_reports import CONTENT, make_grant

    beneficiary = person("applicant_gent")
    report = reports.start_report(make_grant(), by=beneficiary)
    reports.save_report(report, by=beneficiary, **CONTENT)
    if submit:
        reports.submit_report(report, by=beneficiary)
    return _one(report, ref=report.grant.proposal.reference)


def report_form(**kwargs):
    from tests.monitoring.test_reports import form

    return form(**kwargs)


def report_state(t):
    from gti.monitoring.models import ProgressReport

    report = ProgressReport.objects.get(pk=t["obj"].pk)
    return report.state, report.remarks, report.submitted_at, report.reviewed_at


def b_claim(until="draft"):
    """The first claim of a Ghent grant in force today, with the worked example's lines: a
    draft of its beneficiary, submitted, or verified by a third managing-authority account."""
    from django.utils import timezone

    from gti.monitoring import claims
    from gti.monitoring import services as grants
    from tests.monitoring.test_grants import LINES, approved, envelopes

    envelopes("gent")
    envelopes("antwerpen")
    proposal = approved(efro_call(), total=160_000, erdf=60_000, budget_lines=LINES)
    grant = grants.open_grant(proposal, by=person("managing_authority"))
    grants.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                           in_force_from=timezone.localdate())  # fmt: skip
    beneficiary = person("applicant_gent")
    claim = claims.start_claim(grant, by=beneficiary)
    claims.save_lines(claim, by=beneficiary, lines=CLAIM_1)
    if until != "draft":
        claims.submit_claim(claim, by=beneficiary)
    if until == "verified":
        claims.verify_claim(claim, by=_third_authority(), verdicts=VERDICTS_1)
    return _one(claim, ref=proposal.reference, priority=proposal.specific_objective.priority.code)


def _third_authority():
    third = get_user_model().objects.filter(username="managing_authority_3").first()
    return third or accounts.create_user("managing_authority_3", role=Role.MANAGING_AUTHORITY,
                                         email="ma3@example.org")  # fmt: skip


def _accounting_year():
    from django.utils import timezone

    from gti.monitoring import money

    return money.accounting_year(timezone.localdate())


def claim_state(t):
    from gti.monitoring.models import Claim, Payment, PaymentApplication

    claim = Claim.objects.get(pk=t["obj"].pk)
    return (claim.state, claim.erdf_payable, list(claim.lines.values_list("declared", "outcome")),
            Payment.objects.count(), PaymentApplication.objects.count())  # fmt: skip


def final_state(t):
    from gti.monitoring.models import Claim, ProgressReport

    return sorted(Claim.objects.values_list("pk", "final")), sorted(
        ProgressReport.objects.values_list("pk", "final")
    )


def plan_state(t):
    from gti.monitoring.models import PlannedClaim

    return sorted(PlannedClaim.objects.values_list("expected_on", "amount"))


def claim_form(action):
    from tests.monitoring.test_claim_pages import form_of

    return {**form_of(CLAIM_1), "action": action}


def verify_form():
    form = {"action": "verify"}
    for v in VERDICTS_1:
        form[f"outcome_{v['line']}"] = v["outcome"]
        form[f"kept_{v['line']}"] = v.get("amount", "")
        form[f"reason_{v['line']}"] = v.get("reason", "")
    return form


def b_efro_approved():
    """A Ghent proposal approved by the managing authority (two signatures, confirmed)."""
    target = b_efro_decision_signed()
    portfolio.confirm_meeting(target["obj"], by=person("managing_authority"))
    return _one(Proposal.objects.get(reference=target["proposal"]))


def b_grant_in_force():
    """Its grant, opened by one person of the managing authority and approved by the other."""
    from gti.monitoring import services as grants

    proposal = b_efro_approved()["obj"]
    grant = grants.open_grant(proposal, by=person("managing_authority"))
    grants.approve_version(grant.versions.get(), by=person("managing_authority_2"),
                           in_force_from=DAY)  # fmt: skip
    return _one(grant, ref=proposal.reference)


def b_grant_draft():
    """A grant whose version 1 a third person of the managing authority prepared: either of the
    two may approve it."""
    from gti.monitoring import services as grants

    third = get_user_model().objects.filter(username="managing_authority_3").first()
    third = third or accounts.create_user("managing_authority_3", role=Role.MANAGING_AUTHORITY,
                                          email="ma3@example.org")  # fmt: skip
    proposal = b_efro_approved()["obj"]
    return _one(grants.open_grant(proposal, by=third), ref=proposal.reference)


def grant_state(t):
    from gti.monitoring.models import Grant, GrantVersion

    return Grant.objects.count(), sorted(
        GrantVersion.objects.values_list("grant_id", "number", "state")
    )


def assignment_state(t):
    return list(Assignment.objects.filter(proposal=t["obj"]).values_list("declared_at", "active"))


def proposal_state(t):
    p = Proposal.objects.get(pk=t["obj"].pk)
    return p.state, p.needs_consensus, p.assignments.filter(active=True).count()


def count(model):
    return lambda t: model.objects.count()


# participation: a moment's form, a call's consultation, a resident's comment
MOMENT_FORM = {"held_on": "2025-03-01", "channel": "info_stand", "target_group": "residents",
               "participants": "12", "question": "Waar meer groen?", "outcome": "Langs de Schelde",
               "feedback_on": "", "feedback_how": ""}  # fmt: skip
THE_CITY = {"secretariat_gent", "managing_authority", "managing_authority_2"}


def b_consultation():
    from gti.participation import services as participation

    call = open_call()
    now = timezone.now()
    participation.set_consultation(call, {"opens_at": now - datetime.timedelta(days=1),
                                          "closes_at": now + datetime.timedelta(days=9)},
                                   by=person("secretariat_gent"))  # fmt: skip
    return _one(call)


def b_comment():
    from gti.participation import services as participation

    call = b_consultation()["obj"]
    proposal = submitted(call)
    code = participation.make_letter_codes(call.consultation, 1, by=person("secretariat_gent"))
    resident = participation.redeem_letter_code(call.consultation, code[0])
    return _one(participation.comment(resident, proposal, {"text": "Te duur"}))


def participation_state(t):
    from gti.participation.models import Comment, Consultation, InvolvementMoment, LetterCode

    return (InvolvementMoment.objects.count(), list(Consultation.objects.values_list(
        "opens_at", "closes_at")), LetterCode.objects.count(),
        Comment.objects.filter(hidden_at__isnull=False).count())  # fmt: skip


def call_state(t):
    return Call.objects.get(pk=t["obj"].pk).state


def meeting_state(t):
    m = Meeting.objects.get(pk=t["obj"].pk)
    decisions = list(m.decisions.values_list("outcome", "amount", "reserve_rank"))
    return m.state, decisions, Vote.objects.filter(decision__meeting=m).count()


def envelope_state(t):
    return sorted(Envelope.objects.values_list("city__code", "priority__code", "amount"))


def user_state(t):
    User = get_user_model()
    return (
        sorted(RoleGrant.objects.values_list("user__username", "role", "city__code")),
        sorted(RoleRequest.objects.values_list("user__username", "role", "state")),
        sorted(User.objects.values_list("username", "is_active")),
    )


def prereg_state(t):
    p = PreRegistration.objects.get(pk=t["obj"].pk)
    return p.state, p.advice, p.proposal_id, p.feedback.count()


def call_form(**changes):
    now = timezone.localtime()
    return {
        "procedure": "city-led", "city": "gent", "title": "Nieuwe oproep",
        "opens_at": (now + datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (now + datetime.timedelta(days=30)).strftime("%Y-%m-%d %H:%M"),
        "themes": ["mobiliteit"], "envelope_P1": "0", "envelope_P2": "100000", **changes,
    }  # fmt: skip


def call_body(**changes):
    now = timezone.now()
    return {
        "city": "gent", "procedure": "city-led", "title": "Nieuwe oproep",
        "opens_at": (now + datetime.timedelta(days=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=30)).isoformat(),
        "themes": ["mobiliteit"], "envelopes": {"P2": "100000"}, **changes,
    }  # fmt: skip


EFRO_CALL = {
    "city": None, "procedure": "efro-vlaanderen", "themes": ["klimaatadaptatie"],
    "preregistration_closes_at": (timezone.now() + datetime.timedelta(days=5)).isoformat(),
}  # fmt: skip
PREREG = {
    "city": "gent", "promoter": "Stad Gent", "partners": "", "title": "Wijkpark",
    "idea": "Ontharding.", "theme": "klimaatadaptatie", "specific_objective": "SD 2.4",
    "total_cost": "150000.00", "erdf_requested": "60000.00",
}  # fmt: skip
PORTFOLIO_VIEW = {"secretariat_gent", "steering_gent", "steering_gent_2", "managing_authority",
                  "managing_authority_2", "auditor"}  # fmt: skip
PROPOSAL_VIEW = {"applicant_gent", "secretariat_gent", "steering_gent", "steering_gent_2",
                 "managing_authority", "managing_authority_2", "auditor"}  # fmt: skip
MANAGERS = {"secretariat_gent", "managing_authority", "managing_authority_2"}
SIGNED_IN = set(filter(None, ROLES))
# Who does not see a Ghent pre-registration of applicant_gent: only the applicant, the city's
# secretariat, the managing authority and auditors do.
PREREG_HIDDEN = SIGNED_IN - {
    "applicant_gent",
    "secretariat_gent",
    "managing_authority",
    "managing_authority_2",
    "auditor",
}

# Who may export (export.excel): the secretariats (their own city), the managing authority,
# auditors; a job is seen by whoever asked for it and the managing authority.
EXPORTERS = {"secretariat_gent", "secretariat_antwerpen", "managing_authority",
             "managing_authority_2", "auditor"}  # fmt: skip
JOB_READERS = {"secretariat_gent", "managing_authority", "managing_authority_2"}

# Who does not see an approved Ghent proposal of the default procedure, nor its grant.
# Who holds a role that reads grants but does not see this one (a role that reads none: 403).
GRANT_HIDDEN = ANTWERP | {"applicant_gent_2"}
# Who reads the annual report (each their own cities; a city is no object, so never 404).
ANNUAL_REPORT = PORTFOLIO_VIEW | {"secretariat_antwerpen", "steering_antwerpen"}
# Whoever holds a role that reads grants (the experts hold none: 403).
GRANT_VIEW = SIGNED_IN - {"assessor_gent", "assessor_gent_3", "expert"}


def b_unread():
    """One unread message for every role (made before any is counted)."""
    from gti.notifications.models import Kind, Notification

    for name in filter(None, ROLES):
        Notification.objects.create(user=person(name), kind=Kind.DEADLINE, subject="s", body="b")
    return {"obj": None}


def read_state(target):
    from gti.notifications.models import Notification

    return sorted(Notification.objects.filter(read_at=None).values_list("user_id", flat=True))


def language_state(target):
    from gti.notifications.models import Profile

    return sorted(Profile.objects.values_list("user_id", "language"))


def token_state(target):
    from gti.notifications.models import Profile

    return sorted(Profile.objects.values_list("user_id", "calendar_token"))


def document_state(t):
    return list(Document.objects.values_list("pk", "version"))


def b_annexed():
    """A submitted Ghent proposal with one annex."""
    proposal = draft()
    document = documents.upload(proposal, by=person("applicant_gent"), kind="other",
                                file=upload())  # fmt: skip
    return _one(proposals.submit_proposal(proposal, by=person("applicant_gent")), doc=document.pk)


def b_grant_document():
    """A decision document on a Ghent grant."""
    target = b_grant_in_force()
    document = documents.upload(target["obj"], by=person("managing_authority"), kind="decision",
                                file=upload("besluit.pdf"))  # fmt: skip
    return {**target, "doc": document.pk}


CASES = {
    "declare_no_conflict": Case(
        b_assigned, ("post", "/api/v1/proposals/{ref}/declaration", {"conflict": False}),
        ("/proposals/{ref}/assessment/", {"declare": "no-conflict"}),
        {"assessor_gent"}, NOT_GHENT_VIEW - {"assessor_gent"}, assignment_state,
    ),
    "declare_conflict": Case(
        b_assigned,
        ("post", "/api/v1/proposals/{ref}/declaration", {"conflict": True, "reason": "Familie"}),
        ("/proposals/{ref}/assessment/", {"declare": "conflict", "reason": "Familie"}),
        {"assessor_gent"}, NOT_GHENT_VIEW - {"assessor_gent"}, assignment_state,
    ),
    "consensus": Case(
        b_split, ("post", "/api/v1/proposals/{ref}/consensus", {"note": "Eens"}),
        ("/proposals/{ref}/assessment/", {"consensus": "1", "note": "Eens"}),
        {"secretariat_gent"}, NOT_GHENT_VIEW - {"assessor_gent"}, proposal_state,
    ),
    "screen_page": Case(
        in_screening_target := (lambda: _one(in_screening())), None,
        ("/proposals/{ref}/screening/", {
            **{f"result_{k}": v[0] for k, v in PASS_ALL.items()},
            **{f"note_{k}": v[1] for k, v in PASS_ALL.items()}, "reason": "",
        }),
        {"secretariat_gent"}, NOT_GHENT_VIEW, proposal_state,
    ),
    "call_create": Case(
        b_nothing, ("post", "/api/v1/calls", call_body()), ("/calls/new/", call_form()),
        {"secretariat_gent"}, set(), count(Call), created=True,
        # The page offers every procedure's form to who launches any call; the service's
        # refusal of another city's call is shown on the form.
        page_refused={"secretariat_antwerpen": 200, "managing_authority": 200,
                      "managing_authority_2": 200},
    ),
    "call_create_efro": Case(
        b_nothing, ("post", "/api/v1/calls", call_body(**EFRO_CALL)),
        ("/calls/new/", call_form(**{**EFRO_CALL, "city": "", "preregistration_closes_at": (
            timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%d %H:%M")})),
        {"managing_authority", "managing_authority_2"}, set(), count(Call), created=True,
        page_refused={"secretariat_gent": 200, "secretariat_antwerpen": 200},
    ),
    "call_close": Case(
        b_open_call, ("post", "/api/v1/calls/{ref}/close", {"reason": "Volzet"}),
        ("/calls/{ref}/close/", {"reason": "Volzet"}), {"secretariat_gent"}, set(), call_state,
    ),
    "call_close_efro": Case(
        b_gti_call, ("post", "/api/v1/calls/{ref}/close", {"reason": "Volzet"}),
        ("/calls/{ref}/close/", {"reason": "Volzet"}),
        {"managing_authority", "managing_authority_2"}, set(), call_state,
    ),
    "publish_call_efro": Case(
        b_efro_draft_call, ("post", "/api/v1/calls/{ref}/publish", {}),
        ("/calls/{ref}/publish/", {}), {"managing_authority", "managing_authority_2"},
        SIGNED_IN - {"managing_authority", "managing_authority_2"}, call_state,
    ),
    "view_call_draft": Case(
        lambda: _one(draft_call()), ("get", "/api/v1/calls/{ref}", None), ("/calls/{ref}/", None),
        {"secretariat_gent", "managing_authority", "managing_authority_2"},
        SIGNED_IN - {"secretariat_gent", "managing_authority", "managing_authority_2"},
        page_refused={None: 404},  # call pages are public: a draft is not there
    ),
    "envelopes": Case(
        b_city, ("put", "/api/v1/portfolio/{city}/envelopes",
                 {"lines": [{"priority": "P1", "amount": "100000"}]}),
        ("/portfolio/{city}/", {"amount_P1": "100000"}),
        {"managing_authority", "managing_authority_2"}, {"secretariat_antwerpen",
                                                         "steering_antwerpen"},
        envelope_state,
    ),
    "view_envelopes": Case(
        b_city, ("get", "/api/v1/portfolio/{city}/envelopes", None), ("/portfolio/{city}/", None),
        PORTFOLIO_VIEW, {"secretariat_antwerpen", "steering_antwerpen"},
    ),
    "decision_round": Case(
        b_assessed_round, ("post", "/api/v1/calls/{ref}/decision-rounds", {"date": "2026-12-01"}),
        ("/calls/{ref}/rounds/new/", {"purpose": "decision", "date": "2026-12-01"}),
        {"secretariat_gent"}, {"secretariat_antwerpen", "steering_antwerpen"}, count(Meeting),
        created=True,
    ),
    "decision_round_efro": Case(
        lambda: _one(efro_call()),
        ("post", "/api/v1/calls/{ref}/decision-rounds", {"date": "2026-12-01"}),
        ("/calls/{ref}/rounds/new/", {"purpose": "decision", "date": "2026-12-01"}),
        {"managing_authority", "managing_authority_2"}, set(), count(Meeting), created=True,
    ),
    "validation_round_efro": Case(
        lambda: _one(efro_call()),
        ("post", "/api/v1/calls/{ref}/validations", {"city": "gent", "date": "2026-12-01"}),
        ("/calls/{ref}/rounds/new/",
         {"purpose": "validation", "city": "gent", "date": "2026-12-01"}),
        {"secretariat_gent"}, set(), count(Meeting), created=True,
    ),
    "set_decision": Case(
        b_city_led_meeting, ("put", "/api/v1/meetings/{pk}/decisions",
                             {"proposal": "{proposal}", "outcome": "reserve", "rank": 1}),
        ("/rounds/{pk}/", {"action": "decide", "proposal": "{proposal}", "outcome": "reserve",
                           "rank": "1"}),
        {"secretariat_gent"}, {"secretariat_antwerpen", "steering_antwerpen"}, meeting_state,
    ),
    "set_decision_efro": Case(
        b_efro_decision, ("put", "/api/v1/meetings/{pk}/decisions",
                          {"proposal": "{proposal}", "outcome": "reserve", "rank": 1}),
        ("/rounds/{pk}/", {"action": "decide", "proposal": "{proposal}", "outcome": "reserve",
                           "rank": "1"}),
        # The Ghent proposal named is out of Antwerp's view.
        {"managing_authority", "managing_authority_2"}, ANTWERP - {"applicant_antwerpen"},
        meeting_state,
    ),
    "sign_decision": Case(
        b_city_led_meeting,
        ("post", "/api/v1/meetings/{pk}/sign", {"votes": {"{proposal}": {"choice": "for"}}}),
        ("/rounds/{pk}/", {"action": "sign", "vote_{proposal}": "for"}),
        {"steering_gent", "steering_gent_2"}, {"secretariat_antwerpen", "steering_antwerpen"},
        meeting_state,
    ),
    "sign_decision_efro": Case(
        b_efro_decision,
        ("post", "/api/v1/meetings/{pk}/sign", {"votes": {"{proposal}": {"choice": "for"}}}),
        ("/rounds/{pk}/", {"action": "sign", "vote_{proposal}": "for"}),
        {"managing_authority", "managing_authority_2"}, set(), meeting_state,
    ),
    "confirm_decision_efro": Case(
        b_efro_decision_signed, ("post", "/api/v1/meetings/{pk}/confirm", {}),
        ("/rounds/{pk}/", {"action": "confirm"}),
        {"managing_authority", "managing_authority_2"}, set(), meeting_state,
    ),
    "sign_validation_efro": Case(
        b_efro_validation,
        ("post", "/api/v1/meetings/{pk}/sign", {"votes": {"{proposal}": {"choice": "for"}}}),
        ("/rounds/{pk}/", {"action": "sign", "vote_{proposal}": "for"}),
        {"steering_gent", "steering_gent_2"}, {"secretariat_antwerpen", "steering_antwerpen"},
        meeting_state,
    ),
    "view_meeting": Case(
        b_city_led_meeting, ("get", "/api/v1/meetings/{pk}", None), ("/rounds/{pk}/", None),
        PORTFOLIO_VIEW, {"secretariat_antwerpen", "steering_antwerpen"},
    ),
    "view_scenario": Case(
        b_scenario, ("get", "/api/v1/scenarios/{pk}", None), ("/scenarios/{pk}/", None),
        PORTFOLIO_VIEW, {"secretariat_antwerpen", "steering_antwerpen"},
    ),
    "user_create": Case(
        lambda: {"obj": get_user_model().objects.filter(username="nieuw").delete()}, None,
        ("/accounts/users/", {"username": "nieuw", "email": "nieuw@example.org",
                              "role": "applicant", "city": "gent", "reason": "Promotor"}),
        MANAGERS, set(), user_state,
        page_refused={"secretariat_antwerpen": 200},  # Ghent is not among its form's cities
    ),
    "user_view": Case(
        b_newcomer, None, ("/accounts/users/{pk}/", None), MANAGERS, {"secretariat_antwerpen"},
    ),
    "user_grant": Case(
        b_newcomer, None,
        ("/accounts/users/{pk}/", {"role": "applicant", "city": "gent", "reason": "Promotor"}),
        MANAGERS, {"secretariat_antwerpen"}, user_state,
    ),
    "role_approve": Case(
        b_role_request, None, ("/accounts/users/requests/{pk}/approve/", {"reason": "Ok"}),
        {"managing_authority", "managing_authority_2"}, {"secretariat_antwerpen"}, user_state,
    ),
    "role_refuse": Case(
        b_role_request, None, ("/accounts/users/requests/{pk}/refuse/", {"reason": "Nee"}),
        {"managing_authority", "managing_authority_2"}, {"secretariat_antwerpen"}, user_state,
    ),
    "role_revoke": Case(
        b_grant, None, ("/accounts/users/{pk}/roles/{grant}/revoke/", {"reason": "Weg"}),
        MANAGERS, {"secretariat_antwerpen"}, user_state,
    ),
    "user_deactivate": Case(
        b_newcomer, None, ("/accounts/users/{pk}/deactivate/", {"reason": "Weg"}),
        MANAGERS, {"secretariat_antwerpen"}, user_state,
    ),
    "audit_trail": Case(
        b_nothing, None, ("/accounts/audit/", None),
        {"secretariat_gent", "secretariat_antwerpen", "managing_authority",
         "managing_authority_2", "auditor"},
    ),
    "audit_verify": Case(
        b_nothing, None, ("/accounts/audit/verify/", {}),
        {"managing_authority", "managing_authority_2", "auditor"},
    ),
    "my_data": Case(b_nothing, None, ("/accounts/my-data/", None), SIGNED_IN),
    "api_keys": Case(b_nothing, None, ("/accounts/api-keys/", {"name": "Script", "days": "30"}),
                     SIGNED_IN, state=count(__import__("gti.accounts.models",
                                                       fromlist=["ApiToken"]).ApiToken)),
    "excel_import_page": Case(
        b_open_call, None, ("/calls/{ref}/import/", None), {"applicant_gent", "applicant_gent_2"},
    ),
    "preregister": Case(
        b_open_gti_call, ("post", "/api/v1/calls/{ref}/preregistrations", PREREG),
        ("/calls/{ref}/preregister/", PREREG), {"applicant_gent", "applicant_gent_2"}, set(),
        count(PreRegistration), created=True,
    ),
    "preregistration_view": Case(
        b_prereg, ("get", "/api/v1/preregistrations/{ref}", None),
        ("/preregistrations/{ref}/", None),
        {"applicant_gent", "secretariat_gent", "managing_authority", "managing_authority_2",
         "auditor"},
        PREREG_HIDDEN,
    ),
    "preregistration_feedback": Case(
        b_prereg, ("post", "/api/v1/preregistrations/{ref}/feedback",
                   {"advice": "go", "remarks": "Ga door"}),
        ("/preregistrations/{ref}/", {"advice": "go", "remarks": "Ga door"}),
        {"secretariat_gent", "managing_authority", "managing_authority_2"},
        PREREG_HIDDEN, prereg_state,
        created=True,
    ),
    "preregistration_open_proposal": Case(
        b_prereg_advised, ("post", "/api/v1/preregistrations/{ref}/proposal", {}),
        ("/preregistrations/{ref}/proposal/", {}), {"applicant_gent"},
        PREREG_HIDDEN, prereg_state,
        created=True,
    ),
    "decision_document": Case(
        b_approved, None, ("/proposals/{ref}/decision/", None),
        PROPOSAL_VIEW | {"assessor_gent"}, NOT_GHENT_VIEW - {"assessor_gent"},
    ),
    "letter": Case(
        b_inadmissible, None, ("/proposals/{ref}/letter/", None),
        PROPOSAL_VIEW, NOT_GHENT_VIEW,
    ),
    "report_submit": Case(
        b_report, ("post", "/api/v1/reports/{pk}/submit", {}),
        ("/monitoring/reports/{pk}/", lambda: report_form(action="submit")),
        {"applicant_gent"}, GRANT_HIDDEN, report_state,
    ),
    "report_review": Case(
        lambda: b_report(submit=True),
        ("post", "/api/v1/reports/{pk}/review", {"outcome": "return", "remarks": "Aanvullen"}),
        ("/monitoring/reports/{pk}/", {"action": "return", "remarks": "Aanvullen"}),
        {"managing_authority", "managing_authority_2"}, GRANT_HIDDEN, report_state,
    ),
    "claim_submit": Case(
        b_claim, ("post", "/api/v1/claims/{pk}/submit", {}),
        ("/monitoring/claims/{pk}/", lambda: claim_form("submit")),
        {"applicant_gent"}, GRANT_VIEW - {"applicant_gent"}, claim_state,
    ),
    "claim_verify": Case(
        lambda: b_claim("submitted"),
        ("post", "/api/v1/claims/{pk}/verification", {"verdicts": VERDICTS_1}),
        ("/monitoring/claims/{pk}/", verify_form),
        {"managing_authority", "managing_authority_2"}, GRANT_HIDDEN, claim_state,
    ),
    "claim_pay": Case(
        lambda: b_claim("verified"),
        ("post", "/api/v1/claims/{pk}/payment", {"paid_on": TODAY}),
        ("/monitoring/claims/{pk}/", {"action": "pay", "paid_on": TODAY}),
        {"managing_authority", "managing_authority_2"}, GRANT_HIDDEN, claim_state,
    ),
    "payment_application_prepare": Case(
        lambda: b_claim("verified"),
        ("post", "/api/v1/payment-applications", {
            "city": "gent", "priority": "{priority}", "accounting_year": _accounting_year()}),
        ("/monitoring/payment-applications/", {
            "action": "prepare", "city": "gent", "priority": "{priority}",
            "accounting_year": str(_accounting_year())}),
        {"managing_authority", "managing_authority_2"}, set(), claim_state, created=True,
    ),
    "claim_final": Case(
        b_claim, ("post", "/api/v1/claims/{pk}/final", {}),
        ("/monitoring/grants/{ref}/obligations/", {"action": "final_claim", "claim": "{pk}"}),
        {"applicant_gent"}, GRANT_VIEW - {"applicant_gent"}, final_state,
    ),
    "claim_plan": Case(
        b_claim, ("put", "/api/v1/grants/{ref}/planned-claims", {"planned": [PLANNED]}),
        ("/monitoring/grants/{ref}/claims/", {"action": "plan", **PLANNED}),
        {"applicant_gent"}, GRANT_HIDDEN, plan_state,
    ),
    "report_final": Case(
        b_report, ("post", "/api/v1/reports/{pk}/final", {}),
        ("/monitoring/grants/{ref}/obligations/", {"action": "final_report", "report": "{pk}"}),
        {"applicant_gent"}, GRANT_HIDDEN, final_state,
    ),
    "obligations_view": Case(
        b_grant_in_force, ("get", "/api/v1/grants/{ref}/obligations", None),
        ("/monitoring/grants/{ref}/obligations/", None), PROPOSAL_VIEW, GRANT_HIDDEN,
    ),
    "export_start": Case(
        b_nothing, ("post", "/api/v1/exports", {}), ("/monitoring/exports/", {"kind": "excel"}),
        EXPORTERS, set(), job_state, created=True,
    ),
    "job_view": Case(
        b_job, ("get", "/api/v1/jobs/{pk}", None), ("/monitoring/exports/jobs/{pk}/", None),
        JOB_READERS, SIGNED_IN - JOB_READERS,
    ),
    "grant_open": Case(
        b_efro_approved, ("post", "/api/v1/grants", {"proposal": "{ref}"}),
        ("/monitoring/grants/{ref}/open/", {}),
        {"managing_authority", "managing_authority_2"}, set(), grant_state, created=True,
    ),
    "grant_view": Case(
        b_grant_in_force, ("get", "/api/v1/grants/{ref}", None),
        ("/monitoring/grants/{ref}/", None), PROPOSAL_VIEW, GRANT_HIDDEN,
    ),
    "grant_amend": Case(
        b_grant_in_force,
        ("post", "/api/v1/grants/{ref}/amendments", {"reason": "Mijlpaal", "changes": {
            "milestones": [{"title": "Oplevering", "due": "2027-06-30"}]}}),
        ("/monitoring/grants/{ref}/amend/", {"reason": "Mijlpaal",
                                             "milestone_title_0": "Oplevering",
                                             "milestone_due_0": "2027-06-30"}),
        {"managing_authority", "managing_authority_2"}, GRANT_HIDDEN, grant_state, created=True,
    ),
    "grant_approve": Case(
        b_grant_draft, ("post", "/api/v1/grants/{ref}/versions/1/approve", {}),
        ("/monitoring/grants/{ref}/versions/1/approve/", {}),
        {"managing_authority", "managing_authority_2"}, GRANT_HIDDEN, grant_state,
    ),
    "annual_report_view": Case(
        b_grant_in_force, None, ("/monitoring/reports/annual/?year=2026", None), ANNUAL_REPORT,
    ),
    "annual_report_pdf": Case(
        b_grant_in_force, ("post", "/api/v1/reports/annual/pdf", {"year": 2026}),
        ("/monitoring/exports/", {"kind": "annual_pdf", "year": "2026"}),
        ANNUAL_REPORT, set(), job_state, created=True,
    ),
    # participation
    "involvement_proposal": Case(
        lambda: _one(submitted()), None, ("/proposals/{ref}/involvement/", MOMENT_FORM),
        THE_CITY, NOT_GHENT_VIEW, participation_state,
    ),
    "involvement_draft": Case(
        lambda: _one(draft()), None, ("/proposals/{ref}/involvement/", MOMENT_FORM),
        {"applicant_gent"}, set(ROLES[1:-1]) - {"applicant_gent"}, participation_state,
    ),
    "involvement_call": Case(
        b_open_call, None, ("/calls/{ref}/involvement/", MOMENT_FORM), THE_CITY, set(),
        participation_state,
    ),
    "consultation_set": Case(
        b_open_call, None, ("/calls/{ref}/consultation/", {
            "opens_at": "2026-01-01 10:00", "closes_at": "2030-01-01 10:00", "reason": ""}),
        THE_CITY, set(), participation_state,
    ),
    "consultation_codes": Case(
        b_consultation, None, ("/calls/{ref}/consultation/codes/", {"count": "2"}), THE_CITY,
        set(), participation_state,
    ),
    "consultation_hide": Case(
        b_comment, None, ("/consultation/comments/{pk}/hide/", {"reason": "Beledigend"}),
        {"secretariat_gent"}, {"secretariat_antwerpen"}, participation_state,
    ),
    # notifications: each person their own messages, preferences and deadlines
    "notifications_view": Case(b_nothing, None, ("/notifications/", None), SIGNED_IN),
    "notifications_read": Case(
        b_unread, None, ("/notifications/", {}), SIGNED_IN, set(), read_state,
    ),
    "notifications_preferences": Case(
        b_nothing, None, ("/notifications/preferences/", None), SIGNED_IN,
    ),
    "notifications_preferences_save": Case(
        b_nothing, None, ("/notifications/preferences/", {"language": "en"}), SIGNED_IN, set(),
        language_state,
    ),
    "deadlines_view": Case(b_nothing, None, ("/my-work/", None), SIGNED_IN),
    "deadlines_renew_feed": Case(
        b_nothing, None, ("/my-work/calendar/renew/", {}), SIGNED_IN, set(), token_state,
    ),
    # documents
    "annex_upload": Case(
        lambda: _one(draft()), None,
        ("/documents/proposal/{ref}/", lambda: {"kind": "other", "file": upload()}),
        {"applicant_gent"}, SIGNED_IN - {"applicant_gent"}, document_state,
    ),
    "annex_view": Case(
        b_annexed, ("get", "/api/v1/proposals/{ref}/documents", None),
        ("/documents/{doc}/", None), PROPOSAL_VIEW, OUT_OF_VIEW_SUBMITTED,
        page_refused={None: 404},  # the download asks no login: a public call's files
    ),
    "grant_document_upload": Case(
        b_grant_in_force, None,
        ("/documents/grant/{ref}/", lambda: {"kind": "decision", "file": upload()}),
        {"managing_authority", "managing_authority_2"}, GRANT_HIDDEN, document_state,
    ),
    "call_annex_kinds": Case(
        b_open_call, None, ("/calls/{ref}/annexes/", {"annex_permit": "required"}),
        {"secretariat_gent"}, set(), lambda t: list(AnnexKind.objects.values_list("kind")),
    ),
}  # fmt: skip


# --- participatory budgeting: the city's secretariat runs its rounds ------------------------


def b_budget_round(phase="ideas"):
    from tests.budgeting.test_services import make_round

    round_ = make_round()
    if phase == "review":
        idea = budgeting.propose_idea(round_, title="Bankjes", description="…",
                                      estimated_cost="1000")  # fmt: skip
        budgeting.advance(round_, by=person("secretariat_gent"))
        return {"obj": round_, "pk": round_.pk, "idea": idea.pk}
    return {"obj": round_, "pk": round_.pk}


def b_budget_voting(entered=False):
    from tests.budgeting.test_services import second_official, voting_round

    round_ = voting_round()
    (code,) = budgeting.generate_codes(round_, 1, by=person("secretariat_gent"))
    choice = str(budgeting.on_ballot(round_).first().pk)
    keys = {"obj": round_, "pk": round_.pk, "code": code, "choice": choice}
    if entered:
        official = (get_user_model().objects.filter(username="secretariat_gent_2").first()
                    or second_official())  # fmt: skip
        ballot = budgeting.enter_paper_ballot(round_, by=official, code=code, birth_year=1970,
                                              choices={choice: 1})  # fmt: skip
        keys["ballot"] = str(ballot.pk)
    return keys


def budget_state(t):
    from gti.budgeting.models import Ballot, BudgetRound, Idea

    return (list(BudgetRound.objects.values_list("pk", "phase")),
            list(Idea.objects.values_list("pk", "feasible", "final_cost")),
            list(Ballot.objects.values_list("pk", "confirmed")))  # fmt: skip


BUDGET_ROUND = {"city": "gent", "area": "", "name": "Wijkbudget", "budget": "100000",
                "ballot_kind": "approval", "min_projects": "1", "completion": "add1u",
                "minimum_age": "16"}  # fmt: skip
CASES |= {
    "budget_round_create": Case(
        b_nothing, None, ("/budgeting/new/", BUDGET_ROUND), {"secretariat_gent"}, set(),
        budget_state,
    ),
    "budget_round_advance": Case(
        b_budget_round, None, ("/budgeting/{pk}/manage/", {"action": "advance"}),
        {"secretariat_gent"}, {"secretariat_antwerpen"}, budget_state,
    ),
    "budget_idea_review": Case(
        lambda: b_budget_round("review"), None, ("/budgeting/{pk}/manage/", {
            "action": "review", "idea": "{idea}", "feasible": "yes", "final_cost": "900"}),
        {"secretariat_gent"}, {"secretariat_antwerpen"}, budget_state,
    ),
    "budget_paper_enter": Case(
        b_budget_voting, None, ("/budgeting/{pk}/paper/", {
            "action": "enter", "code": "{code}", "birth_year": "1970", "choice": ["{choice}"]}),
        {"secretariat_gent"}, {"secretariat_antwerpen"}, budget_state,
    ),
    "budget_paper_confirm": Case(
        lambda: b_budget_voting(entered=True), None, ("/budgeting/{pk}/paper/", {
            "action": "confirm", "ballot": "{ballot}", "choice": ["{choice}"]}),
        {"secretariat_gent"}, {"secretariat_antwerpen"}, budget_state,
    ),
}  # fmt: skip


def _first(action):
    make, method, path, body, page, form = ACTIONS[action]
    return Case(
        lambda: (lambda obj: _one(obj, call=getattr(obj, "reference", "")))(make()),
        (method, path, body), (page, form), ALLOWED[action], HIDDEN[action],
        None if method == "get" else (lambda t: state_of(t["obj"])), action in OK,
    )  # fmt: skip


CASES = {action: _first(action) for action in ACTIONS} | CASES


def _fill(value, keys):
    if callable(value):
        value = value()
    if isinstance(value, str):
        return value.format(**keys) if "{" in value else value
    if isinstance(value, dict):
        return {_fill(k, keys): _fill(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, keys) for v in value]
    return value


def _ask(kind, case, target, role):
    keys = {k: v for k, v in target.items() if k != "obj"}
    client = CLIENTS[role]
    if kind == "api":
        method, path, body = case.api
        headers = {"HTTP_AUTHORIZATION": f"Bearer {TOKENS[role]}"} if role else {}
        if body is None:
            return getattr(client, method)(_fill(path, keys), **headers)
        return getattr(client, method)(
            _fill(path, keys), _fill(body, keys), content_type="application/json", **headers
        )
    path, form = case.page
    if form is None:
        return client.get(_fill(path, keys))
    return client.post(_fill(path, keys), _fill(form, keys))


TOKENS: dict = {}
CLIENTS: dict = {}  # signed in before anything is counted (signing in is audited)


def _snapshot(case, target):
    return AuditEvent.objects.count(), case.state(target) if case.state else None


def _expected(kind, case, role):
    if role is None:
        return 401 if kind == "api" else case.page_refused.get(None, 302)
    if role in case.allowed:
        return 201 if kind == "api" and case.created else 200
    if kind == "page" and role in case.page_refused:
        return case.page_refused[role]
    return 404 if role in case.hidden else 403


def _check_every_role(kind, case, make=None, roles=ROLES):
    make = make or case.make
    target = make()
    for name in [*filter(None, roles), "assessor_gent_2"]:
        person(name)
    TOKENS.clear()
    CLIENTS.clear()
    for role in roles:
        CLIENTS[role] = Client()
        if role and kind == "api":
            TOKENS[role] = create_token(person(role))
        elif role:
            CLIENTS[role].force_login(person(role))
    wrong = []
    refused = [r for r in roles if r not in case.allowed]
    allowed = [r for r in roles if r in case.allowed]
    for role in refused + allowed:
        if role in case.allowed and role != allowed[0] and case.state:
            target = make()  # each allowed person acts on a fresh object
        before = _snapshot(case, target)
        response = _ask(kind, case, target, role)
        status, expected = response.status_code, _expected(kind, case, role)
        if kind == "page" and expected == 200 and status == 302 and role in case.allowed:
            status = 200  # a successful form post redirects to the next page
        if status != expected:
            wrong.append((role, expected, status, response.content[:200]))
        login = response.get("Location", "")
        if role is None and kind == "page" and status == 302 and "/accounts/login/" not in login:
            wrong.append((role, "login", response.get("Location")))
        after = _snapshot(case, target)
        if role not in case.allowed and after != before:
            wrong.append((role, "changed", before, after))
        if role in case.allowed and case.state and after == before and _acts(kind, case):
            wrong.append((role, "nothing happened", before))
    assert not wrong, wrong


def _acts(kind, case):
    return case.api[0] != "get" if kind == "api" else case.page[1] is not None


@pytest.mark.parametrize("action", [a for a, c in CASES.items() if c.api])
def test_every_role_api(action):
    _check_every_role("api", CASES[action])


@pytest.mark.parametrize("action", [a for a, c in CASES.items() if c.page])
def test_every_role_page(action):
    _check_every_role("page", CASES[action])


# --- a person of one city asking for another city's object: 404, page and API ----------------

ANTWERP_PEOPLE = ["applicant_antwerpen", "secretariat_antwerpen", "steering_antwerpen",
                  "assessor_antwerpen"]  # fmt: skip
# object: (make, API paths, page paths, people of Antwerp who hold no such right anywhere: 403)
GHENT_OBJECTS = {
    "proposal": (lambda: _one(submitted()), ["/api/v1/proposals/{ref}"],
                 ["/proposals/{ref}/", "/proposals/{ref}/assessment/"], set()),
    "preregistration": (b_prereg, ["/api/v1/preregistrations/{ref}"],
                        ["/preregistrations/{ref}/"], set()),
    "call": (lambda: _one(draft_call()), ["/api/v1/calls/{ref}"], ["/calls/{ref}/"], set()),
    "scenario": (b_scenario, ["/api/v1/scenarios/{pk}"], ["/scenarios/{pk}/"],
                 {"applicant_antwerpen", "assessor_antwerpen"}),
    "meeting": (b_city_led_meeting, ["/api/v1/meetings/{pk}"], ["/rounds/{pk}/"],
                {"applicant_antwerpen", "assessor_antwerpen"}),
    "decision": (b_approved, [], ["/proposals/{ref}/decision/", "/proposals/{ref}/decision.pdf"],
                 set()),
    "letter": (b_inadmissible, [], ["/proposals/{ref}/letter/", "/proposals/{ref}/letter.pdf"],
               set()),
    "user": (b_newcomer, [], ["/accounts/users/{pk}/"],
             {"applicant_antwerpen", "assessor_antwerpen", "steering_antwerpen"}),
    "envelopes": (b_city, ["/api/v1/portfolio/{city}/envelopes"], ["/portfolio/{city}/"],
                  {"applicant_antwerpen", "assessor_antwerpen"}),
    "progress_report": (b_report, ["/api/v1/reports/{pk}", "/api/v1/grants/{ref}/reports"],
                        ["/monitoring/reports/{pk}/", "/monitoring/grants/{ref}/reports/"],
                        {"assessor_antwerpen"}),
    "grant": (b_grant_in_force, ["/api/v1/grants/{ref}"],
              ["/monitoring/grants/{ref}/", "/monitoring/grants/{ref}/amend/"],
              {"assessor_antwerpen"}),
    "annex": (b_annexed, ["/api/v1/proposals/{ref}/documents", "/api/v1/documents/{doc}/file"],
              ["/documents/{doc}/"], set()),
    "grant_document": (b_grant_document, ["/api/v1/documents/{doc}/file"], ["/documents/{doc}/"],
                       set()),
    "claim": (lambda: b_claim("submitted"), ["/api/v1/claims/{pk}", "/api/v1/grants/{ref}/claims"],
              ["/monitoring/claims/{pk}/", "/monitoring/grants/{ref}/claims/"],
              {"assessor_antwerpen"}),
    "resident_comment": (b_comment, [], ["/consultation/comments/{pk}/hide/"],
                         {"applicant_antwerpen", "assessor_antwerpen", "steering_antwerpen"}),
}  # fmt: skip


@pytest.mark.parametrize("name", list(GHENT_OBJECTS))
def test_antwerp_sees_nothing_of_a_ghent_object(name):
    make, api_paths, page_paths, no_right = GHENT_OBJECTS[name]
    target = make()
    keys = {k: v for k, v in target.items() if k != "obj"}
    wrong = []
    for role in ANTWERP_PEOPLE:
        expected = 403 if role in no_right else 404
        user = person(role)
        token = create_token(user)
        for path in api_paths:
            response = Client().get(_fill(path, keys), HTTP_AUTHORIZATION=f"Bearer {token}")
            if response.status_code != expected:
                wrong.append((role, path, response.status_code))
        client = Client()
        client.force_login(user)
        for path in page_paths:
            response = client.get(_fill(path, keys))
            if response.status_code != expected:
                wrong.append((role, path, response.status_code))
        # Nor in the audit trail: no event about the object, nor of Ghent at all.
        seen = AuditEvent.objects.visible_to(user)
        if (
            target["obj"] is not None
            and seen.filter(object_id=str(target["obj"].pk))
            .filter(object_type=target["obj"]._meta.label_lower)
            .exists()
        ):
            wrong.append((role, "audit event about it"))
        if seen.filter(city="gent").exists():
            wrong.append((role, "Ghent audit events"))
    page = Client()
    page.force_login(person("secretariat_antwerpen"))
    listed = page.get("/accounts/audit/").context["page"].object_list
    if not listed or any(e.city == "gent" for e in listed):  # Antwerp's own events only
        wrong.append(("secretariat_antwerpen", "audit page shows it"))
    assert not wrong, wrong


def test_ghent_sees_nothing_of_an_antwerp_proposal():
    """The reverse direction: an Antwerp proposal of the default procedure, and its audit."""
    proposal = efro_submitted(efro_call(), "antwerpen")
    for role in ("applicant_gent", "secretariat_gent", "steering_gent", "assessor_gent"):
        user = person(role)
        token = create_token(user)
        api = Client().get(f"/api/v1/proposals/{proposal.reference}",
                           HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
        client = Client()
        client.force_login(user)
        page = client.get(f"/proposals/{proposal.reference}/")
        prereg = PreRegistration.objects.get(proposal=proposal)
        prereg = client.get(f"/preregistrations/{prereg.reference}/")
        assert (api.status_code, page.status_code, prereg.status_code) == (404, 404, 404), role
        assert not AuditEvent.objects.visible_to(user).filter(city="antwerpen").exists()
    # … while Antwerp's own secretariat sees it.
    client = Client()
    client.force_login(person("secretariat_antwerpen"))
    assert client.get(f"/proposals/{proposal.reference}/").status_code == 200
    assert (
        AuditEvent.objects.visible_to(person("secretariat_antwerpen"))
        .filter(city="antwerpen", object_id=str(proposal.pk))
        .exists()
    )


# --- one person, two roles: exactly the union of what each role allows in its own city ---------


def two_roles(name, *grants):
    """An account holding each (role, city code or None) of `grants`."""
    first, *more = grants
    city = lambda code: City.objects.get(code=code) if code else None  # noqa: E731
    user = accounts.create_user(name, password="x" * 12, role=first[0], city=city(first[1]),
                                email=f"{name}@example.org")  # fmt: skip
    for role, code in more:
        accounts.grant_role(user, role, city(code))
    TOKENS[user.pk] = create_token(user)  # before anything is counted: making a key is audited
    return get_user_model().objects.get(pk=user.pk)


def _api(user, method, path, body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {TOKENS[user.pk]}"}
    if body is None:
        return getattr(Client(), method)(path, **headers).status_code
    return getattr(Client(), method)(path, body, content_type="application/json",
                                     **headers).status_code  # fmt: skip


def antwerp_submitted():
    from tests.factories import CITY_CHANGES

    proposal = draft(open_call("antwerpen"), applicant="applicant_antwerpen",
                     **CITY_CHANGES["antwerpen"])  # fmt: skip
    return proposals.submit_proposal(proposal, by=person("applicant_antwerpen"))


def test_ghent_applicant_and_antwerp_secretariat():
    from gti.accounts.permissions import can

    both = two_roles("dubbel", (Role.APPLICANT, "gent"), (Role.SECRETARIAT, "antwerpen"))
    ghent_call = open_call()
    ghent, ghent_draft = submitted(ghent_call), draft(ghent_call, applicant="applicant_gent_2")
    antwerp = antwerp_submitted()
    own = draft(ghent_call, applicant="dubbel")
    # As applicant in Ghent: its own draft, new proposals in Ghent's call only.
    assert can(both, "proposal.edit", own) and can(both, "proposal.create", ghent_call)
    assert not can(both, "proposal.create", antwerp.call)
    # As secretariat in Antwerp: Antwerp's proposals only.
    assert can(both, "proposal.screen", antwerp) and not can(both, "proposal.screen", ghent)
    assert not can(both, "proposal.view", ghent) and not can(both, "proposal.view", ghent_draft)
    assert not can(both, "proposal.screen", own)
    events = AuditEvent.objects.count()
    assert _api(both, "post", f"/api/v1/proposals/{ghent.reference}/start-screening", {}) == 404
    assert _api(both, "get", f"/api/v1/proposals/{ghent_draft.reference}") == 404
    assert _api(both, "post", f"/api/v1/calls/{antwerp.call.reference}/proposals",
                proposal_data()) == 403  # fmt: skip
    assert Proposal.objects.get(pk=ghent.pk).state == "submitted"
    assert AuditEvent.objects.count() == events
    assert _api(both, "post", f"/api/v1/proposals/{antwerp.reference}/start-screening", {}) == 200
    assert _api(both, "put", f"/api/v1/proposals/{own.reference}",
                proposal_data(title="Eigen")) == 200  # fmt: skip
    assert _api(both, "post", f"/api/v1/calls/{ghent_call.reference}/proposals",
                proposal_data()) == 201  # fmt: skip
    client = Client()
    client.force_login(both)
    assert client.post(f"/proposals/{ghent.reference}/start-screening/").status_code == 404
    assert client.get(f"/proposals/{ghent_draft.reference}/").status_code == 404
    assert client.get("/portfolio/gent/").status_code == 404
    assert client.get("/portfolio/antwerpen/").status_code == 200


def test_ghent_secretariat_and_antwerp_expert():
    from gti.accounts.permissions import can

    both = two_roles("dubbel", (Role.SECRETARIAT, "gent"), (Role.ASSESSOR, "antwerpen"))
    ghent, antwerp = submitted(), antwerp_submitted()
    assert can(both, "proposal.screen", ghent) and not can(both, "proposal.screen", antwerp)
    assert _api(both, "post", f"/api/v1/proposals/{antwerp.reference}/start-screening", {}) == 404
    assert _api(both, "post", f"/api/v1/proposals/{ghent.reference}/start-screening", {}) == 200
    # As expert of Antwerp: assigned there, sees the proposal only once declared, scores it.
    secretariat = person("secretariat_antwerpen")
    antwerp = proposals.start_screening(antwerp, by=secretariat)
    checklist = PASS_ITEMS | {f"A-{n}": ("pass", "") for n in range(1, 6)}
    antwerp = proposals.screen_proposal(antwerp, by=secretariat, checklist=checklist)
    proposals.assign_assessors(antwerp, by=secretariat,
                               assessors=[both, person("assessor_antwerpen")])  # fmt: skip
    assert _api(both, "get", f"/api/v1/proposals/{antwerp.reference}") == 404
    assert _api(both, "post", f"/api/v1/proposals/{antwerp.reference}/declaration",
                {"conflict": False}) == 200  # fmt: skip
    assert _api(both, "get", f"/api/v1/proposals/{antwerp.reference}") == 200
    assert _api(both, "post", f"/api/v1/proposals/{antwerp.reference}/scores", SCORES) == 200
    # … but as expert it is not a Ghent expert, and as secretariat not Antwerp's.
    assert not can(both, "proposal.assign", antwerp)
    ghent_assessable, other = admissible(), person("assessor_gent")
    events = AuditEvent.objects.count()
    with pytest.raises(Invalid, match="expert"):
        proposals.assign_assessors(ghent_assessable, by=person("secretariat_gent"),
                                   assessors=[both, other])  # fmt: skip
    assert AuditEvent.objects.count() == events


def test_managing_authority_who_is_also_an_applicant():
    from gti.accounts.permissions import can

    both = two_roles("dubbel", (Role.MANAGING_AUTHORITY, None), (Role.APPLICANT, "gent"))
    call = efro_call()
    others = draft(open_call(), applicant="applicant_gent")
    prereg = preregistered(call, applicant="dubbel", advice=None)
    # As applicant: its own pre-registration, which it never advises as the managing authority
    # (the other officer does); it advises the others'.
    assert can(both, "preregistration.view", prereg)
    assert not can(both, "preregistration.advise", prereg)
    assert can(both, "preregistration.advise", preregistered(call, title="Ander idee"))
    assert _api(both, "post", f"/api/v1/preregistrations/{prereg.reference}/feedback",
                {"advice": "go", "remarks": "Eigen"}) == 403  # fmt: skip
    # As managing authority: no drafts of others, no scoring, no steering-committee signature.
    assert not can(both, "proposal.view", others) and not can(both, "proposal.edit", others)
    assert _api(both, "get", f"/api/v1/proposals/{others.reference}") == 404
    gent_proposal = efro_assessed(call, "gent")
    assert not can(both, "proposal.assess", gent_proposal)
    meeting = portfolio.open_validation(call, by=person("secretariat_gent"),
                                        city=gent_proposal.city, date=DAY)  # fmt: skip
    assert not can(both, portfolio.sign_permission(meeting), meeting)
    assert _api(both, "post", f"/api/v1/meetings/{meeting.pk}/sign",
                {"votes": {gent_proposal.reference: {"choice": "for"}}}) == 403  # fmt: skip
    assert _api(both, "post", f"/api/v1/calls/{call.reference}/close", {"reason": "x"}) == 200


def test_a_joint_decision_round_shows_antwerp_none_of_ghents_decisions():
    """The managing authority's round covers both cities: each city's bodies see their own."""
    target = _efro_decision()
    ghent = target["proposal"]
    antwerp = efro_validated(Meeting.objects.get(pk=target["pk"]).call, "antwerpen")
    authority = person("managing_authority")
    portfolio.set_decision(target["obj"], by=authority, proposal=antwerp, outcome="approved",
                           amount=antwerp.erdf_requested)  # fmt: skip
    for role, sees, not_seen in (("secretariat_antwerpen", antwerp.reference, ghent),
                                 ("steering_gent", ghent, antwerp.reference)):  # fmt: skip
        user = person(role)
        api = Client().get(f"/api/v1/meetings/{target['pk']}",
                           HTTP_AUTHORIZATION=f"Bearer {create_token(user)}")  # fmt: skip
        assert [d["proposal"] for d in api.json()["decisions"]] == [sees]
        client = Client()
        client.force_login(user)
        page = client.get(f"/rounds/{target['pk']}/")
        assert sees.encode() in page.content and not_seen.encode() not in page.content
    api = Client().get(f"/api/v1/meetings/{target['pk']}",
                       HTTP_AUTHORIZATION=f"Bearer {create_token(authority)}")  # fmt: skip
    assert len(api.json()["decisions"]) == 2
