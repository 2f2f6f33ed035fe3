from django.urls import path

from gti.budgeting import views

app_name = "budgeting"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("new/", views.round_new, name="round_new"),
    path("<int:pk>/", views.round_page, name="round"),
    path("<int:pk>/ideas/", views.idea_new, name="idea_new"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/verify/<str:token>/", views.verify, name="verify"),
    path("<int:pk>/ballot/", views.ballot, name="ballot"),
    path("<int:pk>/ballot/done/", views.ballot_done, name="ballot_done"),
    path("<int:pk>/paper/", views.paper, name="paper"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/mine/", views.my_results, name="my_results"),
    path("<int:pk>/round.pb", views.export_pb, name="export_pb"),
]
