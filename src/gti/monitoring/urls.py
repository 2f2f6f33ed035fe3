from django.urls import path

from gti.monitoring import views

app_name = "monitoring"
urlpatterns = [
    # grants
    path("grants/", views.grants, name="grants"),
    path("grants/<str:reference>/", views.grant, name="grant"),
    path("grants/<str:reference>/open/", views.grant_open, name="grant_open"),
    path("grants/<str:reference>/amend/", views.grant_amend, name="grant_amend"),
    path(
        "grants/<str:reference>/versions/<int:number>/approve/",
        views.grant_approve,
        name="grant_approve",
    ),
]
