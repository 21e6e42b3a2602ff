"""Named automation: robots, CI and notifiers that say what they are in a name or local part.

Matching is on whole word tokens (split at anything not a letter or digit), never substrings,
so Abbott, Talbot, Bottomley, Cibola or Lucia are people. Words that are also surnames or
given names (Jenkins, Travis, Build, CI…) only count in pairs: `Jenkins CI` is a machine,
`Mary Jenkins` a person.
"""

from __future__ import annotations

import re

#: One of these alone names a machine.
STRONG = frozenset(
    [
        "robot",
        "robots",
        "bot",
        "bots",
        "buildbot",
        "autobuilder",
        "syzbot",
        "dependabot",
        "renovatebot",
        "mergify",
        "notifier",
        "notifications",
        "automation",
        "automailer",
        "cron",
        "crond",
        "daemon",
        "patchwork",
        "bugzilla",
        "gerrit",
        "zuul",
        "kernelci",
        "buildkite",
        "circleci",
        "teamcity",
        "appveyor",
        "sonarcloud",
        "codecov",
        "coverity",
    ]
)
#: These count only two at a time (each is also a person's name or an everyday word).
WEAK = frozenset(
    [
        "ci",
        "build",
        "builds",
        "builder",
        "jenkins",
        "travis",
        "hudson",
        "bamboo",
        "test",
        "tests",
        "testing",
        "nightly",
        "kernel",
        "linux",
        "monitor",
        "monitoring",
        "alert",
        "alerts",
        "pipeline",
        "pipelines",
        "deploy",
        "release",
        "qa",
        "lkp",
        "git",
        "gitlab",
        "github",
        "bitbucket",
        "jira",
        "checker",
        "scanner",
        "tracker",
        "status",
    ]
)
_TOKEN = re.compile(r"[^0-9a-z]+")
#: Separators of a local part, turned into spaces for a plain `split` (the fast path).
_SEPARATORS = str.maketrans(dict.fromkeys(".-_+=~!#$%&'*/?^`{|}[]()", " "))


def tokens(text: str) -> set[str]:
    return {t for t in _TOKEN.split(text.lower()) if t}


def automation_words(*texts: str) -> list[str]:
    """The words that mark these texts (display names, a local part) as a machine, or []."""
    found: set[str] = set()
    for text in texts:
        found |= tokens(text)
    return _verdict(found)


_WORDS = STRONG | WEAK


def local_automation_words(local: str) -> list[str]:
    """`automation_words` for one lower-case local part (one split, one set probe)."""
    found = local.split(".") if local.replace(".", "").isalnum() else _TOKEN.split(local)
    if _WORDS.isdisjoint(found):
        return []
    return _verdict(set(found))


def _verdict(found: set[str]) -> list[str]:
    strong = sorted(found & STRONG)
    if strong:
        return strong
    weak = sorted(found & WEAK)
    return weak if len(weak) >= 2 else []
