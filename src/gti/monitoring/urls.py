from django.urls import path

from gti.monitoring import views_claims, views_dashboard

app_name = "monitoring"
urlpatterns = [
    path("dashboard/", views_dashboard.programme_dashboard, name="dashboard"),
    path("grants/<str:reference>/claims/", views_claims.grant_claims, name="grant_claims"),
    path("claims/<int:pk>/", views_claims.claim, name="claim"),
    path("payment-applications/", views_claims.payment_applications, name="payment_applications"),
]
