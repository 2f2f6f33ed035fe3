"""Claim pages: a grant's claims, one claim (declared by the beneficiary; sampled, verified and
paid by the managing authority), and the payment applications to the Commission.

Roles from `permissions`: the proposal's applicant declares and submits; the managing authority
verifies, and a second person of it records the payment; whoever may see the grant reads. A
claim outside the person's view answers 404. Refused input is shown beside its field, with what
was typed kept.
"""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gti.accounts import permissions
from gti.documents.views import section
from gti.errors import Invalid, Refused
from gti.monitoring import claims, lookups, money
from gti.monitoring.models import Claim, ClaimLine, Grant, PaymentApplication
from gti.proposals.models import BudgetLine, percent
from gti.strategy.models import City, Priority

EMPTY_ROWS = 3  # room for new lines under the ones declared
MAX_ROWS = 500
NUMBERS = {"amount", "units", "unit_rate", "flat_rate"}
LINE_FIELDS = ("category", "partner", "invoice", "date", "description", "cost_option", "amount",
               "units", "unit_rate", "delivered", "flat_rate", "flat_rate_base")  # fmt: skip


def _number(text: str) -> str:
    """A number as typed (spaces, a decimal comma) as the schemas read it."""
    return text.replace(" ", "").replace("\u202f", "").replace(",", ".").strip()


def _grant(request, reference) -> Grant:
    return lookups.grant_for(request.user, reference)


def _claim(request, pk) -> Claim:
    related = ("grant__proposal__city", "version", "submitted_by", "verified_by")
    return lookups.claim_for(request.user, pk, Claim.objects.select_related(*related))


def _plan_change(request, grant: Grant, planned) -> dict[str, list[str]] | None:
    """Add the planned claim typed, or remove one, through `claims.save_plan`: the refusals
    by field (`expected_on`, `amount`), or None when saved."""
    rows = [{"expected_on": p.expected_on, "amount": p.amount} for p in planned]
    if "remove" in request.POST:
        keep = request.POST["remove"]
        rows = [r for p, r in zip(planned, rows, strict=True) if str(p.pk) != keep]
    else:
        rows.append({"expected_on": request.POST.get("expected_on", "").strip(),
                     "amount": _number(request.POST.get("amount", ""))})  # fmt: skip
    try:
        claims.save_plan(grant, by=request.user, planned=rows)
    except Invalid as exc:
        mine = f"planned[{len(rows) - 1}]."
        return {k.removeprefix(mine): v for k, v in exc.errors.items()}
    return None


@login_required
def grant_claims(request, reference):
    """The claims of a grant, with a button for the beneficiary to start the next one, and the
    plan of coming claims the beneficiary keeps (what the N+3 forecast counts on)."""
    grant = _grant(request, reference)
    planned = list(grant.planned_claims.all())
    plan_errors, typed = None, {}
    if request.method == "POST" and request.POST.get("action") == "plan":
        try:
            plan_errors = _plan_change(request, grant, planned)
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:grant_claims", reference=reference)
        if plan_errors is None:
            messages.success(request, _("The plan of coming claims is saved."))
            return redirect("monitoring:grant_claims", reference=reference)
        typed = {k: request.POST.get(k, "") for k in ("expected_on", "amount")}
    elif request.method == "POST":
        try:
            claim = claims.start_claim(grant, by=request.user)
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:grant_claims", reference=reference)
        return redirect("monitoring:claim", pk=claim.pk)
    rows = (
        Claim.objects.visible_to(request.user).filter(grant=grant)
        .select_related("payment").order_by("number")
    )  # fmt: skip
    can_edit = permissions.can(request.user, "claim.edit", grant)
    return render(request, "monitoring/grant_claims.html", {
        "grant": grant, "claims": rows, "city": grant.proposal.city,
        "can_start": can_edit, "planned": planned, "can_plan": can_edit,
        "plan_errors": plan_errors or {}, "typed": typed,
    })  # fmt: skip


def _typed_lines(post) -> list[dict]:
    """The rows of the lines form as typed (empty rows dropped), to show again."""
    rows = []
    count = post.get("rows", "")
    for n in range(min(int(count), MAX_ROWS) if count.isdecimal() else 0):
        row = {f: post.get(f"line{n}_{f}", "").strip() for f in LINE_FIELDS}
        row["delivered"] = f"line{n}_delivered" in post
        if any(v for k, v in row.items() if k not in {"cost_option", "delivered"}):
            rows.append(row)
    return rows


def _as_declared(typed: list[dict]) -> list[dict]:
    """Typed rows as the claim's schema reads them: numbers without spaces or decimal commas,
    the flat rate (typed as a percentage) as a fraction; what is not a number is left for the
    schema to name."""
    out = []
    for row in typed:
        row = {k: _number(v) if k in NUMBERS else v for k, v in row.items()}
        row = {k: v for k, v in row.items() if v != "" or k not in {*NUMBERS, "cost_option"}}
        with contextlib.suppress(InvalidOperation):
            if "flat_rate" in row:
                row["flat_rate"] = str(Decimal(row["flat_rate"]) / 100)
        out.append(row)
    return out


def _line_rows(claim: Claim, typed: list[dict] | None) -> list[dict]:
    """The rows the lines form shows: what was typed, else the lines declared, and room."""
    if typed is None:
        typed = [
            {f: getattr(line, f) for f in LINE_FIELDS} | {
                "flat_rate": percent(line.flat_rate) if line.flat_rate is not None else None}
            for line in claim.lines.all()
        ]  # fmt: skip
    return [*typed, *({} for _ in range(EMPTY_ROWS))]


def _errors_by_row(errors: dict) -> tuple[dict[int, list[str]], list[str]]:
    """`lines[2].amount: [...]` as messages of row 2; the rest for the whole form."""
    rows: dict[int, list[str]] = {}
    other: list[str] = []
    for place, msgs in errors.items():
        if place.startswith("lines["):
            n = int(place[6 : place.index("]")])
            field = place[place.index("]") + 2 :] or _("line")
            rows.setdefault(n, []).extend(f"{field}: {m}" for m in msgs)
        else:
            other.extend(f"{place}: {m}" for m in msgs)
    return rows, other


@login_required
def claim(request, pk):
    claim = _claim(request, pk)
    user = request.user
    draft = claim.state == Claim.State.DRAFT
    can_edit = draft and permissions.can(user, "claim.edit", claim)
    can_verify = claim.state == Claim.State.SUBMITTED and permissions.can(
        user, "claim.verify", claim
    ) and claim.submitted_by_id != user.pk  # fmt: skip
    can_pay = (
        claim.state == Claim.State.VERIFIED
        and permissions.can(user, "claim.pay", claim)
        and claim.verified_by_id != user.pk
    )
    typed, row_errors, form_errors = None, {}, []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in {"save", "submit"}:
                typed = _typed_lines(request.POST)
                claims.save_lines(claim, by=user, lines=_as_declared(typed))
                if action == "submit":
                    claims.submit_claim(claim, by=user)
                    messages.success(request, _("The claim is submitted."))
                else:
                    messages.success(request, _("The lines are saved."))
            elif action == "sample":
                seed = _number(request.POST.get("seed", ""))
                drawn = claims.draw_sample(
                    claim, by=user, size=_int(request.POST.get("size"), "size"),
                    seed=_int(seed, "seed") if seed else None,
                )  # fmt: skip
                messages.success(request, _("Lines drawn for on-the-spot checks: %(lines)s.")
                                 % {"lines": ", ".join(map(str, drawn))})  # fmt: skip
            elif action == "verify":
                claims.verify_claim(claim, by=user, verdicts=_verdicts(request.POST, claim))
                messages.success(request, _("The claim is verified."))
            elif action == "pay":
                claims.pay_claim(claim, by=user, paid_on=_day(request.POST.get("paid_on")))
                messages.success(request, _("The payment is recorded."))
            else:
                raise Invalid.one("action", _("unknown action"))
            return redirect("monitoring:claim", pk=claim.pk)
        except Invalid as exc:
            row_errors, form_errors = _errors_by_row(exc.errors)
            if not can_edit:  # the verification form: every line's problem in the list
                form_errors += [
                    _("Line %(n)s: %(msg)s") % {"n": n + 1, "msg": m}
                    for n, msgs in sorted(row_errors.items()) for m in msgs
                ]  # fmt: skip
        except Refused as exc:
            form_errors = [str(exc)]
        claim = _claim(request, pk)
    lines = list(claim.lines.all())
    terms = claims.terms_of(claim)
    return render(request, "monitoring/claim.html", {
        "claim": claim, "grant": claim.grant, "city": claim.grant.proposal.city, "lines": lines,
        "documents": section(request.user, claim),
        "can_edit": can_edit, "can_verify": can_verify, "can_pay": can_pay,
        "rows": _line_rows(claim, typed) if can_edit else [],
        "row_errors": row_errors, "form_errors": form_errors,
        "categories": [(c, BudgetLine.Category(c).label if c in BudgetLine.Category.values
                        else c) for c in terms.budget],
        "partners": list(terms.partner_budget),
        "cost_options": BudgetLine.CostOption.choices,
        "outcomes": ClaimLine.Outcome.choices,
        "payment": getattr(claim, "payment", None),
        "today": timezone.localdate(),
    })  # fmt: skip


def _int(text, field) -> int:
    try:
        return int(_number(text or ""))
    except ValueError:
        raise Invalid.one(field, _("a whole number")) from None


def _day(text):
    try:
        return datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        raise Invalid.one("paid_on", _("give the date as YYYY-MM-DD")) from None


def _verdicts(post, claim: Claim) -> list[dict]:
    out = []
    for line in claim.lines.all():
        n = line.position
        verdict = {"line": n, "outcome": post.get(f"outcome_{n}", ""),
                   "reason": post.get(f"reason_{n}", "").strip()}  # fmt: skip
        amount = _number(post.get(f"kept_{n}", ""))
        if verdict["outcome"] == "reduce" and amount:
            verdict["amount"] = amount
        out.append(verdict)
    return out


@login_required
def payment_applications(request):
    """The payment applications to the Commission; the managing authority prepares one from the
    verified claims of a city, priority and accounting year, and a second person submits it."""
    permissions.require(request.user, "payment_application.view")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "submit":
                application = get_object_or_404(
                    PaymentApplication, pk=_int(request.POST.get("pk"), "pk")
                )
                claims.submit_payment_application(
                    application, by=request.user, submitted_on=timezone.localdate()
                )
                messages.success(request, _("The payment application is submitted."))
            else:
                city = City.objects.filter(code=request.POST.get("city")).first()
                priority = Priority.objects.filter(
                    code=request.POST.get("priority"), programme__is_current=True
                ).first()
                if city is None or priority is None:
                    raise Invalid.one("city" if city is None else "priority", _("choose one"))
                year = _int(request.POST.get("accounting_year"), "accounting_year")
                claims.prepare_payment_application(
                    by=request.user, city=city, priority=priority, accounting_year=year
                )
                messages.success(request, _("The payment application is prepared."))
        except Invalid as exc:
            for field, msgs in exc.errors.items():
                for m in msgs:
                    messages.error(request, f"{field}: {m}")
        except Refused as exc:
            messages.error(request, str(exc))
        return redirect("monitoring:payment_applications")
    applications = PaymentApplication.objects.select_related(
        "city", "priority", "prepared_by", "submitted_by"
    ).prefetch_related("claims__grant__proposal")
    year = money.accounting_year(timezone.localdate())
    return render(request, "monitoring/payment_applications.html", {
        "applications": applications,
        "can_prepare": permissions.can(request.user, "payment_application.prepare"),
        "cities": City.objects.order_by("code"),
        "priorities": Priority.objects.filter(programme__is_current=True),
        "years": range(year, 2020, -1), "year": year,
    })  # fmt: skip
