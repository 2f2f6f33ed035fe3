from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ApiLanguageMiddleware:
    """The API answers in the language of the Accept-Language header (Dutch by default).

    Pages take their language from the address (/en/…); an API client has no such address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


NUL = ("\x00", b"\x00", b"\\u0000")


class RefuseNulMiddleware:
    """A NUL character fits no field (PostgreSQL refuses it in text): a request holding one in
    its query, its form fields or its JSON body is refused before it reaches a view, the API
    with its one error shape (422), a page with 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._holds_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The request holds a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"errors": {"(request)": [message]}}, status=422)
            return HttpResponseBadRequest(message)
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request) -> bool:
        if any(NUL[0] in v for v in request.GET.values()):
            return True
        if request.content_type == "application/json":
            return NUL[1] in request.body or NUL[2] in request.body
        if request.method == "POST" and request.content_type in {
            "application/x-www-form-urlencoded", "multipart/form-data",
        }:  # fmt: skip
            return any(NUL[0] in v for v in request.POST.values())
        return False


class ClientAddressMiddleware:
    """Behind GTI_PROXIES reverse proxies (nginx: 1), the client's address is the one the
    nearest trusted proxy appended to X-Forwarded-For; REMOTE_ADDR is set to it, so the login
    lock-out, the audit trail and the API's rate limits all count per client. Without a proxy
    (0, the default) the header is ignored: a client cannot choose its address by sending it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = settings.GTI_PROXIES
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if proxies and forwarded:
            addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
            if addresses:
                request.META["REMOTE_ADDR"] = addresses[-min(proxies, len(addresses))]
        return self.get_response(request)


class ApiCachingMiddleware:
    """Reads of the API say how they may be kept: public answers (no key) for a minute by any
    cache, answers to a key by the caller only and checked again each time. Django's
    ConditionalGetMiddleware adds the ETag and answers 304 to a matching If-None-Match."""

    PUBLIC_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and request.method in {"GET", "HEAD"}
            and response.status_code == 200
            and not response.has_header("Cache-Control")
        ):
            if "HTTP_AUTHORIZATION" in request.META:
                response["Cache-Control"] = "private, no-cache"
            else:
                response["Cache-Control"] = f"public, max-age={self.PUBLIC_SECONDS}"
            patch_vary_headers(response, ["Accept-Language", "Authorization"])
        return response
