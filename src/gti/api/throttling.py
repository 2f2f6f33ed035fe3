"""Rate limits of the API: per address for anonymous callers, per key for key holders.

The rates are read from the settings on each request (GTI_API_RATE_ANONYMOUS, GTI_API_RATE_KEY),
so a deployment and the tests can change them without rebuilding the API.
"""

from django.conf import settings
from ninja.throttling import AnonRateThrottle, SimpleRateThrottle


class _RateFromSettings:
    setting = ""

    def __init__(self):
        super().__init__(rate=getattr(settings, self.setting))

    def allow_request(self, request) -> bool:
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


class AnonymousRate(_RateFromSettings, AnonRateThrottle):
    scope = "anonymous"
    setting = "GTI_API_RATE_ANONYMOUS"


class KeyRate(_RateFromSettings, SimpleRateThrottle):
    scope = "key"
    setting = "GTI_API_RATE_KEY"

    def get_cache_key(self, request):
        token = getattr(request, "api_token", None)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
