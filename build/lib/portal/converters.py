"""URL converters: a Jira project key (uppercase letter, then letters, digits or _)."""

from django.urls import register_converter


class ProjectKeyConverter:
    regex = "[A-Z][A-Z0-9_]{0,19}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RequestKeyConverter(ProjectKeyConverter):
    regex = "[A-Z][A-Z0-9_]{0,19}-[0-9]{1,10}"


# Registered on import: every URL module that uses them imports this module first.
register_converter(ProjectKeyConverter, "project_key")
register_converter(RequestKeyConverter, "request_key")
