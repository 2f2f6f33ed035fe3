from django.urls import path

from gti.proposals import views, views_documents, views_preregistration

app_name = "proposals"
urlpatterns = [
    path("calls/", views.call_list, name="calls"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<str:reference>/", views.call_detail, name="call"),
    path("calls/<str:reference>/template.xlsx", views.call_template, name="call_template"),
    path("calls/<str:reference>/import/", views.call_import, name="call_import"),
    path(
        "calls/<str:reference>/preregister/",
        views_preregistration.preregister,
        name="preregister",
    ),
    path("preregistrations/", views_preregistration.preregistration_list, name="preregistrations"),
    path(
        "preregistrations/<str:reference>/",
        views_preregistration.preregistration_detail,
        name="preregistration",
    ),
    path(
        "preregistrations/<str:reference>/proposal/",
        views_preregistration.open_proposal,
        name="preregistration_proposal",
    ),
    path("calls/<str:reference>/<slug:action>/", views.call_transition, name="call_transition"),
    path("calls/<str:call>/proposals/new/", views.proposal_new, name="new"),
    path("proposals/", views.proposal_list, name="list"),
    path("proposals/<str:reference>/", views.proposal_detail, name="detail"),
    path("proposals/<str:reference>/edit/<slug:step>/", views.proposal_edit, name="edit"),
    path("proposals/<str:reference>/screening/", views.screening, name="screening"),
    path("proposals/<str:reference>/assessment/", views.assessment, name="assessment"),
    path("proposals/<str:reference>/decision/", views_documents.decision, name="decision"),
    path(
        "proposals/<str:reference>/decision.pdf", views_documents.decision_pdf, name="decision_pdf"
    ),
    path("proposals/<str:reference>/letter/", views_documents.letter, name="letter"),
    path("proposals/<str:reference>/letter.pdf", views_documents.letter_pdf, name="letter_pdf"),
    path("proposals/<str:reference>/<slug:action>/", views.proposal_action, name="action"),
]
