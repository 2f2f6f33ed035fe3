from django.urls import path

from gti.portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("portfolio/<slug:city>/", views.envelopes, name="envelopes"),
    path("calls/<str:reference>/scenarios/", views.scenarios, name="scenarios"),
    path("calls/<str:reference>/scenarios/compare/", views.compare, name="compare"),
    path("calls/<str:reference>/rounds/new/", views.round_new, name="round_new"),
    path("scenarios/<int:pk>/", views.scenario, name="scenario"),
    path("rounds/<int:pk>/", views.round_, name="round"),
]
