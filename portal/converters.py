"""URL converters: a Jira project key (uppercase letter, then letters, digits or _)."""


class ProjectKeyConverter:
    regex = "[A-Z][A-Z0-9_]{0,19}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
