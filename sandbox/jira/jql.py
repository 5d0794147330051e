"""The part of JQL that apps send to `search/jql`, parsed and applied to issues.

Supported, joined by AND (keywords in any case):

    project = 10000 | project = ITSD | project in (10000, SUP)
    id = 10100 | id in (10100, 10101)      key = ITSD-1 | key in (ITSD-1, SUP-2)
    updated >= "2026-11-01 00:00"          (also >, <=, <, on `created` too;
    updated >= "2026-11-01"                 `yyyy/MM/dd` works like `yyyy-MM-dd`)
    ORDER BY id | key | created | updated [ASC | DESC], ...

As on Jira Cloud, the search must be bounded (a project, id or key clause), an unknown
project, id or key is a 400 naming it, and dates are read in the account's time zone (UTC
here). Anything else, OR included, is a 400 saying what the sandbox does not support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from sandbox.jira.errors import JiraError
from sandbox.jira.models import Issue, Project, as_id

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
DATE_HELP = (
    "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd'."
)

# Field names as typed (lower case) → the field they mean.
FIELD_ALIASES = {
    "project": "project",
    "id": "id",
    "issue": "key",
    "issuekey": "key",
    "key": "key",
    "updated": "updated",
    "updateddate": "updated",
    "created": "created",
    "createddate": "created",
}
BOUNDING_FIELDS = {"project", "id", "key"}
DATE_FIELDS = {"updated", "created"}
DATE_OPERATORS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt"}
# Order field → columns; a key sorts by project key, then by its number (ITSD-9 < ITSD-10).
ORDERABLE = {
    "id": ("id",),
    "key": ("project__key", "number"),
    "created": ("created",),
    "updated": ("updated",),
}
DEFAULT_ORDER = (("created", True),)

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<operator>>=|<=|!=|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s"'(),=!<>~]+)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "operator", "punct" or "word"
    text: str

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


@dataclass
class Clause:
    field: str  # canonical: project, id, key, updated, created
    typed: str  # as written, for error messages
    operator: str
    values: list[str]


@dataclass
class JqlQuery:
    clauses: list[Clause] = field(default_factory=list)
    # (field, descending)
    order: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def is_bounded(self) -> bool:
        return any(clause.field in BOUNDING_FIELDS for clause in self.clauses)

    def apply(self, issues: QuerySet[Issue]) -> QuerySet[Issue]:
        """`issues` filtered and ordered; 400 for an unknown project, id or key."""
        for clause in self.clauses:
            issues = issues.filter(_condition(clause))
        order = self.order or list(DEFAULT_ORDER)
        columns = [
            f"-{column}" if descending else column
            for name, descending in order
            for column in ORDERABLE[name]
        ]
        if "id" not in {name for name, _ in order}:
            # Ties broken by id, so paging never skips or repeats an issue.
            columns.append("-id" if order[-1][1] else "id")
        return issues.order_by(*columns)


def parse(text: str) -> JqlQuery:
    """Parse `text`; 400 (platform body) for anything this sandbox cannot run."""
    tokens = _tokenize(text)
    parser = _Parser(tokens)
    query = parser.query()
    if not query.is_bounded:
        raise JiraError(400, UNBOUNDED)
    return query


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _syntax(f"Error in the JQL Query: unexpected character at '{text[position:]}'.")
        kind = match.lastgroup or "word"
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def query(self) -> JqlQuery:
        query = JqlQuery()
        if self._peek() is not None and not self._peek_word("order"):
            query.clauses.append(self._clause())
            while self._peek() is not None and not self._peek_word("order"):
                token = self._next()
                if token.is_word("or", "not"):
                    raise _syntax(f"The sandbox's JQL supports AND only, not {token.text.upper()}.")
                if not token.is_word("and"):
                    raise _syntax(f"Error in the JQL Query: expected AND, found '{token.text}'.")
                query.clauses.append(self._clause())
        if self._peek() is not None:
            query.order = self._order_by()
        return query

    def _clause(self) -> Clause:
        name = self._next("a field name")
        if name.kind != "word" or name.text.lower() not in FIELD_ALIASES:
            if name.text == "(":
                raise _syntax("The sandbox's JQL does not support parentheses around clauses.")
            raise _syntax(
                f"Field '{name.text}' does not exist or you do not have permission to view it."
            )
        canonical = FIELD_ALIASES[name.text.lower()]
        operator = self._next("an operator")
        if operator.is_word("in"):
            return Clause(canonical, name.text, "in", self._list())
        if operator.kind != "operator":
            raise _syntax(f"Error in the JQL Query: expected an operator after '{name.text}'.")
        allowed = DATE_OPERATORS if canonical in DATE_FIELDS else {"=": "exact"}
        if operator.text not in allowed:
            raise _syntax(
                f"The operator '{operator.text}' is not supported by the sandbox for the "
                f"field '{name.text}'."
            )
        return Clause(canonical, name.text, operator.text, [self._value()])

    def _list(self) -> list[str]:
        if self._next("'('").text != "(":
            raise _syntax("Error in the JQL Query: expected '(' after IN.")
        values = [self._value()]
        while True:
            token = self._next("')'")
            if token.text == ")":
                return values
            if token.text != ",":
                raise _syntax(f"Error in the JQL Query: expected ',' or ')', found '{token.text}'.")
            values.append(self._value())

    def _value(self) -> str:
        token = self._next("a value")
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "word":
            return token.text
        raise _syntax(f"Error in the JQL Query: expected a value, found '{token.text}'.")

    def _order_by(self) -> list[tuple[str, bool]]:
        if not (self._next().is_word("order") and self._next("BY").is_word("by")):
            raise _syntax("Error in the JQL Query: expected ORDER BY.")
        order = []
        while True:
            name = self._next("a field to order by")
            canonical = FIELD_ALIASES.get(name.text.lower())
            if canonical not in ORDERABLE:
                raise _syntax(
                    f"The sandbox cannot order by '{name.text}': use id, key, created or updated."
                )
            descending = False
            if self._peek_word("asc", "desc"):
                descending = self._next().is_word("desc")
            order.append((canonical, descending))
            token = self._peek()
            if token is None:
                return order
            if token.text != ",":
                raise _syntax(f"Error in the JQL Query: unexpected '{token.text}' in ORDER BY.")
            self._next()

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _peek_word(self, *words: str) -> bool:
        token = self._peek()
        return token is not None and token.is_word(*words)

    def _next(self, expected: str = "more") -> Token:
        token = self._peek()
        if token is None:
            raise _syntax(f"Error in the JQL Query: the query ended where {expected} was expected.")
        self.position += 1
        return token


def _condition(clause: Clause) -> Q:
    if clause.field == "project":
        projects = [_project(value, clause.typed) for value in clause.values]
        return Q(project__in=projects)
    if clause.field == "id":
        ids = [_issue_id(value, clause.typed) for value in clause.values]
        return Q(pk__in=ids)
    if clause.field == "key":
        keys = [value.upper() for value in clause.values]
        known = set(Issue.objects.filter(key__in=keys).values_list("key", flat=True))
        for key in keys:
            if key not in known:
                raise _missing_issue(key, clause.typed)
        return Q(key__in=keys)
    moment = _date(clause.values[0], clause.typed)
    return Q(**{f"{clause.field}__{DATE_OPERATORS[clause.operator]}": moment})


def _project(value: str, typed: str) -> Project:
    project = Project.objects.by_ref(value)
    if project is None:
        raise JiraError(400, f"The value '{value}' does not exist for the field '{typed}'.")
    return project


def _issue_id(value: str, typed: str) -> int:
    number = as_id(value)
    if number is None or not Issue.objects.filter(pk=number).exists():
        raise _missing_issue(value, typed)
    return number


def _missing_issue(value: str, typed: str) -> JiraError:
    return JiraError(400, f"An issue with key '{value}' does not exist for field '{typed}'.")


def _date(value: str, typed: str) -> datetime:
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), date_format).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise JiraError(400, f"Date value '{value}' for field '{typed}' is invalid. {DATE_HELP}")


def _syntax(message: str) -> JiraError:
    return JiraError(400, message)
