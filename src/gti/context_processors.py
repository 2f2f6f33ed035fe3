from django.conf import settings
from django.urls import translate_url

from gti.strategy.models import City


def site(request):
    """What the shared layout needs on every page: language switch targets and the cities."""
    path = request.get_full_path()
    return {
        "language_links": [
            (code, name, translate_url(path, code)) for code, name in settings.LANGUAGES
        ],
        "nav_cities": City.objects.filter(strategies__is_current=True).distinct(),
    }
