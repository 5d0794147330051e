"""JQL as Jira Cloud reads it for `search/jql`: parsed, checked and turned into one query.

What the sandbox supports (keywords, field names and function names in any case):

    Boolean     AND (&&, &), OR (||, |), NOT (!), parentheses; NOT binds before AND, AND
                before OR.
    Fields      project (id, key or name)            issuetype, type (name or id)
                status (name or id)                  statusCategory (key, name or id)
                created, createdDate                 updated, updatedDate
                reporter (accountId, e-mail, display name, or currentUser())
                key, issuekey, issue, id (an issue key or id: the same field, as in Jira)
                summary (~ and !~ only)
                Organizations, "Organizations", cf[10002] (organization name or id)
                "Request participants", cf[10026] (accountId, e-mail or currentUser())
    Operators   = != IN NOT IN IS [NOT] EMPTY|NULL, < <= > >= on dates and issue keys,
                ~ !~ on summary; each field takes only the operators Jira's field
                reference lists for it, EMPTY also as a value (`reporter in (EMPTY, x)`).
    Dates       "yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm", "yyyy/MM/dd", "yyyy-MM-dd";
                relative periods "-30d", "-4w 2d", "-1h", "-5m", "+1d", "1w" (w = 7 days,
                d = 24 hours); now(), startOfDay(), endOfDay(), startOfWeek(), endOfWeek(),
                startOfMonth(), endOfMonth(), startOfYear(), endOfYear(), the start/end
                ones with an optional increment ("-1", "-1d", "+2w", "-1M", "1y"; a bare
                number counts in the function's own unit). Dates are read in the API
                account's profile time zone (UTC when hidden); weeks start on Sunday.
    ORDER BY    id, key, created, updated, status, issuetype, project, reporter, summary,
                ASC or DESC; ties are broken by id, so paging is stable. `id` sorts by the
                number (Jira treats it as the key), status and issuetype by their place in
                the site's lists, project by name, reporter by display name, empty last.

Assumptions, where Atlassian's pages say nothing: `=` and `!=` on a date match the unit
the value names (the whole day for "2026-11-01", the minute for "2026-11-01 10:00", and
the minute from the moment a relative date or a function names), while `<`, `<=`, `>`,
`>=` compare with the moment the value starts (so `created <= "2026-11-01"` leaves that
day out, as on Jira). `!=` and NOT IN never match an empty field, as Jira documents, and
NOT is pushed down to the clauses (De Morgan over AND and OR, a double NOT cancels) so that
`NOT field = value` is `field != value`, `NOT field in (...)` is `field not in (...)` and
`NOT field is EMPTY` is `field is not EMPTY`, as Atlassian's operator reference says; a
negated `<`, `<=`, `>`, `>=` (dates and keys, never empty) is the plain negation. `~` on
summary matches when every word of the value appears in it (a contains test, no
stemming). `key > ITSD-5` means later issues of the same project, as on Jira.

A query with no search restriction (empty, or ORDER BY alone) is refused as unbounded;
any clause bounds it. Limits of the sandbox's own keep the one SQL query within what
SQLite parses (an expression tree at most 1000 deep, a parser stack of 100, which about 26
alternating AND/OR groups fill) and PostgreSQL's stack: at most MAX_CLAUSES (500) clauses,
MAX_DEPTH (100) levels of parentheses and NOT, and MAX_NESTING (20) AND and OR groups
inside one another (counted after NOT is pushed down; a group inside one of the same kind
adds no level). A longer or deeper query is refused with TOO_COMPLEX; the wording is
assumed, as Atlassian documents no such limit or message. A list value (`key in (...)`)
is one clause, however long. Dates out of Python's range (years 1 to 9999): an absolute
date is clamped to that range (`created >= "9999-12-31"` finds nothing), a relative
period or a function's increment that leaves it is refused as an invalid date value or
increment. Errors are Jira's 400 bodies with Jira's wording: syntax errors with their line
and character, unknown fields, values, functions and operators.

Sources: Atlassian's JQL reference, https://support.atlassian.com/jira-software-cloud/docs/
jql-fields/ (fields, aliases, operators per field), .../jql-functions/ and
https://support.atlassian.com/jira-service-management-cloud/docs/advanced-search-reference-jql-functions
(functions), https://confluence.atlassian.com/jirakb/order-of-operations-for-jql-1283492840.html
(precedence), the search/jql reference (https://developer.atlassian.com/cloud/jira/platform/
rest/v3/api-group-issue-search/), and the messages Jira's own JQL parser tests expect
("Expecting either 'OR' or 'AND' but got 'c'. (line 1, character 5)": characters count from 1).
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import NoReturn

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from sandbox.jira import statuses
from sandbox.jira.errors import JiraError
from sandbox.jira.models import (
    ISSUE_TYPES,
    Issue,
    JiraUser,
    Organization,
    Project,
    api_account,
    api_account_zone,
    as_id,
)

UNBOUNDED = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
TOO_COMPLEX = (
    "The JQL query is too complex to be run. Please simplify it: use at most {clauses} "
    "clauses, {depth} levels of parentheses or NOT, and {nesting} levels of AND and OR "
    "groups inside one another."
)
MAX_DEPTH = 100
MAX_CLAUSES = 500
MAX_NESTING = 20
DATE_FORMATS = (
    ("%Y-%m-%d %H:%M", "minute"),
    ("%Y/%m/%d %H:%M", "minute"),
    ("%Y-%m-%d", "day"),
    ("%Y/%m/%d", "day"),
)
DATE_HELP = (
    "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
    "'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
)
VALID_OPERATORS = (
    "The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', "
    "'IS' and 'IS NOT'."
)
PERIOD = re.compile(r"([+-])?\s*((?:\d+\s*[wdhm]\s*)+)")
PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])")
INCREMENT = re.compile(r"([+-])?(\d+)([yMwdhm])?")
UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}
# The moments a date may be, in UTC: a day inside Python's range, whatever the zone.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)

EQUALITY = frozenset({"=", "!=", "in", "not in", "is", "is not"})
COMPARISON = frozenset({"<", "<=", ">", ">="})
TEXT = frozenset({"~", "!~", "is", "is not"})

# Words that must be quoted to be a field name or a value.
KEYWORDS = ("and", "or", "not", "in", "is", "order", "by", "asc", "desc")
RESERVED = re.compile(r"[{}#\[\]]")
CUSTOM_FIELD = re.compile(r"cf\[\d+\]", re.IGNORECASE)
TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<operator>>=|<=|!=|!~|=|>|<|~)
      | (?P<logic>&&|\|\||&|\||!)
      | (?P<punct>[(),])
      | (?P<word>[^\s"'(),=!<>~&|]+)""",
    re.VERBOSE,
)


# -- syntax tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # string, operator, logic, punct, word
    text: str  # a string's without its quotes and escapes
    position: int  # offset in the query, for error messages

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class Function:
    name: str  # as typed
    arguments: tuple[str, ...]


@dataclass(frozen=True)
class Empty:
    pass


Operand = Literal | Function | Empty


@dataclass(frozen=True)
class Clause:
    field: str  # canonical name, a key of FIELDS
    typed: str  # as written, for error messages
    operator: str  # lower case: "=", "in", "not in", "is not", ...
    operands: tuple[Operand, ...]
    is_list: bool  # the operand was a parenthesised list


@dataclass(frozen=True)
class Not:
    part: Node


@dataclass(frozen=True)
class Junction:
    kind: str  # "and" or "or"
    parts: tuple[Node, ...]


Node = Clause | Not | Junction


@dataclass
class JqlQuery:
    where: Node | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    @property
    def is_bounded(self) -> bool:
        return self.where is not None

    def apply(self, issues: QuerySet[Issue]) -> QuerySet[Issue]:
        """`issues` filtered and ordered (one SQL query); 400 for unknown values."""
        if self.where is not None:
            issues = issues.filter(_Compiler().node(self.where))
        order = self.order or [("created", False)]
        columns = []
        for name, descending in order:
            # An empty reporter sorts last either way; NULLS LAST only there, so the other
            # orders keep their indexes.
            nulls_last = True if name == "reporter" else None
            for expression in ORDERABLE[name]:
                columns.append(
                    expression.desc(nulls_last=nulls_last)
                    if descending
                    else expression.asc(nulls_last=nulls_last)
                )
        if "id" not in {name for name, _ in order}:
            # Ties broken by id, so paging never skips or repeats an issue.
            columns.append(F("id").desc() if order[-1][1] else F("id").asc())
        return issues.order_by(*columns)


# -- fields ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    operators: frozenset[str]
    functions: frozenset[str] = frozenset()


DATE_FUNCTIONS = frozenset(
    {
        "now",
        "startofday",
        "endofday",
        "startofweek",
        "endofweek",
        "startofmonth",
        "endofmonth",
        "startofyear",
        "endofyear",
    }
)
USER_FUNCTIONS = frozenset({"currentuser"})
KNOWN_FUNCTIONS = DATE_FUNCTIONS | USER_FUNCTIONS

FIELDS: dict[str, FieldSpec] = {
    "project": FieldSpec(EQUALITY),
    "issuetype": FieldSpec(EQUALITY),
    "status": FieldSpec(EQUALITY),
    "statuscategory": FieldSpec(EQUALITY),
    "created": FieldSpec(EQUALITY | COMPARISON, DATE_FUNCTIONS),
    "updated": FieldSpec(EQUALITY | COMPARISON, DATE_FUNCTIONS),
    "reporter": FieldSpec(EQUALITY, USER_FUNCTIONS),
    "key": FieldSpec(frozenset({"=", "!=", "in", "not in"}) | COMPARISON),
    "summary": FieldSpec(TEXT),
    "organizations": FieldSpec(EQUALITY),
    "participants": FieldSpec(EQUALITY, USER_FUNCTIONS),
}
# JQL names, lower case (quoted or not) → field.
FIELD_NAMES = {
    "project": "project",
    "issuetype": "issuetype",
    "type": "issuetype",
    "status": "status",
    "statuscategory": "statuscategory",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "reporter": "reporter",
    "key": "key",
    "issuekey": "key",
    "issue": "key",
    "id": "key",
    "summary": "summary",
    "organizations": "organizations",
    "cf[10002]": "organizations",
    "request participants": "participants",
    "cf[10026]": "participants",
}


def _ranked(column: str, order: list[str]) -> Case:
    return Case(
        *(When(**{column: value}, then=Value(rank)) for rank, value in enumerate(order)),
        default=Value(len(order)),
        output_field=IntegerField(),
    )


# Order field → expressions; a key sorts by project key, then by number (ITSD-9 < ITSD-10),
# a status or issue type by its place in the site's list, a user by display name.
ORDERABLE: dict[str, tuple[F | Case, ...]] = {
    "key": (F("project__key"), F("number")),
    "id": (F("id"),),
    "created": (F("created"),),
    "updated": (F("updated"),),
    "status": (_ranked("status_id", list(statuses.STATUSES)),),
    "issuetype": (_ranked("issue_type", list(ISSUE_TYPES)),),
    "project": (F("project__name"),),
    "reporter": (F("reporter__display_name"),),
    "summary": (F("summary"),),
}


# -- parsing --------------------------------------------------------------------------------


def parse(text: str) -> JqlQuery:
    """Parse `text`; 400 (platform body) for a syntax error or an unbounded query."""
    query = _Parser(text).query()
    if not query.is_bounded:
        raise JiraError(400, UNBOUNDED)
    if query.where is not None and _nesting(query.where) > MAX_NESTING:
        raise _too_complex()
    return query


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return tokens
        match = TOKEN.match(text, position)
        if match is None:  # only an unclosed quote fails to match
            rest = text[position + 1 :]
            raise _syntax(text, position, f"The quoted string '{rest}' has not been completed.")
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "word" and not CUSTOM_FIELD.fullmatch(value):
            reserved = RESERVED.search(value)
            if reserved is not None:
                character = reserved.group()
                raise _syntax(
                    text,
                    position + reserved.start(),
                    f"The character '{character}' is a reserved JQL character. You must "
                    f"enclose it in a string or use the escape '\\u{ord(character):04x}' "
                    "instead.",
                )
        tokens.append(Token(kind, value, position))
        position = match.end()


class _Parser:
    """Recursive descent over the tokens: or ← and ← not ← clause | ( or )."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.position = 0
        self.depth = 0  # parentheses and NOTs open around the current position
        self.clauses = 0

    def query(self) -> JqlQuery:
        query = JqlQuery()
        if self._peek() is not None and not self._peek_word("order"):
            query.where = self._or()
        token = self._peek()
        if token is not None:
            if not token.is_word("order"):
                self._fail("either 'OR' or 'AND'", token)
            self.position += 1
            query.order = self._order_by()
        return query

    def _or(self) -> Node:
        parts = [self._and()]
        while self._peek_logic("or", "||", "|"):
            self.position += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def _and(self) -> Node:
        parts = [self._not()]
        while self._peek_logic("and", "&&", "&"):
            self.position += 1
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def _not(self) -> Node:
        if self._peek_logic("not", "!"):
            self.position += 1
            self._deeper()
            negated = Not(self._not())
            self.depth -= 1
            return negated
        if self._peek_punct("("):
            self.position += 1
            self._deeper()
            inner = self._or()
            self._expect_punct(")")
            self.depth -= 1
            return inner
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise _too_complex()
        return self._clause()

    def _deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _too_complex()

    def _clause(self) -> Clause:
        name = self._field_name()
        canonical = FIELD_NAMES.get(name.text.lower())
        if canonical is None:
            raise _no_field(name.text)
        operator = self._operator()
        if operator in ("is", "is not"):
            value = self._next("'EMPTY'")
            if not value.is_word("empty", "null"):
                self._fail("'EMPTY'", value)
            operands: tuple[Operand, ...] = (Empty(),)
            is_list = False
        else:
            operands, is_list = self._operand()
        clause = Clause(canonical, name.text, operator, operands, is_list)
        _check(clause)
        return clause

    def _field_name(self) -> Token:
        token = self._next("a field name", at_end=True)
        if token.kind not in ("word", "string") or token.is_word(*KEYWORDS):
            self._fail("a field name", token, "a field name")
        if not token.text.strip():
            raise _syntax(self.text, token.position, "A field name cannot be empty.")
        return token

    def _operator(self) -> str:
        token = self._peek()
        if token is None:
            raise _syntax_at_end(
                f"Expecting operator before the end of the query. {VALID_OPERATORS}"
            )
        self.position += 1
        if token.kind == "operator":
            return token.text
        if token.is_word("in"):
            return "in"
        if token.is_word("is"):
            if self._peek_word("not") or self._peek_logic("", "!"):
                if not self._next("'NOT'").is_word("not"):
                    self._fail("'NOT'", self.tokens[self.position - 1])
                return "is not"
            return "is"
        if token.is_word("not"):
            if not self._next("'IN'").is_word("in"):
                self._fail("'IN'", self.tokens[self.position - 1])
            return "not in"
        raise _syntax(
            self.text,
            token.position,
            f"Expecting operator but got '{token.text}'. {VALID_OPERATORS}",
        )

    def _operand(self) -> tuple[tuple[Operand, ...], bool]:
        if self._peek_punct("("):
            self.position += 1
            values = [self._single()]
            while self._peek_punct(","):
                self.position += 1
                values.append(self._single())
            self._expect_punct(")")
            return tuple(values), True
        return (self._single(),), False

    def _single(self) -> Operand:
        expected = "either a value, list or function"
        token = self._next(expected)
        if token.kind not in ("word", "string") or token.is_word(*KEYWORDS):
            self._fail(expected, token, "a value")
        if token.is_word("empty", "null"):
            return Empty()
        if not self._peek_punct("("):
            return Literal(token.text)
        if not token.text.strip():
            raise _syntax(self.text, token.position, "A function name cannot be empty.")
        self.position += 1
        arguments: list[str] = []
        if self._peek_punct(")"):
            self.position += 1
            return Function(token.text, ())
        while True:
            argument = self._next("a function argument", at_end=True)
            if argument.kind == "punct" and argument.text in ",)" and arguments:
                raise _syntax(self.text, argument.position, "Function argument must be specified.")
            if argument.kind not in ("word", "string"):
                self._fail("a function argument", argument, "an argument")
            arguments.append(argument.text)
            after = self._next("')'")
            if after.kind == "punct" and after.text == ")":
                return Function(token.text, tuple(arguments))
            if not (after.kind == "punct" and after.text == ","):
                self._fail("')' or ','", after)

    def _order_by(self) -> list[tuple[str, bool]]:
        by = self._next("'by'")
        if not by.is_word("by"):
            self._fail("'by'", by)
        order = []
        while True:
            name = self._field_name()
            # `id` names the issue key field, but the sandbox sorts it by the number.
            canonical = "id" if name.text.lower() == "id" else FIELD_NAMES.get(name.text.lower())
            if canonical is None:
                raise _no_field(name.text)
            if canonical not in ORDERABLE:
                raise JiraError(400, f"Not able to sort using field '{name.text}'.")
            descending = False
            token = self._peek()
            if token is not None and token.is_word("asc", "desc"):
                descending = token.is_word("desc")
                self.position += 1
            elif token is not None and not self._peek_punct(","):
                self._fail("either 'ASC' or 'DESC'", token)
            order.append((canonical, descending))
            token = self._peek()
            if token is None:
                return order
            if not self._peek_punct(","):
                self._fail("','", token)
            self.position += 1

    # -- token helpers

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _peek_word(self, *words: str) -> bool:
        token = self._peek()
        return token is not None and token.is_word(*words)

    def _peek_punct(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "punct" and token.text == text

    def _peek_logic(self, word: str, *symbols: str) -> bool:
        token = self._peek()
        return token is not None and (
            token.is_word(word) or (token.kind == "logic" and token.text in symbols)
        )

    def _next(self, expected: str, *, at_end: bool = False) -> Token:
        """The next token; at the end, Jira's "Expecting ... before (at) the end" error."""
        token = self._peek()
        if token is None:
            where = "at" if at_end else "before"
            raise _syntax_at_end(f"Expecting {expected} {where} the end of the query.")
        self.position += 1
        return token

    def _expect_punct(self, text: str) -> None:
        token = self._next(f"'{text}'")
        if not (token.kind == "punct" and token.text == text):
            self._fail(f"'{text}'", token)

    def _fail(self, expected: str, token: Token, role: str = "") -> NoReturn:
        message = f"Expecting {expected} but got '{token.text}'."
        if role and token.kind != "string":
            # A keyword or reserved character where a name or value was expected.
            message += f" You must surround '{token.text}' in quotation marks to use it as {role}."
        raise _syntax(self.text, token.position, message)


def _too_complex() -> JiraError:
    return JiraError(
        400, TOO_COMPLEX.format(clauses=MAX_CLAUSES, depth=MAX_DEPTH, nesting=MAX_NESTING)
    )


def _nesting(node: Node, negated: bool = False, outer: str = "") -> int:
    """How many AND and OR groups `node` nests inside one another once NOT is pushed down
    (as `_Compiler.node` does): a group inside one of the same kind adds no level, as SQL
    joins them into one."""
    if isinstance(node, Not):
        return _nesting(node.part, not negated, outer)
    if isinstance(node, Clause):
        return 0
    kind = node.kind if not negated else ("or" if node.kind == "and" else "and")
    inner = max(_nesting(part, negated, kind) for part in node.parts)
    return inner + (0 if kind == outer else 1)


def _no_field(name: str) -> JiraError:
    return JiraError(
        400, f"Field '{name}' does not exist or you do not have permission to view it."
    )


def _check(clause: Clause) -> None:
    """Jira's checks of a clause that need no data: operators, functions, lists."""
    spec = FIELDS[clause.field]
    if clause.operator not in spec.operators:
        raise JiraError(
            400,
            f"The operator '{clause.operator}' is not supported by the '{clause.typed}' field.",
        )
    for operand in clause.operands:
        if isinstance(operand, Function):
            name = operand.name.lower()
            if name not in KNOWN_FUNCTIONS:
                raise JiraError(400, f"Unable to find JQL function '{operand.name}()'.")
            if name not in spec.functions:
                raise JiraError(
                    400,
                    f"Unable to find JQL function '{operand.name}()' for the field "
                    f"'{clause.typed}'.",
                )
            allowed = 0 if name in ("now", "currentuser") else 1
            if len(operand.arguments) > allowed:
                raise JiraError(
                    400,
                    f"Function '{operand.name}' expected '{allowed}' arguments but received "
                    f"'{len(operand.arguments)}'.",
                )
    listed = clause.operator in ("in", "not in")
    if listed and not clause.is_list:
        shown = _shown(clause.operands[0])
        raise JiraError(
            400,
            f"Operator '{clause.operator}' does not support the non-list value '{shown}' "
            f"for field '{clause.typed}'.",
        )
    if not listed and clause.is_list:
        shown = "(" + ", ".join(_shown(operand) for operand in clause.operands) + ")"
        raise JiraError(
            400,
            f"Operator '{clause.operator}' does not support the list value '{shown}' for "
            f"field '{clause.typed}'.",
        )
    if clause.operator in COMPARISON | {"~", "!~"} and isinstance(clause.operands[0], Empty):
        raise JiraError(
            400,
            f"The operator '{clause.operator}' does not support searching for EMPTY values.",
        )


def _shown(operand: Operand) -> str:
    if isinstance(operand, Function):
        return f"{operand.name}({', '.join(operand.arguments)})"
    if isinstance(operand, Empty):
        return "EMPTY"
    return operand.text


def _syntax(text: str, position: int, message: str) -> JiraError:
    line = text.count("\n", 0, position) + 1
    character = position - (text.rfind("\n", 0, position) + 1) + 1
    return JiraError(400, f"Error in the JQL Query: {message} (line {line}, character {character})")


def _syntax_at_end(message: str) -> JiraError:
    return JiraError(400, f"Error in the JQL Query: {message}")


# -- evaluation -------------------------------------------------------------------------------

# The operator a negated clause takes: `NOT f = v` is `f != v` (Atlassian's operators page).
OPPOSITE = {
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
    "is": "is not",
    "is not": "is",
    "~": "!~",
    "!~": "~",
}
NOTHING = Q(pk__in=[])
EVERYTHING = ~NOTHING  # not Q(): a negated empty Q would still match everything
NOTHING_SPAN: tuple[None, None] = (None, None)  # the dates EMPTY names


class _Compiler:
    """Turns the tree into a Q on Issue, looking up the values it names (a few queries,
    one per clause at most; the search itself stays one SQL query)."""

    def __init__(self) -> None:
        self._zone: tzinfo | None = None
        self._now = timezone.now()

    @property
    def zone(self) -> tzinfo:
        if self._zone is None:
            self._zone = api_account_zone()
        return self._zone

    def node(self, node: Node, negated: bool = False) -> Q:
        """`node` as a Q; `negated` pushes a NOT down to the clauses (De Morgan), where a
        negated clause takes the opposite operator: `NOT f = v` is `f != v`."""
        if isinstance(node, Not):
            return self.node(node.part, not negated)
        if isinstance(node, Junction):
            kind = node.kind if not negated else ("or" if node.kind == "and" else "and")
            combined = self.node(node.parts[0], negated)
            for part in node.parts[1:]:
                other = self.node(part, negated)
                combined = combined & other if kind == "and" else combined | other
            return combined
        if not negated:
            return self.clause(node)
        opposite = OPPOSITE.get(node.operator)
        if opposite is None:  # <, <=, >, >= on dates and keys, fields never empty
            return ~self.clause(node)
        return self.clause(replace(node, operator=opposite))

    def clause(self, clause: Clause) -> Q:
        if clause.field in ("created", "updated"):
            return self._date(clause)
        if clause.field == "key":
            return self._issue(clause)
        if clause.field == "summary":
            return self._summary(clause)
        if clause.field in ("organizations", "participants"):
            return self._multi(clause)
        return self._single(clause)

    # single-valued fields: project, issuetype, status, statusCategory, reporter

    def _single(self, clause: Clause) -> Q:
        column, nullable = {
            "project": ("project_id", False),
            "issuetype": ("issue_type", False),
            "status": ("status_id", False),
            "statuscategory": ("status_id", False),
            "reporter": ("reporter_id", True),
        }[clause.field]
        wanted: set[object] = set()
        empty = False
        for operand in clause.operands:
            if isinstance(operand, Empty):
                empty = True
            else:
                wanted |= self._values(clause, operand)
        has_value = Q(**{f"{column}__isnull": False}) if nullable else Q()
        matches = Q(**{f"{column}__in": wanted}) if wanted else NOTHING
        if empty:
            matches |= ~has_value if nullable else NOTHING
        if clause.operator in ("=", "in", "is"):
            return matches
        # !=, NOT IN, IS NOT: never an empty field, unless EMPTY itself is excluded.
        return ~matches & has_value if not empty or not wanted else ~matches

    def _values(self, clause: Clause, operand: Literal | Function) -> set[object]:
        if isinstance(operand, Function):  # currentUser(), checked by the parser
            account = api_account()
            return {account.pk} if account else set()
        text = operand.text
        found: set[object] = set()
        if clause.field == "project":
            project = (
                Project.objects.by_ref(text)
                or Project.objects.filter(name__iexact=text.strip()).first()
            )
            if project is not None:
                found = {project.pk}
        elif clause.field == "issuetype":
            found = {
                t.id for t in ISSUE_TYPES.values() if text.strip().lower() in (t.id, t.name.lower())
            }
        elif clause.field == "status":
            status = statuses.find(text)
            found = {status.id} if status else set()
        elif clause.field == "statuscategory":
            found = _status_category(text)
        else:  # reporter
            user = _user(text)
            found = {user.pk} if user else set()
        if not found:
            raise _missing_value(text, clause.typed)
        return found

    # multi-valued fields: Organizations, Request participants

    def _multi(self, clause: Clause) -> Q:
        if clause.field == "organizations":
            through, column = Issue.organizations.through, "organization_id"
        else:
            through, column = Issue.participants.through, "jirauser_id"
        wanted: set[object] = set()
        empty = False
        for operand in clause.operands:
            if isinstance(operand, Empty):
                empty = True
            elif isinstance(operand, Function):
                account = api_account()
                wanted |= {account.pk} if account else set()
            elif clause.field == "organizations":
                wanted.add(_organization(operand.text, clause.typed))
            else:
                user = _user(operand.text)
                if user is None:
                    raise _missing_value(operand.text, clause.typed)
                wanted.add(user.pk)
        has_value = Q(pk__in=through.objects.values("issue_id"))
        matches = (
            Q(pk__in=through.objects.filter(**{f"{column}__in": wanted}).values("issue_id"))
            if wanted
            else NOTHING
        )
        if empty:
            matches |= ~has_value
        if clause.operator in ("=", "in", "is"):
            return matches
        return ~matches & has_value if not empty or not wanted else ~matches

    # issue keys and ids

    def _issue(self, clause: Clause) -> Q:
        refs = [operand.text for operand in clause.operands if isinstance(operand, Literal)]
        numbers = {as_id(ref) for ref in refs} - {None}
        keys = {ref.strip().upper() for ref in refs if as_id(ref) is None}
        rows = {}
        if refs:
            for pk, key, project_id, number in Issue.objects.filter(
                Q(pk__in=numbers) | Q(key__in=keys)
            ).values_list("pk", "key", "project_id", "number"):
                rows[str(pk)] = rows[key] = (pk, project_id, number)
        found = []
        for ref in refs:
            row = rows.get(ref.strip().upper())
            if row is None:
                raise JiraError(
                    400, f"An issue with key '{ref}' does not exist for field '{clause.typed}'."
                )
            found.append(row)
        if not found:  # key = EMPTY: an issue always has a key
            return NOTHING if clause.operator in ("=", "in") else EVERYTHING
        if clause.operator in COMPARISON:
            _, project_id, number = found[0]
            lookup = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[clause.operator]
            return Q(project_id=project_id, **{f"number__{lookup}": number})
        matches = Q(pk__in=[pk for pk, _, _ in found])
        return matches if clause.operator in ("=", "in") else ~matches

    # summary

    def _summary(self, clause: Clause) -> Q:
        operand = clause.operands[0]
        if isinstance(operand, Empty):
            empty = Q(summary="")
            return empty if clause.operator == "is" else ~empty
        assert isinstance(operand, Literal)  # summary takes no function
        words = [w.strip("*?") for w in operand.text.split() if w.strip("*?")]
        if not words:
            return EVERYTHING if clause.operator == "~" else NOTHING
        matches = Q()
        for word in words:
            matches &= Q(summary__icontains=word)
        return matches if clause.operator == "~" else ~matches

    # dates

    def _date(self, clause: Clause) -> Q:
        column = clause.field
        if clause.operator in ("is", "is not"):  # never empty
            return NOTHING if clause.operator == "is" else EVERYTHING
        spans = [
            NOTHING_SPAN if isinstance(operand, Empty) else self._moment(clause, operand)
            for operand in clause.operands
        ]
        if clause.operator in COMPARISON:
            lookup = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[clause.operator]
            return Q(**{f"{column}__{lookup}": spans[0][0]})
        matches = NOTHING
        for start, end in spans:
            if start is not None:
                matches |= Q(**{f"{column}__gte": start, f"{column}__lt": end})
        return matches if clause.operator in ("=", "in") else ~matches

    def _moment(self, clause: Clause, operand: Literal | Function) -> tuple[datetime, datetime]:
        """The span the value names, [start, end), in UTC; 400 when a relative date or a
        function's increment leaves the representable years, an absolute date clamped."""
        if isinstance(operand, Function):
            try:
                moment = self._function(operand).astimezone(UTC)
                return moment, moment + timedelta(minutes=1)
            except (OverflowError, ValueError):
                raise _bad_increment(operand.name) from None
        text = operand.text.strip()
        for date_format, unit in DATE_FORMATS:
            try:
                start = datetime.strptime(text, date_format)
            except ValueError:
                continue
            length = timedelta(days=1) if unit == "day" else timedelta(minutes=1)
            return self._clamped(start), self._clamped(start, length)
        invalid = JiraError(
            400,
            f"Date value '{operand.text}' for field '{clause.typed}' is invalid. {DATE_HELP}",
        )
        period = PERIOD.fullmatch(text)
        if period is None:
            raise invalid
        seconds = sum(
            int(count) * UNIT_SECONDS[unit] for count, unit in PERIOD_PART.findall(period[2])
        )
        try:
            moment = self._now + timedelta(seconds=-seconds if period[1] == "-" else seconds)
            moment = moment.astimezone(UTC)
            return moment, moment + timedelta(minutes=1)
        except (OverflowError, ValueError):
            raise invalid from None

    def _clamped(self, local: datetime, plus: timedelta = timedelta(0)) -> datetime:
        """`local` (naive, in the account's zone) + `plus` in UTC, kept within EARLIEST and
        LATEST: a date beyond them matches as the range's edge does (nothing past it)."""
        try:
            moment = (local + plus).replace(tzinfo=self.zone).astimezone(UTC)
        except (OverflowError, ValueError):
            return LATEST if local.year > 1 else EARLIEST
        return min(max(moment, EARLIEST), LATEST)

    def _function(self, function: Function) -> datetime:
        name = function.name.lower()
        if name == "now":
            return self._now
        start_of = name.startswith("start")
        unit = name.removeprefix("startof").removeprefix("endof")
        default_unit = {"day": "d", "week": "w", "month": "M", "year": "y"}[unit]
        local = self._now.astimezone(self.zone)
        base = self._start_of(local, unit)
        if function.arguments:
            increment = INCREMENT.fullmatch(function.arguments[0].strip())
            if increment is None:
                raise _bad_increment(function.name)
            sign, count, given = increment.groups()
            amount = int(count) * (-1 if sign == "-" else 1)
            base = _shift(base, amount, given or default_unit, self.zone)
        if start_of:
            return base
        # The last millisecond of the (shifted) unit; the calendar's last unit ends at its
        # edge (LATEST), since the next one cannot be written.
        try:
            following = _shift(base, 1, default_unit, self.zone)
        except (OverflowError, ValueError):
            return LATEST
        return self._start_of(following, unit) - timedelta(milliseconds=1)

    @staticmethod
    def _start_of(local: datetime, unit: str) -> datetime:
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "day":
            start = day
        elif unit == "week":  # Sunday, as Jira's default (en) locale
            start = day - timedelta(days=(day.weekday() + 1) % 7)
        elif unit == "month":
            start = day.replace(day=1)
        else:
            start = day.replace(month=1, day=1)
        return start.replace(tzinfo=local.tzinfo)


def _shift(moment: datetime, amount: int, unit: str, zone: tzinfo) -> datetime:
    """`moment` moved by `amount` units, months and years by the calendar, in `zone`."""
    if unit in ("y", "M"):
        months = moment.year * 12 + moment.month - 1 + (amount * 12 if unit == "y" else amount)
        year, month = divmod(months, 12)
        day = min(moment.day, monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)
    local = moment.replace(tzinfo=None) + timedelta(seconds=amount * UNIT_SECONDS[unit])
    return local.replace(tzinfo=zone)


def _bad_increment(name: str) -> JiraError:
    return JiraError(
        400,
        f"Duration for function '{name}' should have the format (+/-)n(yMwdm), e.g -1M for "
        "1 month earlier.",
    )


def _status_category(text: str) -> set[object]:
    wanted = text.strip().lower()
    keys = {
        key
        for key, (category_id, name, _) in statuses.CATEGORIES.items()
        if wanted in (key, name.lower(), str(category_id))
    }
    return {status.id for status in statuses.STATUSES.values() if status.category in keys}


def _user(text: str) -> JiraUser | None:
    return (
        JiraUser.objects.by_ref(text)
        or JiraUser.objects.filter(display_name__iexact=text.strip()).first()
    )


def _organization(text: str, typed: str) -> int:
    number = as_id(text)
    found = (
        Organization.objects.filter(Q(name__iexact=text.strip()) | Q(pk=number or -1))
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise _missing_value(text, typed)
    return found


def _missing_value(value: str, typed: str) -> JiraError:
    return JiraError(400, f"The value '{value}' does not exist for the field '{typed}'.")
