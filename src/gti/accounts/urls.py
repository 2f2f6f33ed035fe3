from django.contrib.auth import views as auth_views
from django.urls import path

from gti.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.second_factor, name="second_factor"),
    path("login/code/setup/", views.second_factor_setup, name="second_factor_setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_change_done",
    ),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/roles/<int:grant>/revoke/", views.revoke, name="revoke"),
    path("users/<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("users/<int:pk>/invite/", views.invite, name="invite"),
    path(
        "users/requests/<int:pk>/<str:decision>/",
        views.decide,
        name="decide",
    ),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path(
        "invitation/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/invitation_done.html"),
        name="invitation_done",
    ),
    path("my-data/", views.my_data, name="my_data"),
    path("audit/", views.audit_trail, name="audit"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
