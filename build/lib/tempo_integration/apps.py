from django.apps import AppConfig


class TempoIntegrationConfig(AppConfig):
    name = "tempo_integration"
    verbose_name = "Tempo integration"
