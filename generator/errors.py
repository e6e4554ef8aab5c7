"""Typed errors and warnings. Library code raises these; only the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is, what is wrong, what to do about it."""

    path: str
    line: int | None
    what: str
    todo: str
    key: str | None = None  # a key path inside a config file, e.g. "themes[3].id"

    def location(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.key}" if self.key else where

    def __str__(self) -> str:
        return f"{self.location()}: {self.what} — {self.todo}"


class DigestError(Exception):
    """A problem with user input that stops the build. Carries one or more problems."""

    def __init__(self, problems: Problem | list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DumpError(DigestError):
    """A dump file that cannot be used at all (not text, empty, no entries, bad name)."""

    def __init__(self, path: str, line: int | None, what: str, todo: str) -> None:
        super().__init__(Problem(path, line, what, todo))


class ConfigError(DigestError):
    """One or more problems in a configuration file, all reported at once."""


class BuildLockedError(DigestError):
    """Another build holds the output lock."""


@dataclass(frozen=True)
class Warning_:
    """A recoverable problem: the build goes on unless --strict."""

    path: str
    line: int | None
    what: str
    todo: str = ""

    def as_problem(self) -> Problem:
        return Problem(self.path, self.line, self.what, self.todo or "fix the entry or ignore")

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.what}" + (f" — {self.todo}" if self.todo else "")
