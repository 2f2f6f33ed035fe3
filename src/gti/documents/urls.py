from django.urls import path

from gti.documents import views

app_name = "documents"
urlpatterns = [
    path("documents/<int:pk>/", views.download, name="download"),
    path("documents/<int:pk>/replace/", views.replace, name="replace"),
    path("documents/<int:pk>/remove/", views.remove, name="remove"),
    path("calls/<str:reference>/annexes/", views.annex_kinds, name="annex_kinds"),
    path(
        "documents/<slug:field>/<str:key>/",
        views.upload,
        name="upload",
    ),
]
