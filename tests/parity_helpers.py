"""Comparing what a call gives in ember and in PyTorch, a value or an exception."""

from __future__ import annotations


def outcome(fn):
    """("ok", fn()) or (the exception's type, None)."""
    try:
        return "ok", fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e), None


def same_kind(ours: tuple, theirs: tuple, what: str = "") -> bool:
    """Assert that ember failed where PyTorch failed, with the same kind of exception (or a
    subclass); returns whether both succeeded, so that the caller compares the values."""
    if theirs[0] == "ok":
        assert ours[0] == "ok", (what, ours)
        return True
    assert ours[0] != "ok" and issubclass(ours[0], theirs[0]), (what, ours, theirs)
    return False
