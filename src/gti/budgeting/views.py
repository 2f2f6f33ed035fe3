"""Pages of participatory budgets. Thin: the rules and role checks are `services.py`'s; a round
of another city answers 404 to its secretariat's pages. Residents need no account: a code letter
or an e-mail link identifies them for one session, and their ballot's token lives in a signed
cookie of its own, never in the session that knows who they are."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gti.accounts import permissions
from gti.budgeting import forms, services
from gti.budgeting.models import Ballot, BudgetRound, Voter
from gti.errors import Invalid, Refused
from gti.strategy.models import Area, City

COOKIE_AGE = 120 * 24 * 3600  # the vote and the results after it


def _round(pk) -> BudgetRound:
    return get_object_or_404(BudgetRound.objects.select_related("city", "area"), pk=pk)


def _cookie(pk) -> str:
    return f"gti_ballot_{pk}"


def _token(request, pk) -> str:
    return request.get_signed_cookie(_cookie(pk), default="", salt="gti.budgeting.ballot")


def _voter(request, round_) -> Voter | None:
    pk = request.session.get(f"budgeting_voter_{round_.pk}")
    return Voter.objects.filter(pk=pk, round=round_).first() if pk else None


def _add_errors(form, exc: Invalid):
    for field, msgs in exc.errors.items():
        for m in msgs:
            form.add_error(field if field in form.fields else None, f"{field}: {m}"
                           if field not in form.fields else m)  # fmt: skip


def _areas(round_):
    return round_.city.strategies.current().get().areas.all()


def rounds(request):
    rows = BudgetRound.objects.select_related("city", "area")
    may_create = permissions.can(request.user, "budgeting.manage")
    return render(request, "budgeting/rounds.html", {"rounds": rows, "may_create": may_create})


@login_required
def round_new(request):
    permissions.require(request.user, "budgeting.manage")
    asked = City.objects.filter(code=request.POST.get("city", "")).first()
    if asked is not None:  # another city's round is refused, not offered
        permissions.require(request.user, "budgeting.manage", city=asked)
    allowed = permissions.cities(request.user, "secretariat")
    cities = City.objects.all() if allowed is None else City.objects.filter(pk__in=allowed)
    areas = Area.objects.filter(strategy__is_current=True, strategy__city__in=cities
                                ).select_related("strategy__city")  # fmt: skip
    form = forms.RoundForm(request.POST or None, cities=cities, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        city = cities.get(code=data.pop("city"))
        area_key = data.pop("area")
        area = next((a for a in areas if f"{a.strategy.city.code}/{a.code}" == area_key), None)
        try:
            round_ = services.create_round(by=request.user, city=city, area=area, **data)
        except Invalid as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Round created: residents can send ideas."))
            return redirect("budgeting:round", pk=round_.pk)
    return render(request, "budgeting/round_new.html", {"form": form})


def round_page(request, pk):
    round_ = _round(pk)
    strategy = round_.city.strategies.current().get()
    form = forms.IdeaForm(themes=strategy.themes.all(), areas=strategy.areas.all())
    return render(request, "budgeting/round.html", {
        "round": round_, "ideas": round_.ideas.select_related("area", "theme"), "form": form,
        "may_manage": permissions.can(request.user, "budgeting.manage", round_),
    })  # fmt: skip


def idea_new(request, pk):
    round_ = _round(pk)
    strategy = round_.city.strategies.current().get()
    form = forms.IdeaForm(request.POST or None, themes=strategy.themes.all(),
                          areas=strategy.areas.all())  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.propose_idea(
                round_, title=data["title"], description=data["description"],
                estimated_cost=data["estimated_cost"],
                area=strategy.areas.filter(code=data["area"]).first() if data["area"] else None,
                theme=strategy.themes.filter(code=data["theme"]).first() if data["theme"] else None,
            )  # fmt: skip
        except Invalid as exc:
            _add_errors(form, exc)
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("budgeting:round", pk=pk)
        else:
            messages.success(
                request, _("Thank you: your idea goes to the city's feasibility review.")
            )
            return redirect("budgeting:round", pk=pk)
    return render(request, "budgeting/idea_new.html", {"round": round_, "form": form})


@login_required
def manage(request, pk):
    round_ = _round(pk)
    permissions.require_in_view(request.user, "budgeting.manage", round_)
    user, errors = request.user, {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "advance":
                services.advance(round_, by=user, reason=request.POST.get("reason", ""))
                messages.success(request, _("The round moved to its next phase."))
            elif action == "review":
                form = forms.ReviewForm(request.POST)
                if not form.is_valid():
                    raise Invalid({k: list(v) for k, v in form.errors.items()})
                data = form.cleaned_data
                idea = get_object_or_404(round_.ideas, pk=data["idea"])
                services.review_idea(
                    idea,
                    by=user,
                    feasible=data["feasible"] == "yes",
                    final_cost=data["final_cost"],
                    reason=data["reason"],
                )
                messages.success(request, _("Review saved."))
            elif action == "codes":
                form = forms.CodesForm(request.POST)
                if not form.is_valid():
                    raise Invalid({k: list(v) for k, v in form.errors.items()})
                codes = services.generate_codes(round_, form.cleaned_data["count"], by=user)
                out = io.StringIO()
                csv.writer(out).writerows([["code"], *([c] for c in codes)])
                response = HttpResponse(out.getvalue(), content_type="text/csv")
                response["Content-Disposition"] = f'attachment; filename="codes-{pk}.csv"'
                return response  # the only time the codes exist in plain
            elif action == "voters":
                form = forms.VoterListForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise Invalid({k: list(v) for k, v in form.errors.items()})
                text = form.cleaned_data["file"].read().decode("utf-8", errors="replace")
                n = services.import_voter_list(round_, text, by=user)
                messages.success(request, _("%(n)d voters added to the list.") % {"n": n})
            elif action == "import_pb":
                form = forms.PbForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise Invalid({k: list(v) for k, v in form.errors.items()})
                text = form.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
                services.import_pb(round_, text, by=user)
                messages.success(request, _("Election imported: the results are shown."))
            else:
                raise Invalid.one("action", _("not an action of this page"))
        except Invalid as exc:
            errors = exc.errors
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("budgeting:manage", pk=pk)
        else:
            return redirect("budgeting:manage", pk=pk)
    round_.refresh_from_db()
    return render(request, "budgeting/manage.html", {
        "round": round_, "ideas": round_.ideas.select_related("area", "theme"), "errors": errors,
        "voters": round_.voters.count(), "voted": round_.voters.filter(has_voted=True).count(),
        "ballots": round_.ballots.filter(confirmed=True).count(),
    }, status=422 if errors else 200)  # fmt: skip


def vote(request, pk):
    round_ = _round(pk)
    # two forms on one page: their own ids, the same field names
    code_form = forms.CodeForm(request.POST if request.POST.get("how") == "code" else None,
                               auto_id="code_%s")  # fmt: skip
    email_form = forms.EmailForm(request.POST if request.POST.get("how") == "email" else None,
                                 auto_id="email_%s")  # fmt: skip
    if round_.phase != BudgetRound.Phase.VOTING:
        messages.error(request, _("Voting is not open."))
        return redirect("budgeting:round", pk=pk)
    if request.method == "POST":
        try:
            if code_form.is_bound and code_form.is_valid():
                voter = services.identify(round_, kind="code", identity=code_form.cleaned_data[
                    "code"], birth_year=code_form.cleaned_data["birth_year"])  # fmt: skip
                request.session[f"budgeting_voter_{pk}"] = voter.pk
                return redirect("budgeting:ballot", pk=pk)
            if email_form.is_bound and email_form.is_valid():
                data = email_form.cleaned_data
                token = services.email_link_token(round_, data["email"], data["birth_year"])
                link = request.build_absolute_uri(reverse("budgeting:verify", args=[pk, token]))
                send_mail(_("Your link to vote: %(round)s") % {"round": round_.name},
                          _("Open this link to vote (valid for two days):\n%(link)s\n") % {
                              "link": link}, None, [data["email"]])  # fmt: skip
                messages.success(request, _("We sent you a link to vote: check your mailbox."))
                return redirect("budgeting:vote", pk=pk)
        except Invalid as exc:
            _add_errors(code_form if code_form.is_bound else email_form, exc)
        except Refused as exc:
            messages.error(request, str(exc))
    return render(request, "budgeting/vote.html", {
        "round": round_, "code_form": code_form, "email_form": email_form})  # fmt: skip


def verify(request, pk, token):
    round_ = _round(pk)
    try:
        hashed, year = services.read_email_token(round_, token)
        voter = services.identify(round_, kind="email", identity=hashed, birth_year=year)
    except (Invalid, Refused) as exc:
        messages.error(request, str(exc))
        return redirect("budgeting:round", pk=pk)
    request.session[f"budgeting_voter_{pk}"] = voter.pk
    return redirect("budgeting:ballot", pk=pk)


def ballot(request, pk):
    round_ = _round(pk)
    voter = _voter(request, round_)
    if voter is None or round_.phase != BudgetRound.Phase.VOTING:
        return redirect("budgeting:vote" if round_.phase == "voting" else "budgeting:round", pk=pk)
    token = _token(request, pk)
    current = services.ballot_of(round_, token)
    chosen = dict(current.choices) if current else {}
    errors = {}
    if request.method == "POST":
        chosen = forms.choices_from(request.POST, round_)
        try:
            _ballot, token = services.cast_ballot(round_, voter, chosen, token=token)
        except Invalid as exc:
            errors = exc.errors
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            response = redirect("budgeting:ballot_done", pk=pk)
            response.set_signed_cookie(
                _cookie(pk), token, salt="gti.budgeting.ballot", max_age=COOKIE_AGE,
                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
            messages.success(
                request, _("Your ballot is saved. You may change it until the vote closes.")
            )
            return response
    ideas = list(services.on_ballot(round_).select_related("area", "theme"))
    for idea in ideas:
        typed = str(chosen.get(str(idea.pk), "0")).strip()  # as typed, shown back when refused
        idea.points = int(typed) if typed.isdigit() else 0
    used_money = sum((i.final_cost for i in ideas if i.points), start=Decimal(0))
    used_points = sum(i.points for i in ideas)
    return render(request, "budgeting/ballot.html", {
        "round": round_, "ideas": ideas, "errors": errors, "changing": current is not None,
        "money_left": round_.budget - used_money, "points_left": (round_.points_per_voter or 0)
        - used_points, "chosen_count": sum(1 for i in ideas if i.points),
    }, status=422 if errors else 200)  # fmt: skip


def ballot_done(request, pk):
    round_ = _round(pk)
    token = _token(request, pk)
    return render(request, "budgeting/ballot_done.html", {
        "round": round_, "token": token, "ballot": services.ballot_of(round_, token)})  # fmt: skip


@login_required
def paper(request, pk):
    round_ = _round(pk)
    permissions.require_in_view(request.user, "budgeting.paper_enter", round_)
    errors = {}
    form = forms.PaperForm(request.POST if request.POST.get("action") == "enter" else None)
    if request.method == "POST":
        action, user = request.POST.get("action", ""), request.user
        try:
            if action == "enter":
                if not form.is_valid():
                    raise Invalid({k: list(v) for k, v in form.errors.items()})
                services.enter_paper_ballot(
                    round_,
                    by=user,
                    code=form.cleaned_data["code"],
                    birth_year=form.cleaned_data["birth_year"],
                    choices=forms.choices_from(request.POST, round_),
                )
                messages.success(request, _("Paper ballot entered: a second official confirms it."))
            elif action == "confirm":
                entered = round_.ballots.filter(source=Ballot.Source.PAPER, confirmed=False)
                target = entered.filter(pk=request.POST.get("ballot", "")).first() if _uuid(
                    request.POST.get("ballot", "")) else None  # fmt: skip
                if target is None:
                    raise Invalid.one("ballot", _("choose a paper ballot waiting for confirmation"))
                permissions.require(user, "budgeting.paper_confirm", round_)
                services.confirm_paper_ballot(
                    target, by=user, choices=forms.choices_from(request.POST, round_)
                )
                messages.success(request, _("Paper ballot confirmed: it counts."))
            else:
                raise Invalid.one("action", _("not an action of this page"))
        except Invalid as exc:
            errors = exc.errors
        except Refused as exc:
            messages.error(request, str(exc))
            return redirect("budgeting:paper", pk=pk)
        else:
            return redirect("budgeting:paper", pk=pk)
    waiting = round_.ballots.filter(source=Ballot.Source.PAPER, confirmed=False).select_related(
        "entered_by")  # fmt: skip
    return render(request, "budgeting/paper.html", {
        "round": round_, "form": form, "errors": errors, "waiting": waiting,
        "ideas": services.on_ballot(round_),
    }, status=422 if errors else 200)  # fmt: skip


def _uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def results(request, pk):
    round_ = _round(pk)
    try:
        data = services.results(round_)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("budgeting:round", pk=pk)
    return render(request, "budgeting/results.html", {"round": round_, **data})


def my_results(request, pk):
    round_ = _round(pk)
    if round_.phase != BudgetRound.Phase.RESULTS:
        return redirect("budgeting:round", pk=pk)
    form = forms.TokenForm(request.POST or None)
    token = form.cleaned_data["token"].strip() if form.is_valid() else _token(request, pk)
    mine = services.my_spending(round_, token)
    if form.is_bound and mine is None:
        form.add_error("token", _("No ballot of this round has this code."))
    return render(request, "budgeting/my_results.html", {"round": round_, "form": form,
                                                         "mine": mine})  # fmt: skip


def export_pb(request, pk):
    """The round in pabulib's format: projects and anonymous ballots, once the vote is closed."""
    round_ = _round(pk)
    if round_.phase != BudgetRound.Phase.RESULTS:
        messages.error(request, _("The results are published once the vote is closed."))
        return redirect("budgeting:round", pk=pk)
    response = HttpResponse(services.export_pb(round_), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{round_.city.code}-{pk}.pb"'
    return response
