from ninja.security import HttpBearer

from gti.accounts.services import active_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gti_…`; make a key on the "API keys" page or with
    `gti token create USER`. An expired or revoked key answers 401."""

    def authenticate(self, request, token):
        found = active_token(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        return found.user
