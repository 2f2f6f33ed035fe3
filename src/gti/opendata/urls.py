from django.urls import path

from gti.opendata import views_portal

app_name = "opendata"

urlpatterns = [
    path("", views_portal.portal, name="portal"),
    path("operations.<str:fmt>", views_portal.download, name="download"),
    path("catalog.jsonld", views_portal.dcat, name="catalog"),
    path("compare/", views_portal.compare, name="compare"),
    path("operations/<str:operation_id>/", views_portal.operation, name="operation"),
]
