"""The annual implementation report as a page and as PDF (`annual.annual_report`).

Role: `annual_report.view` (the secretariat and steering committee of a city for their city, the
managing authority and auditors for all). The year and city come from the query string through
`AnnualReportQuery`: a bad one is shown as a form error naming the field, never a server error.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gti.accounts import permissions
from gti.monitoring import annual


class AnnualReportQuery(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=annual.FIRST_YEAR, max_value=annual.LAST_YEAR
    )
    city = forms.ChoiceField(label=_("City"), required=False)

    def __init__(self, data, cities):
        super().__init__(data)
        self.fields["city"].choices = [("", _("all cities")), *((c.code, c.name) for c in cities)]


def _report(request):
    """The form and, when it is valid, the report it asks for."""
    permissions.require(request.user, "annual_report.view")
    query = request.GET.copy()
    if not query.get("year"):
        query["year"] = str(timezone.localdate().year - 1)  # the last year ended
    form = AnnualReportQuery(query, annual.cities_for(request.user))
    report = None
    if form.is_valid():
        try:
            report = annual.annual_report(
                request.user, form.cleaned_data["year"], form.cleaned_data["city"] or None
            )
        except annual.BadChoice as exc:
            form.add_error(exc.field, str(exc))
    return form, report


@login_required
def annual_report(request):
    form, report = _report(request)
    return render(request, "monitoring/annual_report.html", {
        "layout": "base.html", "form": form, "report": report,
        "query": form.data.urlencode() if report else "",
    })  # fmt: skip


@login_required
def annual_report_pdf(request):
    form, report = _report(request)
    if report is None:
        return annual_report(request)
    return HttpResponse(annual.pdf(report), content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{annual.filename(report)}.pdf"'})  # fmt: skip
