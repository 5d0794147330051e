from django.apps import AppConfig


class JsmConfig(AppConfig):
    name = "jsm"
    verbose_name = "Jira Service Management"
