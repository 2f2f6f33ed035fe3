from django.urls import path

from gti.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("my-work/", views.my_work, name="my_work"),
    path("my-work/calendar/renew/", views.renew_feed, name="renew_feed"),
]
