from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gti.api"
    verbose_name = "API"
