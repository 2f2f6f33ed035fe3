"""What a proposal holds beyond the basics: partners, cost options, eligibility, the urban angle,
additionality, the whole city, the city's role and the indicators, through the services."""

from decimal import Decimal

import pytest

from gti.accounts.models import AuditEvent
from gti.errors import Invalid
from gti.proposals import services
from gti.proposals.models import Proposal, percent
from tests.factories import draft, open_call, person, proposal_data

S = Proposal.State
pytestmark = pytest.mark.usefixtures("loaded")

ANTWERP = {
    "promoter": "Stad Antwerpen",
    "partners": [{"name": "Stad Antwerpen", "enterprise_number": "0207500123", "share": "1"}],
    "areas": ["borgerhout"],
    "justifications": {},
    "policy_references": [],
}


def test_partners_and_cost_options_are_stored_and_shown_in_the_snapshot():
    proposal = draft()
    lead, other = proposal.partners.all()
    assert lead.is_lead and lead.name == proposal.promoter and lead.share == Decimal("0.8")
    assert other.enterprise_number == "0412.345.614" and not other.is_lead
    staff = proposal.budget_lines.get(category="staff")
    assert staff.cost_option == "unit_cost" and staff.amount == Decimal("50000.00")  # 1000 × 50
    assert proposal.eligible_cost == proposal.total_cost == Decimal("150000.00")
    data = services.snapshot(proposal)
    assert data["urban_angle"].startswith("Ontharding")
    assert data["partners"][1]["legal_form"] == "vzw"
    assert data["budget_lines"][1]["units"] == Decimal("1000.00")


def test_an_ineligible_line_counts_in_the_total_but_not_in_the_eligible_cost():
    proposal = draft(
        budget_lines=[
            {"category": "works", "amount": "100000.00"},
            {"category": "staff", "cost_option": "unit_cost", "units": "1000", "unit_rate": "50"},
            {"category": "other", "amount": "5000.00", "eligible": False},
        ],
        co_financing=[{"source": "city", "amount": "95000.00"}],
    )
    assert proposal.total_cost == Decimal("155000.00")
    assert proposal.eligible_cost == Decimal("150000.00")
    assert proposal.erdf_requested == Decimal("60000.00")


def test_a_partner_abroad_keeps_its_own_registration_number():
    partners = [
        {"name": "Stad Gent, Groendienst", "enterprise_number": "0207451227", "share": "0.9"},
        {"name": "Ville de Lille", "country": "fr", "enterprise_number": "21590350100017",
         "share": "0.1"},
    ]  # fmt: skip
    proposal = services.submit_proposal(draft(partners=partners), by=person("applicant_gent"))
    abroad = proposal.partners.get(country="FR")
    assert abroad.enterprise_number == "21590350100017" and proposal.state == S.SUBMITTED


def test_the_enterprise_number_is_stored_with_dots():
    partners = [{"name": "Stad Gent, Groendienst", "enterprise_number": "BE0207451227",
                 "share": "1"}]  # fmt: skip
    proposal = draft(partners=partners)
    assert proposal.partners.get().enterprise_number == "0207.451.227"


@pytest.mark.parametrize(
    ("city", "changes", "field"),
    [
        (
            "gent",
            {"partners": [{"name": "X", "enterprise_number": "0207.451.228", "share": "1"}]},
            "partners[0].enterprise_number",
        ),
        (
            "gent",
            {"partners": [{"name": "X", "enterprise_number": "", "share": "1.5"}]},
            "partners[0].share",
        ),
        (
            "gent",
            {"partners": [{"name": "X", "share": "1", "colour": "blue"}]},
            "partners[0].colour",
        ),
        ("gent", {"city_role": "partner"}, "city_role"),
        (
            "gent",
            {"indicator_targets": [{"indicator": "RCO74", "target": "1000"}]},
            "indicator_targets[0].indicator",
        ),
        ("gent", {"whole_city": True}, "areas"),
        ("antwerpen", {**ANTWERP, "whole_city": True, "areas": []}, "whole_city"),
        (
            "gent",
            {"budget_lines": [{"category": "staff", "cost_option": "unit_cost", "units": "10"}]},
            "budget_lines[0].unit_rate",
        ),
        (
            "gent",
            {
                "budget_lines": [
                    {"category": "works", "amount": "100000.00"},
                    {
                        "category": "staff",
                        "cost_option": "unit_cost",
                        "units": "1000",
                        "unit_rate": "50",
                        "amount": "50000.01",
                    },
                ]
            },
            "budget_lines[1].amount",
        ),  # fmt: skip
        (
            "gent",
            {"budget_lines": [{"category": "works", "amount": "150000.00", "eligible": False}]},
            "erdf_requested",
        ),
    ],
)
def test_refused_content_names_the_field_and_writes_nothing(city, changes, field):
    call, applicant = open_call(city), person(f"applicant_{city}")
    before = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        services.save_proposal(call, proposal_data(**changes), by=applicant)
    assert field in refused.value.errors
    assert Proposal.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_ghent_admits_the_whole_city_instead_of_areas():
    proposal = draft(whole_city=True, areas=[])
    proposal = services.submit_proposal(proposal, by=person("applicant_gent"))
    assert proposal.state == S.SUBMITTED and proposal.whole_city


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"partners": []}, "partners"),
        ({"urban_angle": ""}, "urban_angle"),
        ({"additionality": "  "}, "additionality"),
        (
            {
                "partners": [
                    {
                        "name": "Stad Gent, Groendienst",
                        "enterprise_number": "0207451227",
                        "share": "0.6",
                    }
                ]
            },
            "partners",
        ),  # fmt: skip
        (
            {"partners": [{"name": "Iemand", "enterprise_number": "0207451227", "share": "1"}]},
            "partners[0].name",
        ),
        (
            {
                "budget_lines": [
                    {"category": "works", "amount": "100000.00"},
                    {"category": "staff", "amount": "50000.00"},
                ]
            },
            "budget_lines",
        ),
    ],
)
def test_incomplete_content_cannot_be_submitted_and_stays_a_draft(changes, field):
    proposal = draft(**changes)
    events = AuditEvent.objects.count()
    with pytest.raises(Invalid) as refused:
        services.submit_proposal(proposal, by=person("applicant_gent"))
    assert field in refused.value.errors
    proposal.refresh_from_db()
    assert proposal.state == S.DRAFT and proposal.submitted_at is None
    assert AuditEvent.objects.count() == events


def test_real_costs_only_are_fine_for_state_aid():
    lines = [
        {"category": "works", "amount": "100000.00"},
        {"category": "staff", "amount": "50000.00"},
    ]
    proposal = draft(budget_lines=lines, state_aid=True)
    proposal = services.submit_proposal(proposal, by=person("applicant_gent"))
    assert proposal.state == S.SUBMITTED


# --- the pages ---------------------------------------------------------------------------------


def budget_post(proposal, **extra) -> dict:
    data = {
        "line0_category": "works",
        "line0_cost_option": "real",
        "line0_eligible": "on",
        "line0_amount": "100000.00",
        "line1_category": "staff",
        "line1_description": "Projectleiding",
        "line1_cost_option": "unit_cost",
        "line1_eligible": "on",
        "line1_units": "1000",
        "line1_unit_rate": "50.00",
        "erdf_rate_percent": "40",
        "erdf_requested": "60000.00",
        "co_city": "70000.00",
        "co_flemish_government": "20000.00",
    }
    return {**data, **extra}


def test_the_budget_step_computes_a_unit_cost_line_while_typing(client):
    proposal = draft()
    client.force_login(person("applicant_gent"))
    url = f"/en/proposals/{proposal.reference}/edit/budget/"
    response = client.post(url, budget_post(proposal, line1_units="999"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "computed: € 49950.00" in html
    amount = html.split('name="line1_amount"')[1].split(">")[0]
    assert 'value="49950.00"' in amount and "readonly" in amount  # typed amounts do not count
    assert "does not match the rate" in html  # 40% of 149,950.00 is 59,980.00
    proposal.refresh_from_db()
    assert proposal.total_cost == Decimal("150000.00")  # checking while typing saves nothing


def test_the_budget_step_saves_cost_options_and_eligibility(client):
    proposal = draft()
    client.force_login(person("applicant_gent"))
    url = f"/en/proposals/{proposal.reference}/edit/budget/"
    posted = budget_post(
        proposal,
        line2_category="other",
        line2_cost_option="flat_rate",
        line2_eligible="",
        line2_flat_rate="7",
        line2_flat_rate_base="direct",
        co_city="80500.00",
    )
    response = client.post(url, posted)
    assert response.status_code == 302, response.content.decode()
    flat = proposal.budget_lines.get(category="other")
    assert flat.amount == Decimal("10500.00") and not flat.eligible  # 7% of 150,000
    assert proposal.budget_lines.get(category="staff").amount == Decimal("50000.00")


def test_the_general_step_takes_partners_and_names_a_bad_enterprise_number(client):
    proposal = draft()
    client.force_login(person("applicant_gent"))
    url = f"/en/proposals/{proposal.reference}/edit/general/"
    data = {k: v for k, v in services.snapshot(proposal).items() if isinstance(v, str)}
    data.update(
        partner0_name="Stad Gent, Groendienst",
        partner0_country="BE",
        partner0_enterprise_number="0207.451.228",
        partner0_legal_personality="on",
        partner0_share="100",
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "0207.451.228 is not a valid enterprise number" in response.content.decode()
    assert proposal.partners.count() == 2  # nothing changed
    data["partner0_enterprise_number"] = "0207451227"
    assert client.post(url, data).status_code == 302
    assert proposal.partners.get().share == 1


def test_the_proposal_page_shows_everything_it_holds(client):
    proposal = draft()
    client.force_login(person("applicant_gent"))
    html = client.get(f"/en/proposals/{proposal.reference}/").content.decode()
    for text in (
        "Ontharding van 1,5 ha",  # description
        "Ontharding in de dichtst bebouwde wijk",  # urban angle
        "Geen steun uit de reguliere EFRO-oproepen",  # additionality
        "Buurtwerk Ledeberg vzw",
        "0412.345.614",
        "unit cost",
        "1000.00 × EUR 50.00",
        "Eligible cost",
        "Co-financing by Flemish government",
        "RCO26",
        "Reference value",
        "Hoe het project G-1 invult.",
        "beleidsnota-openbaar-groen",
    ):
        assert text in html, text


def test_the_assessment_page_shows_the_proposal_only_after_the_declaration(client):
    from tests.factories import in_assessment

    proposal = in_assessment()
    assessor = person("assessor_gent")
    client.force_login(assessor)
    url = f"/en/proposals/{proposal.reference}/assessment/"
    assert "Ontharding in de dichtst bebouwde wijk" not in client.get(url).content.decode()
    services.declare_no_conflict(proposal.assignments.get(assessor=assessor), by=assessor)
    html = client.get(url).content.decode()
    assert "Ontharding in de dichtst bebouwde wijk" in html and "Buurtwerk Ledeberg vzw" in html


@pytest.mark.parametrize(
    "fraction, shown",
    [("0.8", "80"), ("1", "100"), ("0.125", "12.5"), ("0.2", "20"), ("0", "0"), ("0.0001", "0.01")],
)
def test_a_share_is_shown_as_a_plain_percentage(fraction, shown):
    assert f"{percent(Decimal(fraction))}" == shown


def test_the_general_step_shows_shares_as_plain_percentages(client):
    proposal = draft()  # shares 0.8 and 0.2
    client.force_login(person("applicant_gent"))
    page = client.get(f"/en/proposals/{proposal.reference}/edit/general/").content.decode()
    assert 'name="partner0_share" value="80"' in page and 'name="partner1_share" value="20"' in page
    assert "E+" not in page
