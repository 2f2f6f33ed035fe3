from django.urls import path

from gti.monitoring import (
    views_annual,
    views_claims,
    views_dashboard,
    views_grants,
    views_obligations,
    views_reports,
)

app_name = "monitoring"
urlpatterns = [
    path("dashboard/", views_dashboard.programme_dashboard, name="dashboard"),
    path("reports/annual/", views_annual.annual_report, name="annual_report"),
    path("reports/annual/pdf/", views_annual.annual_report_pdf, name="annual_report_pdf"),
    path("grants/", views_grants.grants, name="grants"),
    path("grants/<str:reference>/", views_grants.grant, name="grant"),
    path("grants/<str:reference>/open/", views_grants.grant_open, name="grant_open"),
    path("grants/<str:reference>/amend/", views_grants.grant_amend, name="grant_amend"),
    path(
        "grants/<str:reference>/versions/<int:number>/approve/",
        views_grants.grant_approve,
        name="grant_approve",
    ),
    path("grants/<str:reference>/reports/", views_reports.reports, name="reports"),
    path("reports/<int:pk>/", views_reports.report, name="report"),
    path("reports/<int:pk>/evidence/<str:code>/", views_reports.evidence, name="evidence"),
    path("grants/<str:reference>/claims/", views_claims.grant_claims, name="grant_claims"),
    path("claims/<int:pk>/", views_claims.claim, name="claim"),
    path(
        "grants/<str:reference>/obligations/",
        views_obligations.obligations_page,
        name="obligations",
    ),
    path(
        "grants/<str:reference>/obligations/<str:kind>/file/",
        views_obligations.communication_file,
        name="communication_file",
    ),
    path("payment-applications/", views_claims.payment_applications, name="payment_applications"),
]
