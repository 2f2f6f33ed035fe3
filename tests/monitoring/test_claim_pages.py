"""Claim pages as each person uses them: the beneficiary declares (a bad line is named beside it,
what was typed stays and nothing is saved) and submits; one person of the managing authority
verifies, a second pays; payment applications are prepared and submitted by two people."""

import pytest
from django.test import Client
from django.utils import timezone

from gti.monitoring import money
from gti.monitoring.models import Claim, ClaimLine, Payment, PaymentApplication
from tests.factories import person
from tests.monitoring.test_claims import CLAIM_1, VERDICTS_1, grant, submitted  # noqa: F401
from tests.monitoring.test_grants import call  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("loaded")
TODAY = timezone.localdate()


def signed_in(name):
    client = Client()
    client.force_login(person(name))
    return client


def form_of(lines):
    data = {"rows": str(len(lines) + 1)}
    for n, line in enumerate(lines):
        for key, value in line.items():
            if key == "delivered":
                if value:
                    data[f"line{n}_delivered"] = "on"
            else:
                data[f"line{n}_{key}"] = value
    return data


def test_the_beneficiary_declares_and_submits(grant):  # noqa: F811
    beneficiary = signed_in("applicant_gent")
    ref = grant.proposal.reference
    page = beneficiary.get(f"/en/monitoring/grants/{ref}/claims/")
    assert "Start a new claim" in page.content.decode()
    started = beneficiary.post(f"/en/monitoring/grants/{ref}/claims/")
    claim = Claim.objects.get()
    assert started["Location"] == f"/en/monitoring/claims/{claim.pk}/"

    lines = [{**CLAIM_1[0], "amount": "30 000,00"}, {**CLAIM_1[1], "amount": "twaalf"}]
    page = beneficiary.post(f"/en/monitoring/claims/{claim.pk}/", {**form_of(lines),
                                                                   "action": "save"})  # fmt: skip
    text = page.content.decode()
    assert page.status_code == 200 and "Line 2: amount:" in text
    assert 'value="twaalf"' in text and 'value="F-2026-001"' in text  # kept as typed
    assert not ClaimLine.objects.exists()

    flat = {"category": "staff", "partner": CLAIM_1[0]["partner"], "date": CLAIM_1[0]["date"],
            "cost_option": "flat_rate", "flat_rate": "15", "flat_rate_base": "works"}  # fmt: skip
    response = beneficiary.post(f"/en/monitoring/claims/{claim.pk}/",
                                {**form_of([*CLAIM_1, flat]), "action": "submit"})  # fmt: skip
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == Claim.State.SUBMITTED
    # 15% of the works lines (30,000 + 12,000 + 5,000): 7,050.00
    assert claim.lines.get(position=5).declared == money.money(money.Decimal("7050"))
    assert claim.lines.get(position=5).flat_rate == money.Decimal("0.15")
    page = beneficiary.get(f"/en/monitoring/claims/{claim.pk}/").content.decode()
    assert "Save the lines" not in page and "Verify the claim" not in page


def test_verification_and_payment_by_two_people(grant):  # noqa: F811
    claim = submitted(grant)
    path = f"/en/monitoring/claims/{claim.pk}/"
    authority, second = signed_in("managing_authority"), signed_in("managing_authority_2")
    assert "Verify the claim" in authority.get(path).content.decode()
    sample = authority.post(path, {"action": "sample", "size": "2", "seed": "42"}, follow=True)
    assert "Lines drawn for on-the-spot checks" in sample.content.decode()
    assert "drawn by monetary unit sampling with seed 42" in sample.content.decode()
    dutch = authority.get(path.removeprefix("/en")).content.decode()
    assert "getrokken met steekproeftrekking per geldeenheid en startwaarde 42" in dutch
    form = {"action": "verify"}
    for v in VERDICTS_1:
        form[f"outcome_{v['line']}"] = v["outcome"]
        form[f"kept_{v['line']}"] = v.get("amount", "")
        form[f"reason_{v['line']}"] = v.get("reason", "")
    page = authority.post(path, {**form, "reason_2": ""})
    assert "a reduction or rejection needs a reason" in page.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.SUBMITTED
    assert authority.post(path, form).status_code == 302
    page = authority.get(path).content.decode()
    assert "Accepted eligible cost EUR 54,000.00; ERDF payable EUR 21,600.00." in page
    assert "Record the payment" not in page  # the verifier does not pay
    refused = authority.post(path, {"action": "pay", "paid_on": TODAY.isoformat()})
    assert "a second person records its payment" in refused.content.decode()
    assert not Payment.objects.exists()
    assert "Record the payment of" in second.get(path).content.decode()
    assert second.post(path, {"action": "pay", "paid_on": TODAY.isoformat()}).status_code == 302
    assert Payment.objects.get().amount == money.Decimal("21600.00")

    listing = "/en/monitoring/payment-applications/"
    year = money.accounting_year(TODAY)
    priority = grant.proposal.specific_objective.priority.code
    authority.post(listing, {"action": "prepare", "city": "gent", "priority": priority,
                             "accounting_year": str(year)})  # fmt: skip
    application = PaymentApplication.objects.get()
    page = authority.get(listing).content.decode()
    assert "a second person submits" in page
    refused = second.post(listing, {"action": "submit", "pk": "first"}, follow=True)
    assert "pk: a whole number" in refused.content.decode()  # named, not a server error
    second.post(listing, {"action": "submit", "pk": str(application.pk)})
    application.refresh_from_db()
    assert application.state == "submitted" and application.erdf == money.Decimal("21600.00")


def test_who_sees_the_claim_pages(grant):  # noqa: F811
    claim = submitted(grant)
    path = f"/en/monitoring/claims/{claim.pk}/"
    for name in ("applicant_gent", "secretariat_gent", "steering_gent", "auditor"):
        page = signed_in(name).get(path)
        assert page.status_code == 200 and "Verify the claim" not in page.content.decode()
    for name in ("applicant_gent_2", "applicant_antwerpen", "secretariat_antwerpen"):
        assert signed_in(name).get(path).status_code == 404
    assert Client().get(path).status_code == 302
    assert (
        signed_in("secretariat_gent").get("/en/monitoring/payment-applications/").status_code == 403
    )
    refused = signed_in("secretariat_gent").post(path, {"action": "verify", "outcome_1": "accept"})
    assert refused.status_code == 403 and Claim.objects.get(pk=claim.pk).state == "submitted"
