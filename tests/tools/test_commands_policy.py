"""The approval policy of run_command: deny wins, every part of a compound command must be allowed."""

from __future__ import annotations

import pytest

from qwen_tui.tools.command_policy import CommandPolicy, split_command

POLICY = CommandPolicy(allow=("pytest*", "git status", "git diff*", "echo*"), deny=("rm *", "git push*"))


@pytest.mark.parametrize(
    ("command", "decision"),
    [
        ("pytest -q tests", "allow"),
        ("git status", "allow"),
        ("git  diff  --stat", "allow"),
        ("pytest 2>&1", "allow"),
        ("pytest > /dev/null 2>&1", "allow"),
        ('echo "a;b && c"', "allow"),  # quoted operators are arguments
        ("git status --short", "ask"),  # "git status" is exact
        ("ls", "ask"),
        ("pytest | tee log", "ask"),
        ("(cd sub && pytest)", "ask"),
        ('echo "unbalanced', "ask"),
        ("pytest > ~/.bashrc", "ask"),  # a redirection to a file needs a pattern with ">"
        ("$CMD -x", "ask"),
        ("rm -rf build", "deny"),
        ("git push --force", "deny"),
        ("", "deny"),
    ],
)
def test_simple_commands(command: str, decision: str) -> None:
    assert POLICY.decide(command) == decision


@pytest.mark.parametrize(
    "command",
    [
        "pytest && rm -rf /",
        "pytest; rm -rf /",
        "pytest || rm -rf /",
        "pytest | rm -rf /",
        "pytest & rm -rf /",
        "pytest\nrm -rf /",
        'echo "$(rm -rf /)"',
        "echo `rm -rf /`",
        "diff <(rm -rf x) y",
        "{ rm -rf x; }",
        "sudo rm -rf /",
        "FOO=1 rm -rf x",
        "/bin/rm -rf x",
        "git status; git push origin main",
    ],
)
def test_compound_commands_with_a_denied_part_are_denied(command: str) -> None:
    assert POLICY.decide(command) == "deny"


@pytest.mark.parametrize("command", ["pytest && ls", "echo $(whoami)", "pytest; make", "echo `id`"])
def test_compound_commands_with_an_unlisted_part_are_asked(command: str) -> None:
    assert POLICY.decide(command) == "ask"


def test_split_replaces_substitutions_and_keeps_their_insides() -> None:
    split = split_command('echo "x $(date +%s) y" && pytest -q')
    assert [p.text for p in split.parts] == ["date +%s", 'echo "x $() y"', "pytest -q"]
    assert split.readable


def test_session_patterns_allow_and_deny_still_wins() -> None:
    policy = CommandPolicy(allow=(), deny=("rm *",))
    assert policy.decide("make test") == "ask"
    assert policy.propose_patterns("make test") == ["make test*"]
    policy.allow_for_session("make test*")
    assert policy.decide("make test -j2") == "allow"
    policy.allow_for_session("rm*")
    assert policy.decide("rm -rf x") == "deny"


@pytest.mark.parametrize(
    ("command", "proposals"),
    [
        ("make -j2 test", ["make*"]),
        ("git log --oneline", ["git log*"]),
        ("python -m pytest -q", ["python -m pytest*"]),
        ("ls -la && wc -l x", ["ls*", "wc*"]),
        ("pytest && cat x > out", []),  # pytest is allowed already; the redirect cannot be covered
        ("FOO=1 make", []),
        ("rm -rf x", []),  # never propose what deny refuses
    ],
)
def test_proposed_patterns(command: str, proposals: list[str]) -> None:
    assert POLICY.propose_patterns(command) == proposals


def test_timeout_for_uses_the_models_request_when_sane() -> None:
    policy = CommandPolicy(timeout=30)
    assert policy.timeout_for(None) == 30
    assert policy.timeout_for(5) == 5
    assert policy.timeout_for(-1) == 30
    assert policy.timeout_for(True) == 30
    assert policy.timeout_for(10**9) == 3600
