import uuid

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
