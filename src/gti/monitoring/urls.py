from django.urls import path

from gti.monitoring import views, views_claims, views_dashboard

app_name = "monitoring"
urlpatterns = [
    path("dashboard/", views_dashboard.programme_dashboard, name="dashboard"),
    path("grants/<str:reference>/reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/evidence/<str:code>/", views.evidence, name="evidence"),
    path("grants/<str:reference>/claims/", views_claims.grant_claims, name="grant_claims"),
    path("claims/<int:pk>/", views_claims.claim, name="claim"),
    path("payment-applications/", views_claims.payment_applications, name="payment_applications"),
]
