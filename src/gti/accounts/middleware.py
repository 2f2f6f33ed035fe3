import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from gti.accounts.audit import request_id


class RequestIdMiddleware:
    """Give each request an id, so the audit events of one action can be grouped."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_id.set(uuid.uuid4().hex)
        try:
            return self.get_response(request)
        finally:
            request_id.reset(token)


class SecondFactorMiddleware:
    """After the password, a person in a role that decides on money reaches nothing but the
    second-factor pages (and logging out) until they have given a code."""

    OPEN = {"accounts:second_factor_setup", "accounts:second_factor", "accounts:logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from gti.accounts import security

        user = request.user
        if (
            not request.path.startswith(("/api/", settings.STATIC_URL))
            and security.required(user)
            and not user.is_verified()
            and _view_name(request.path_info) not in self.OPEN
        ):
            target = "second_factor" if security.confirmed_device(user) else "second_factor_setup"
            url = reverse(f"accounts:{target}")
            return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _view_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""
