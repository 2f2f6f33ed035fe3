from django.urls import path

from gti.proposals import views

app_name = "proposals"
urlpatterns = [
    path("calls/", views.call_list, name="calls"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<str:reference>/", views.call_detail, name="call"),
    path("calls/<str:reference>/template.xlsx", views.call_template, name="call_template"),
    path("calls/<str:reference>/import/", views.call_import, name="call_import"),
    path("calls/<str:reference>/<slug:action>/", views.call_transition, name="call_transition"),
    path("calls/<str:call>/proposals/new/", views.proposal_new, name="new"),
    path("proposals/", views.proposal_list, name="list"),
    path("proposals/<str:reference>/", views.proposal_detail, name="detail"),
    path("proposals/<str:reference>/edit/<slug:step>/", views.proposal_edit, name="edit"),
    path("proposals/<str:reference>/screening/", views.screening, name="screening"),
    path("proposals/<str:reference>/assessment/", views.assessment, name="assessment"),
    path("proposals/<str:reference>/<slug:action>/", views.proposal_action, name="action"),
]
