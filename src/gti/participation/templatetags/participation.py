"""What the pages of calls and proposals show of participation, without their views knowing."""

from django import template

from gti.participation import services

register = template.Library()


@register.inclusion_tag("participation/_residents_input.html")
def residents_input(proposal):
    """Supports and visible comments of the consultation, for those who see the proposal."""
    return {"input": services.residents_input(proposal)}


@register.simple_tag
def consultation_of(call):
    """The call's consultation, or None."""
    from gti.participation.models import Consultation

    return Consultation.objects.filter(call=call).first()


@register.simple_tag
def may(user, action, obj):
    """Whether `user` may do `action` to `obj` (the permission table's answer)."""
    from gti.accounts import permissions

    return permissions.can(user, action, obj)
