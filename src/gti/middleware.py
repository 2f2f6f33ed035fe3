from django.utils import translation


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
