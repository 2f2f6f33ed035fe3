from django.urls import path

from gti.strategy import views

app_name = "strategy"
urlpatterns = [
    path("", views.home, name="home"),
    path("programme/", views.programme, name="programme"),
    path("strategies/themes/", views.cross_table, name="cross-table"),
    path("strategies/<slug:city>/", views.strategy, name="strategy"),
    path("strategies/<slug:city>/approve/", views.sign_approval, name="sign-approval"),
    path("strategies/<slug:city>/areas/<slug:code>/", views.area, name="area"),
]
