"""The domain's one exception hierarchy.

Every error a user can act on is a `BackendPlannerError` whose message says what is wrong and
where (file, line, field). Each face turns it into its own shape: the CLI prints the message and
exits 2, the MCP server raises it as a tool error, the language server shows it once with
`window/showMessage` and logs the details.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One violation at one place, e.g. place="tasks[2].dependencies[0]"."""

    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class BackendPlannerError(Exception):
    """Base of every error this product reports to a user."""

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def details(self) -> str:
        """The message followed by one line per problem."""
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class WorkspaceError(BackendPlannerError):
    """The workspace can't be analysed: missing path, not a directory, unreadable tree."""


class ConfigError(BackendPlannerError):
    """A configuration file or setting is invalid (the message names the file/field)."""


class RulesError(ConfigError):
    """A technology rules file is invalid."""


class PlanError(BackendPlannerError):
    """A plan can't be made or doesn't pass the planner skill's rules."""


class TaskBackendError(BackendPlannerError):
    """Base of task-backend errors."""


class ValidationFailed(TaskBackendError):
    """A request was refused; `problems` lists every violation with its place."""


class NotFound(TaskBackendError):
    """A task, skill or other object does not exist."""


class Conflict(TaskBackendError):
    """The request conflicts with stored state (bad status transition, idempotency key reuse)."""


class BackendUnavailable(TaskBackendError):
    """The task backend can't be reached or refused the connection."""
