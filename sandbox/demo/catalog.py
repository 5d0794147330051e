"""Who and what the demo is made of: projects, organizations, people, texts.

Plain Python without Django, so the app's tests can import the demo's fixed identities
(`ALICE.account_id`, `ITSD.id`, `ACME.id`) to assert what a sync brings in. Account ids
derive from each person's handle, so they never change from one seed to the next.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from functools import cached_property

# Atlassian customer ids are "qm:<site id>:<uuid>"; this fixed site id makes them stable.
SITE_ID = "7d3c6a52-8c1e-4f0b-9a6d-2f5e8b1c4a90"
_NAMESPACE = uuid.UUID(SITE_ID)


@dataclass(frozen=True)
class DemoProject:
    id: int
    key: str
    name: str
    service_desk_id: int | None  # None: a software project, never a service desk

    @property
    def is_service_desk(self) -> bool:
        return self.service_desk_id is not None


@dataclass(frozen=True)
class DemoOrganization:
    id: int
    name: str
    account: str  # the Tempo `_Account_` work attribute of its worklogs


@dataclass(frozen=True)
class Person:
    handle: str  # e-mail where there is one; stable key of the account id
    display_name: str
    email: str | None  # None: hidden by the user's privacy settings
    organizations: tuple[int, ...] = ()
    active: bool = True
    agent: bool = False

    @cached_property  # the demo asks for it once per worklog: 100,000 times at scale
    def account_id(self) -> str:
        if self.agent:
            # 24 hex digits, the shape of an Atlassian account's id.
            return hashlib.sha256(f"{SITE_ID}:{self.handle}".encode()).hexdigest()[:24]
        return f"qm:{SITE_ID}:{uuid.uuid5(_NAMESPACE, self.handle)}"


# Where the demo's numbering starts (ids then follow the order of creation).
FIRST_ISSUE_ID = 10100
FIRST_TEMPO_WORKLOG_ID = 100_001
FIRST_JIRA_WORKLOG_ID = 500_001

ITSD = DemoProject(10000, "ITSD", "IT Service Desk", service_desk_id=1)
SUP = DemoProject(10001, "SUP", "Customer Support", service_desk_id=2)
PLAT = DemoProject(10002, "PLAT", "Platform", service_desk_id=None)
PROJECTS = (ITSD, SUP, PLAT)
SERVICE_DESKS = (ITSD, SUP)

ACME = DemoOrganization(1, "Acme", "ACME")
GLOBEX = DemoOrganization(2, "Globex", "GLOBEX")
INITECH = DemoOrganization(3, "Initech", "INITECH")
ORGANIZATIONS = (ACME, GLOBEX, INITECH)


def _customer(email: str, name: str, *orgs: DemoOrganization, active: bool = True) -> Person:
    return Person(email, name, email, tuple(org.id for org in orgs), active=active)


ALICE = _customer("alice@acme.example", "Alice Anders", ACME)
BOB = _customer("bob@acme.example", "Bob Baker", ACME)
CAROL = _customer("carol@globex.example", "Carol Chen", GLOBEX)
# Hides her e-mail address: the API answers null, so the app cannot make her an account.
HIDDEN = Person("henrike.holm", "Henrike Holm", None, (GLOBEX.id,))
# Left Acme: inactive, with old requests only.
INACTIVE = _customer("ivan@acme.example", "Ivan Ilić", ACME, active=False)
# In two organizations at once.
JONAS = _customer("jonas@acme.example", "Jonas Jensen", ACME, INITECH)

CUSTOMERS = (
    ALICE,
    BOB,
    _customer("dana@acme.example", "Dana Dorsey", ACME),
    _customer("erik@acme.example", "Erik Engel", ACME),
    _customer("farah@acme.example", "Farah Faruqi", ACME),
    _customer("gustav@acme.example", "Gustav Grün", ACME),
    _customer("hana@acme.example", "Hana Hoshino", ACME),
    INACTIVE,
    JONAS,
    CAROL,
    _customer("diego@globex.example", "Diego Duarte", GLOBEX),
    _customer("elena@globex.example", "Elena Esposito", GLOBEX),
    _customer("frank@globex.example", "Frank Fischer", GLOBEX),
    _customer("grace@globex.example", "Grace Gao", GLOBEX),
    HIDDEN,
    _customer("peter@initech.example", "Peter Gibbons", INITECH),
    _customer("samir@initech.example", "Samir Nagheenanajar", INITECH),
    _customer("michael@initech.example", "Michael Bolton", INITECH),
    _customer("joanna@initech.example", "Joanna Park", INITECH),
    # Without an organization: they see only what they raised or take part in.
    _customer("quinn@freelance.example", "Quinn Quigley"),
    _customer("riya@mail.example", "Riya Rao"),
)


def _agent(email: str, name: str) -> Person:
    return Person(email, name, email, agent=True)


ADMIN = _agent("admin@sandbox.example", "Sandbox Admin")
AGNES = _agent("agnes@sandbox.example", "Agnes Wright")
BRUNO = _agent("bruno@sandbox.example", "Bruno Costa")
CHIARA = _agent("chiara@sandbox.example", "Chiara Rossi")
DMITRI = _agent("dmitri@sandbox.example", "Dmitri Volkov")
EMEKA = _agent("emeka@sandbox.example", "Emeka Obi")
FATIMA = _agent("fatima@sandbox.example", "Fatima Zahra")
AGENTS = (ADMIN, AGNES, BRUNO, CHIARA, DMITRI, EMEKA, FATIMA)
# Who logs work on each project's issues.
TEAMS = {
    ITSD.id: (AGNES, BRUNO, CHIARA, DMITRI),
    SUP.id: (CHIARA, DMITRI, EMEKA, FATIMA),
    PLAT.id: (BRUNO, EMEKA, ADMIN),
}

SUMMARIES = {
    ITSD.id: (
        "Cannot connect to the VPN from home",
        "Laptop replacement: battery swollen",
        "Request access to the finance share",
        "Printer on the third floor jams on every job",
        "E-mail not syncing on my phone",
        "New starter setup for the sales team",
        "Password reset for the HR portal",
        "Monitor flickers after docking",
        "Install Visio on my workstation",
        "Wi-Fi drops in meeting room B",
        "Shared calendar permissions for the board",
        "MFA device lost, need a new enrolment",
        "Outlook keeps asking for the password",
        "Teams calls have no audio",
        "Offboarding: disable accounts of a leaver",
        "Phishing e-mail reported by several users",
        "Disk almost full on the file server",
        "Request a second monitor",
        "SharePoint site for the new project",
        "Slow network drive in the branch office",
    ),
    SUP.id: (
        "Invoice shows the wrong VAT rate",
        "CSV export fails for large reports",
        "API returns 500 on the orders endpoint",
        "How do I add a user to our account?",
        "Feature request: dark mode in the dashboard",
        "Webhook deliveries are delayed by hours",
        "Single sign-on stopped working after the update",
        "Data import: duplicate customers created",
        "Report totals differ from the invoice",
        "Cannot upload attachments larger than 10 MB",
        "Change the billing contact",
        "Mobile app crashes on start",
        "Scheduled report e-mails not arriving",
        "Question about the new pricing plan",
        "Search results are missing recent items",
        "Request a copy of our data (GDPR)",
        "Custom field values lost after migration",
        "Dashboard loads very slowly",
        "Two-factor codes are rejected",
        "Integration with our CRM is out of sync",
    ),
    PLAT.id: (
        "Upgrade the database driver",
        "Flaky integration test in the billing module",
        "Add request tracing to the API gateway",
        "Rotate the staging certificates",
        "Reduce the Docker image size",
        "Migrate the job queue to the new cluster",
        "Document the deployment runbook",
        "Alert when the disk usage passes 80 %",
    ),
}
# A suffix sometimes added to a summary, so that hundreds of requests do not all repeat.
SUMMARY_DETAILS = (
    "",
    "",
    "",
    " (urgent)",
    " again",
    " since Monday",
    " for several users",
    " after the latest update",
)

WORKLOG_TEXTS = {
    ITSD.id: (
        "Remote session with the user",
        "Checked the logs and the configuration",
        "Reinstalled the client software",
        "Replaced the hardware and tested",
        "Updated permissions and verified access",
        "Called the user to confirm the fix",
        "Escalated to the network team",
        "Documented the workaround in the knowledge base",
    ),
    SUP.id: (
        "Reproduced the problem on staging",
        "Analysed the customer's data",
        "Answered the customer's questions",
        "Call with the customer",
        "Prepared a fix and tested it",
        "Wrote the release note for the fix",
        "Reviewed the account settings with the customer",
        "Investigated the integration logs",
    ),
    PLAT.id: (
        "Implementation",
        "Code review",
        "Pairing session",
        "Testing on staging",
    ),
}
JIRA_ONLY_TEXT = "Quick call, logged in Jira only"


# -- Who the demo is made of, as one value ------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """The projects, organizations and people of one shape of the demo, and their texts."""

    projects: tuple[DemoProject, ...]
    service_desks: tuple[DemoProject, ...]
    organizations: tuple[DemoOrganization, ...]
    customers: tuple[Person, ...]
    agents: tuple[Person, ...]
    teams: dict[int, tuple[Person, ...]]
    summaries: dict[int, tuple[str, ...]]
    worklog_texts: dict[int, tuple[str, ...]]
    # How often each service desk gets a request; None: the demo's own draw (ITSD 55 %, SUP
    # the rest), which the demo's identity depends on.
    desk_weights: tuple[float, ...] | None = None


DEMO_CAST = Cast(
    projects=PROJECTS,
    service_desks=SERVICE_DESKS,
    organizations=ORGANIZATIONS,
    customers=CUSTOMERS,
    agents=AGENTS,
    teams=TEAMS,
    summaries=SUMMARIES,
    worklog_texts=WORKLOG_TEXTS,
)

# The large benchmark shape (docs/product.md §8, 500,000 worklogs): eight more service desks
# and 47 more organizations of three customers each, after the demo's own.
_MORE_DESKS = (
    ("HR", "People Services"),
    ("FAC", "Facilities"),
    ("FIN", "Finance Help"),
    ("LEG", "Legal Requests"),
    ("SEC", "Security Desk"),
    ("DATA", "Data Requests"),
    ("OPS", "Operations"),
    ("MKT", "Marketing Support"),
)
_COMPANY_WORDS = (
    "Northwind",
    "Umbrella",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
    "Oscorp",
    "Massive",
    "Gringotts",
    "Stark",
    "Wayne",
    "Duff",
    "Monarch",
    "Aperture",
)
_COMPANY_KINDS = ("Industries", "Labs", "Group")
_FIRST_NAMES = (
    "Ada", "Ben", "Cleo", "Dev", "Eva", "Finn", "Gia", "Hugo", "Iris", "Jack", "Kai", "Lena",
    "Mia", "Nils", "Olga", "Paul", "Rosa", "Sven", "Tara", "Uma", "Vera", "Will", "Yara", "Zoe",
)  # fmt: skip
_LAST_NAMES = (
    "Adler", "Brandt", "Costa", "Dahl", "Eriksen", "Ferrari", "Gómez", "Haas", "Ito", "Jansen",
    "Kowalski", "Lind", "Moreau", "Novak", "Olsen", "Petrov", "Quist", "Ruiz", "Sato", "Tan",
)  # fmt: skip
LARGE_DESKS = 10
LARGE_ORGANIZATIONS = 50
MEMBERS_PER_MORE_ORGANIZATION = 3


def large_cast() -> Cast:
    """The demo's cast with 10 service desks and 50 organizations. ITSD and SUP stay the
    busiest desks (35 % and 25 % of the requests), the other eight share the rest."""
    more_desks = tuple(
        DemoProject(10003 + n, key, name, service_desk_id=3 + n)
        for n, (key, name) in enumerate(_MORE_DESKS[: LARGE_DESKS - len(SERVICE_DESKS)])
    )
    names = [f"{word} {kind}" for kind in _COMPANY_KINDS for word in _COMPANY_WORDS]
    more_orgs = tuple(
        DemoOrganization(n, names[n - len(ORGANIZATIONS) - 1], f"ORG{n:02d}")
        for n in range(len(ORGANIZATIONS) + 1, LARGE_ORGANIZATIONS + 1)
    )
    more_customers = []
    for org in more_orgs:
        domain = org.name.split()[0].lower() + f"{org.id}.example"
        for place in range(MEMBERS_PER_MORE_ORGANIZATION):
            n = org.id * MEMBERS_PER_MORE_ORGANIZATION + place
            first = _FIRST_NAMES[n % len(_FIRST_NAMES)]
            last = _LAST_NAMES[(n // len(_FIRST_NAMES) + n) % len(_LAST_NAMES)]
            more_customers.append(_customer(f"{first.lower()}@{domain}", f"{first} {last}", org))
    # The new desks take turns with ITSD's and SUP's teams and texts.
    like = {desk.id: SERVICE_DESKS[n % 2].id for n, desk in enumerate(more_desks)}
    desks = (*SERVICE_DESKS, *more_desks)
    return Cast(
        projects=(*PROJECTS, *more_desks),
        service_desks=desks,
        organizations=(*ORGANIZATIONS, *more_orgs),
        customers=(*CUSTOMERS, *more_customers),
        agents=AGENTS,
        teams={**TEAMS, **{d: TEAMS[source] for d, source in like.items()}},
        summaries={**SUMMARIES, **{d: SUMMARIES[source] for d, source in like.items()}},
        worklog_texts={**WORKLOG_TEXTS, **{d: WORKLOG_TEXTS[s] for d, s in like.items()}},
        desk_weights=(0.35, 0.25, *[0.4 / len(more_desks)] * len(more_desks)),
    )
