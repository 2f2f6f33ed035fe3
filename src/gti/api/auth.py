from ninja.security import HttpBearer

from gti.accounts.services import user_for_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer gti_…`; make a key with `gti token create USER`."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
