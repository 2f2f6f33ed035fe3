from django.urls import path

from gti.participation import views

app_name = "participation"
urlpatterns = [
    path("calls/<str:reference>/involvement/", views.call_moments, name="call_moments"),
    path(
        "proposals/<str:reference>/involvement/",
        views.proposal_moments,
        name="proposal_moments",
    ),
    path("involvement/<int:pk>/edit/", views.edit_moment, name="edit_moment"),
    path("calls/<str:reference>/consultation/", views.manage_consultation, name="manage"),
    path("calls/<str:reference>/consultation/codes/", views.letter_codes, name="letter_codes"),
    path("consultation/comments/<int:pk>/hide/", views.hide_comment, name="hide"),
    path("consultations/<str:reference>/", views.consultation, name="consultation"),
    path("consultations/<str:reference>/e-mail/", views.send_link, name="send_link"),
    path("consultations/<str:reference>/verify/<str:token>/", views.verify, name="verify"),
    path("consultations/<str:reference>/code/", views.redeem_code, name="redeem_code"),
    path(
        "consultations/<str:reference>/<str:proposal>/support/",
        views.support,
        name="support",
    ),
    path(
        "consultations/<str:reference>/<str:proposal>/comment/",
        views.comment,
        name="comment",
    ),
]
