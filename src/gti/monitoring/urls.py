from django.urls import path

from gti.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("grants/<str:reference>/reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/evidence/<str:code>/", views.evidence, name="evidence"),
]
