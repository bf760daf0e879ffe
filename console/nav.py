"""The console's sections as data: the top navigation and the home page are drawn from this table.

A new section adds its row here (and its router to console/routes.py); each person sees only the rows
of their role, so a link never leads to a 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from debt.models import ConsoleRole, ConsoleUser

HOME = "/console"
EVERYONE = frozenset(ConsoleRole)


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[ConsoleRole]
    description: str  # one line on the home page


@dataclass(frozen=True)
class NavLink:
    label: str
    path: str
    description: str
    current: bool


NAV: tuple[NavItem, ...] = (
    NavItem("Home", HOME, EVERYONE, "Who you are and where to go."),
    NavItem(
        "Users",
        "/console/users",
        frozenset({ConsoleRole.ADMIN}),
        "Who may sign in to the console, and with which role.",
    ),
    NavItem(
        "Conversations",
        "/console/conversations",
        frozenset({ConsoleRole.ADVISOR, ConsoleRole.SUPERVISOR}),
        "Every transcript, filtered and searched; open one to read each turn beside the account.",
    ),
    NavItem(
        "Inbox",
        "/console/inbox",
        frozenset({ConsoleRole.ADVISOR, ConsoleRole.SUPERVISOR}),
        "Conversations handed to a person: take one over, answer it, hand it back.",
    ),
    NavItem(
        "Dashboard",
        "/console/dashboard",
        frozenset({ConsoleRole.SUPERVISOR}),
        "The figures of a period: right-party contacts, promises, handoffs and more.",
    ),
    NavItem(
        "Campaigns",
        "/console/campaigns",
        frozenset({ConsoleRole.SUPERVISOR}),
        "Progress of each campaign; pause, resume or cancel one.",
    ),
    NavItem(
        "Audit log",
        "/console/audit",
        frozenset({ConsoleRole.ADMIN, ConsoleRole.SUPERVISOR}),
        "Who did what, and who opened which conversation, when.",
    ),
)


def is_current(path: str, here: str) -> bool:
    if path == HOME:
        return here.rstrip("/") == HOME
    return here == path or here.startswith(path + "/")


def nav_for(user: ConsoleUser | None, here: str) -> list[NavLink]:
    """The sections `user` may open, the one at `here` marked current; none before signing in."""
    if user is None:
        return []
    return [
        NavLink(item.label, item.path, item.description, is_current(item.path, here))
        for item in NAV
        if user.role in item.roles
    ]
