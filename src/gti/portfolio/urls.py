from django.urls import path

from gti.portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("portfolio/<slug:city>/", views.envelopes, name="envelopes"),
    path("calls/<str:reference>/scenarios/", views.scenarios, name="scenarios"),
    path("calls/<str:reference>/scenarios/compare/", views.compare, name="compare"),
    path("calls/<str:reference>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("scenarios/<int:pk>/", views.scenario, name="scenario"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
]
