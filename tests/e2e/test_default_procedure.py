"""The programme's default procedure (efro-vlaanderen) end to end in the browser: the managing
authority publishes a call for both cities, an applicant of Antwerp pre-registers and submits the
full proposal, the managing authority checks admissibility, two experts of the Technical Working
Group score it; then the Antwerp steering committee validates with its quorum, two
managing-authority accounts decide, and the decision document is produced. axe on the main page
of every step. Three tests, each starting where the one before ends (the earlier steps made
through the same services by the factories), to keep each one short."""

from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from gti.portfolio.models import Meeting
from gti.proposals.models import Call, Proposal
from tests.e2e.conftest import axe_violations
from tests.e2e.test_preregistration import log_in
from tests.e2e.test_rounds import sign
from tests.factories import efro_assessed, efro_call, efro_submitted, person
from tests.portfolio.test_services import envelopes

pytestmark = pytest.mark.e2e


def accessible(page):
    assert axe_violations(page) == [], page.url


def enter(page, field, value: str):
    """Change a field of the proposal form and wait until the form's inline check that carries the
    new value has been answered and shown, so none is still running when the step is saved."""
    name, kind = field.get_attribute("name"), field.evaluate("e => e.type")
    if field.is_checked() if kind == "checkbox" else field.input_value() == value:
        return  # unchanged: no change event, no check

    def carries_it(response):
        sent = parse_qs(response.request.post_data or "")
        return "hx-request" in response.request.headers and value in sent.get(name, [])

    # Count the answers shown, so that the next field is typed only once this one's answer is in.
    shown = page.evaluate("""() => {
        if (window.shownChecks === undefined) {
            window.shownChecks = 0;
            document.addEventListener("htmx:afterSettle", () => window.shownChecks++);
        }
        return window.shownChecks;
    }""")
    with page.expect_response(carries_it):
        if kind.startswith("select"):
            field.select_option(value)
        elif kind == "checkbox":
            field.check()
        else:
            field.fill(value)
            field.press("Tab")  # a change checks the step
    page.wait_for_function("shown => window.shownChecks > shown", arg=shown)


def save_step(page):
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")


def test_call_preregistration_and_the_full_proposal(site, page):
    for name in ("managing_authority", "applicant_antwerpen"):
        person(name)

    # 1. The managing authority publishes a call for every GTI city under the default procedure.
    log_in(page, "managing_authority")
    page.goto("/en/calls/new/")
    expect(page.get_by_label("For:", exact=True)).to_have_value("")  # every GTI city
    expect(page.get_by_label("Procedure")).to_have_value("efro-vlaanderen")
    expect(page.get_by_label("Pre-registration closes at (Brussels time)")).not_to_have_value("")
    page.get_by_label("Title").fill("GTI-oproep Antwerpen en Gent 2027")
    page.get_by_label("Antwerp: Climate adaptation").check()
    page.get_by_label("Call envelope, ERDF for P1 (EUR)").fill("1200000")
    page.get_by_label("Call envelope, ERDF for P2 (EUR)").fill("800000")
    accessible(page)
    page.get_by_role("button", name="Save draft call").click()
    expect(page.get_by_role("status")).to_contain_text("created as a draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("published")
    accessible(page)
    call = Call.objects.get(title="GTI-oproep Antwerpen en Gent 2027")
    assert call.city is None and call.rules.code == "efro-vlaanderen"
    assert {c.code for c in call.cities} == {"antwerpen", "gent"}

    # 2. An applicant of Antwerp pre-registers; the managing authority says "go".
    log_in(page, "applicant_antwerpen")
    page.goto(f"/en/calls/{call.reference}/")
    page.get_by_role("link", name="Pre-register a project").click()
    page.get_by_label("City").select_option("antwerpen")
    page.get_by_label("Promoter organisation").fill("Stad Antwerpen, Stadsontwikkeling")
    page.get_by_label("Title").fill("Klimaatplein Borgerhout")
    page.get_by_label("Project idea").fill("Ontharding en bomen op een plein in Borgerhout.")
    page.get_by_label("Theme").select_option(label="Climate adaptation (Antwerp)")
    page.get_by_label("Specific objective").select_option("SD 2.4")
    page.get_by_label("Indicative total cost (EUR)").fill("150000")
    page.get_by_label("Indicative ERDF (EUR)").fill("60000")
    accessible(page)
    page.get_by_role("button", name="Send the pre-registration").click()
    expect(page.get_by_role("status")).to_contain_text("sent")
    prereg = page.get_by_role("heading", level=1).inner_text().split(":")[0]

    log_in(page, "managing_authority")
    page.goto(f"/en/preregistrations/{prereg}/")
    page.get_by_label("go: submit the full proposal").check()
    page.get_by_label("Remarks for the applicant").fill("Ga door met het volledige voorstel.")
    accessible(page)
    page.get_by_role("button", name="Save the feedback").click()
    expect(page.get_by_role("status")).to_contain_text("Feedback saved")

    # The applicant opens the full proposal: partners, a unit-cost line, and submits.
    log_in(page, "applicant_antwerpen")
    page.goto(f"/en/preregistrations/{prereg}/")
    page.get_by_role("button", name="Open the full proposal").click()
    expect(page.get_by_label("Title")).to_have_value("Klimaatplein Borgerhout")
    reference = page.url.split("/proposals/")[1].split("/")[0]
    enter(page, page.get_by_label("Role of the city"), "initiator")
    enter(page, page.get_by_label("Summary"), "Ontharding en bomen op een plein in Borgerhout.")
    enter(page, page.get_by_label("Urban angle"), "Het dichtst bebouwde district, weinig groen.")
    enter(page, page.get_by_label("Additionality"), "Geen steun uit reguliere EFRO-oproepen.")
    for label, value in (
        ("Lead partner (the promoter): name", "Stad Antwerpen, Stadsontwikkeling"),
        ("Partner 1: legal form", "gemeente"),
        ("Partner 1: enterprise number", "0207.500.123"),
        ("Partner 1: share of the budget (%)", "80"),
        ("Partner 2: name", "Buurtwerk Borgerhout vzw"),
        ("Partner 2: legal form", "vzw"),
        ("Partner 2: enterprise number", "0412.345.614"),
        ("Partner 2: share of the budget (%)", "20"),
    ):
        enter(page, page.get_by_label(label), value)
    accessible(page)
    save_step(page)

    expect(page.get_by_label("Theme")).to_have_value("klimaatadaptatie")
    enter(page, page.get_by_label("Borgerhout"), "borgerhout")
    enter(page, page.get_by_label("Start:", exact=True), "2027-03-01")
    enter(page, page.get_by_label("End:", exact=True), "2028-12-31")
    save_step(page)

    for label, value in (
        ("Line 1: cost category", "works"),
        ("Line 1: amount (EUR)", "100000"),
        ("Line 2: cost category", "staff"),
        ("Line 2: what it pays for", "Projectleiding"),
        ("Line 2: cost option", "unit_cost"),
        ("Line 2: number of units", "1000"),
        ("Line 2: rate per unit (EUR)", "50"),
    ):
        enter(page, page.get_by_label(label), value)
    expect(page.locator("#step-fields")).to_contain_text("computed: € 50000.00")
    enter(page, page.get_by_label("ERDF rate (%)"), "40")
    enter(page, page.get_by_label("ERDF requested (EUR)"), "60000")
    enter(page, page.get_by_label("Co-financing by city (EUR)"), "90000")
    expect(page.locator("#step-fields .errorlist")).to_have_count(0)
    accessible(page)
    save_step(page)

    enter(page, page.get_by_label("RCO26 target (hectares)"), "0.5")
    save_step(page)
    for code in ("A-1", "A-2", "A-3", "A-4", "A-5"):
        enter(page, page.locator(f"[name=principle_{code}]"), f"Zo beantwoordt het aan {code}.")
    save_step(page)
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Submit the proposal").click()
    expect(page.locator(".state").first).to_have_text("submitted")
    proposal = Proposal.objects.get(reference=reference)
    assert proposal.partners.count() == 2
    assert [(b.cost_option, str(b.amount)) for b in proposal.budget_lines.all()] == [
        ("real", "100000.00"),
        ("unit_cost", "50000.00"),
    ]


def test_admissibility_and_two_experts_then_a_proposal_below_the_minimum(site, page):
    call = efro_call()
    reference = efro_submitted(call, title="Klimaatplein").reference
    for name in ("expert", "expert_2"):
        person(name)

    # 3. The managing authority checks admissibility: every item met.
    log_in(page, "managing_authority")
    page.goto(f"/en/proposals/{reference}/")
    page.get_by_role("button", name="Start the admissibility check").click()
    page.get_by_role("link", name="Admissibility check", exact=True).click()
    expect(page.locator(".findings-ok")).to_be_visible()
    expect(page.locator("fieldset[id^=check-]")).to_have_count(5)  # the procedure's items
    for item in page.locator("fieldset[id^=check-]").all():
        item.get_by_label("met", exact=True).check()
    accessible(page)
    page.get_by_role("button", name="Record the check and decide on admissibility").click()
    expect(page.locator(".state").first).to_have_text("admissible")
    proposal = Proposal.objects.get(reference=reference)
    assert [c.result for c in proposal.screening_checks.all()] == ["pass"] * 5

    # 4. Two experts of the programme, assigned by the managing authority, declare and score.
    page.goto(f"/en/proposals/{reference}/assessment/")
    page.get_by_label("expert", exact=True).check()
    page.get_by_label("expert_2", exact=True).check()
    accessible(page)
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".state").first).to_have_text("in assessment")
    for name in ("expert", "expert_2"):
        log_in(page, name)
        page.goto(f"/en/proposals/{reference}/assessment/")
        page.get_by_role("button", name="I declare I have no conflict of interest").click()
        for field in page.get_by_label("Score for", exact=False).all():
            field.fill(str(int(field.get_attribute("max")) * 8 // 10))
        for field in page.get_by_label("Justification for", exact=False).all():
            field.fill("Sterk wijkgericht project.")
        accessible(page)
        page.get_by_role("button", name="Save my scores").click()
        expect(page.get_by_role("status")).to_contain_text("Scores saved")
    expect(page.locator(".state").first).to_have_text("assessed")
    expect(page.locator(".score")).to_have_text("80.00")

    # A proposal scored below 30 of 50 on the strategic block is flagged.
    weak = efro_assessed(call, title="Groene gevels", score=5)
    log_in(page, "managing_authority")
    page.goto(f"/en/proposals/{weak.reference}/assessment/")
    expect(page.get_by_text("below the minimum scores")).to_be_visible()
    accessible(page)
    assert Proposal.objects.get(reference=reference).state == "assessed"


def test_validation_decision_by_two_accounts_and_the_decision_document(site, page):
    call = efro_call()
    envelopes("1000000", "1000000", city="antwerpen")
    plein = efro_assessed(call, title="Klimaatplein")  # 250k, 100k ERDF, 150k by the city
    school = efro_assessed(call, title="Groene speelplaatsen")
    hall = efro_assessed(call, title="Buurtsporthal")
    weak = efro_assessed(call, title="Groene gevels", score=5)  # 25 of 50 strategic
    for name in ("secretariat_antwerpen", "steering_antwerpen", "steering_antwerpen_2",
                 "steering_antwerpen_3", "managing_authority_2"):  # fmt: skip
        person(name)
    a, b, c = plein.reference, school.reference, hall.reference
    all_for = {a: "for", b: "for", c: "for"}

    # 5. The Antwerp steering committee validates; the weak proposal is not in the round.
    log_in(page, "secretariat_antwerpen")
    page.goto(f"/en/calls/{call.reference}/scenarios/")
    page.get_by_label("Date of the validation by the steering committee of Antwerp").fill(
        "2026-12-01"
    )
    page.get_by_role("button", name="Prepare the steering committee's validation (Antwerp)").click()
    for ref in (a, b, c):
        expect(page.locator(f'tr[data-ref="{ref}"] .decision')).to_contain_text("fits the strategy")
    expect(page.locator(f'tr[data-ref="{weak.reference}"]')).to_have_count(0)
    accessible(page)
    validation_url = page.url

    log_in(page, "steering_antwerpen")
    sign(page, validation_url, all_for)
    log_in(page, "steering_antwerpen_2")
    sign(page, validation_url, {**all_for, a: "conflict"}, note={a: "Bestuurder van de promotor"})
    expect(page.locator(f'tr[data-ref="{a}"] .votes')).to_contain_text("Bestuurder van de promotor")
    log_in(page, "steering_antwerpen_3")
    sign(page, validation_url, all_for)
    expect(page.locator(f'tr[data-ref="{a}"] .tally')).to_contain_text(
        "2 for, 0 against, 1 abstained (conflict)"
    )
    accessible(page)
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is confirmed.")
    assert {p.state for p in Proposal.objects.filter(pk__in=[plein.pk, school.pk, hall.pk])} == {
        "validated"
    }

    # 6. The managing authority prepares the decision; the weak proposal is no candidate.
    log_in(page, "managing_authority")
    page.goto(f"/en/calls/{call.reference}/scenarios/")
    page.get_by_label("Date of the decision").fill("2026-12-10")
    page.get_by_role("button", name="Prepare the decision").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision")
    expect(page.locator(f'form.decision-form[data-ref="{a}"]')).to_be_visible()
    expect(page.locator(f'form.decision-form[data-ref="{weak.reference}"]')).to_have_count(0)
    accessible(page)

    # A lower amount without a revised financing plan is refused; with one it is saved.
    form = page.locator(f'form.decision-form[data-ref="{a}"]')
    form.get_by_label("Outcome").select_option("approved")
    form.get_by_label("ERDF amount").fill("80000")
    form.get_by_role("button", name=f"Save the decision on {a}").click()
    expect(page.get_by_text("revise the financing plan")).to_be_visible()
    form = page.locator(f'form.decision-form[data-ref="{a}"]')
    form.get_by_label("Outcome").select_option("approved")
    form.get_by_label("ERDF amount").fill("80000")
    expect(form.get_by_label("City")).to_have_value("150000.00")
    form.get_by_label("Partners").fill("20000")
    form.get_by_role("button", name=f"Save the decision on {a}").click()
    expect(page.get_by_role("status")).to_contain_text("Decision saved")
    expect(page.locator(f'tr[data-ref="{a}"] .decision')).to_contain_text(
        "EUR 80,000.00 (of EUR 100,000.00 requested)"
    )
    form = page.locator(f'form.decision-form[data-ref="{b}"]')
    form.get_by_label("Outcome").select_option("rejected")
    form.get_by_label("Reasons").fill("Onvoldoende budget in de oproep voor dit thema.")
    form.get_by_role("button", name=f"Save the decision on {b}").click()
    expect(page.get_by_role("status")).to_contain_text("Decision saved")
    form = page.locator(f'form.decision-form[data-ref="{c}"]')
    form.get_by_label("Outcome").select_option("reserve")
    form.get_by_label("Reserve rank").fill("1")
    form.get_by_role("button", name=f"Save the decision on {c}").click()
    expect(page.get_by_role("status")).to_contain_text("Decision saved")
    expect(page.locator(f'tr[data-ref="{b}"] .decision')).to_contain_text("Onvoldoende budget")
    expect(page.locator(f'tr[data-ref="{c}"] .decision')).to_contain_text("#1")
    accessible(page)

    # One signature cannot confirm; a second managing-authority account signs and confirms.
    decision_url = page.url
    sign(page, decision_url, all_for)
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("the quorum is 2")
    assert Meeting.objects.get(purpose="decision").state == "draft"
    log_in(page, "managing_authority_2")
    sign(page, decision_url, all_for)
    page.get_by_role("button", name="Confirm the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is confirmed.")
    expect(page.locator(f'tr[data-ref="{a}"] .revised-plan')).to_contain_text("partners")
    accessible(page)
    states = {p.reference: p.state for p in Proposal.objects.filter(call=call)}
    assert states == {a: "approved", b: "rejected", c: "reserve", weak.reference: "assessed"}

    # 7. The decision document shows the amount granted and the revised financing plan.
    page.get_by_role("link", name=f"Decision document {a}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision on support")
    expect(page.get_by_role("row", name="ERDF granted")).to_contain_text("EUR 80,000.00")
    expect(page.get_by_role("row", name="ERDF requested")).to_contain_text("EUR 100,000.00")
    expect(page.get_by_role("heading", name="revised for the lower amount")).to_be_visible()
    plan = page.locator("table.figures").nth(1)
    expect(plan.get_by_role("row", name="ERDF")).to_contain_text("EUR 80,000.00")
    expect(plan.locator("tbody")).to_contain_text("EUR 150,000.00")
    expect(plan.locator("tbody")).to_contain_text("EUR 20,000.00")
    expect(plan.locator("tfoot")).to_contain_text("EUR 250,000.00")
    accessible(page)
    pdf = page.request.get(page.get_by_role("link", name="Download as PDF").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
