"""Each role × each action, on the page and on the API: allowed, refused (403), outside the
person's view (404) or not signed in (302 to the login page / 401); nothing changes when refused.
"""

import pytest
from django.test import Client

from gti.accounts.models import AuditEvent
from gti.accounts.services import create_token
from gti.proposals.models import Call, Proposal
from gti.proposals.services import create_call, snapshot
from gti.strategy.models import City
from tests.factories import (
    PASS_ALL,
    admissible,
    draft,
    in_assessment,
    open_call,
    person,
    proposal_data,
    submitted,
)

pytestmark = pytest.mark.usefixtures("loaded")

ROLES = [
    "applicant_gent",  # the owner of the proposal
    "applicant_gent_2",
    "applicant_antwerpen",
    "secretariat_gent",
    "secretariat_antwerpen",
    "assessor_gent",  # assigned (in assessment) or not (other states)
    "assessor_gent_3",  # never assigned
    "steering_gent",
    "managing_authority",
    "auditor",
    None,  # not signed in
]


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
        "managing_authority",
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
    "confirm_meeting": {"steering_gent"},
}
# Who cannot see the object at all (404): drafts are the applicant's own; other cities' work and
# proposals not assigned to an assessor are out of view.
OUT_OF_VIEW_SUBMITTED = {
    "applicant_gent_2", "applicant_antwerpen", "secretariat_antwerpen", "assessor_gent",
    "assessor_gent_3",
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
    "publish_call": set(ROLES[:-1]) - {"secretariat_gent", "managing_authority"},
    # Another city's portfolio is out of view.
    "run_scenario": {"secretariat_antwerpen"},
    "confirm_meeting": {"secretariat_antwerpen"},
}


def expected_api(action, role):
    if role is None:
        return 401
    if role in ALLOWED[action]:
        return OK.get(action, 200)
    if role in HIDDEN[action]:
        return 404
    return 403


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


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("action", list(ACTIONS))
def test_api(action, role):
    make, method, path, body, _page, _form = ACTIONS[action]
    obj = make()
    for name in [*filter(None, ROLES), "assessor_gent_2"]:
        person(name)
    url = path.format(
        call=getattr(obj, "reference", ""), ref=getattr(obj, "reference", ""), pk=obj.pk
    )
    headers = {}
    if role:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {create_token(person(role))}"
    before, events = state_of(obj), AuditEvent.objects.count()
    client = Client()
    kwargs = {"content_type": "application/json"} if body is not None else {}
    response = (
        getattr(client, method)(url, body, **kwargs, **headers)
        if body is not None
        else (getattr(client, method)(url, **headers))
    )
    assert response.status_code == expected_api(action, role), response.content
    if response.status_code >= 400:
        assert state_of(obj) == before
        assert AuditEvent.objects.count() == events
    elif method != "get":
        assert state_of(obj) != before  # the allowed action really happened


def expected_page(action, role):
    status = expected_api(action, role)
    return {401: 302, 201: 200}.get(status, status)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("action", list(ACTIONS))
def test_page(action, role):
    make, _m, _p, _b, path, form = ACTIONS[action]
    obj = make()
    for name in [*filter(None, ROLES), "assessor_gent_2"]:
        person(name)
    url = path.format(
        call=getattr(obj, "reference", ""), ref=getattr(obj, "reference", ""), pk=obj.pk
    )
    client = Client()
    if role:
        client.force_login(person(role))
    before, events = state_of(obj), AuditEvent.objects.count()
    if callable(form):
        form = form()
    response = client.post(url, form) if form is not None else client.get(url)
    expected = expected_page(action, role)
    if expected == 200 and response.status_code == 302:
        expected = 302  # a successful form post redirects to the next page
    assert response.status_code == expected, (response.status_code, response.get("Location"))
    if expected == 302 and role is None:
        assert "/accounts/login/" in response["Location"]
    if response.status_code in {403, 404} or role is None:
        assert state_of(obj) == before
        assert AuditEvent.objects.count() == events
    elif role in ALLOWED[action] and form is not None:
        assert state_of(obj) != before  # the allowed action really happened
