"""state_dict and load_state_dict hooks, and Module.set_submodule, against PyTorch's: which
hooks run in which order with what arguments, what they may change, removal by handle, and
errors."""

from __future__ import annotations

import re

import pytest
from parity_helpers import outcome

import ember


def _net(m):
    return m.nn.Sequential(m.nn.Linear(2, 2), m.nn.Sequential(m.nn.Linear(2, 1)))


def _state_dict_hooks(m):
    net, log = _net(m), []
    net.register_state_dict_pre_hook(
        lambda mod, prefix, keep_vars: log.append(("pre", type(mod).__name__, prefix, keep_vars)))
    net[1][0].register_state_dict_pre_hook(
        lambda mod, prefix, keep_vars: log.append(("pre", type(mod).__name__, prefix)))
    removed = net[0].register_state_dict_pre_hook(lambda *args: log.append("removed"))
    removed.remove()

    def add_extra(mod, state, prefix, metadata):
        log.append(("post", type(mod).__name__, prefix, list(state), metadata))
        state[prefix + "extra"] = m.zeros(1)

    net[1].register_state_dict_post_hook(add_extra)
    net.register_state_dict_post_hook(
        lambda mod, state, prefix, metadata: log.append(("post", prefix, list(state))))
    keys = list(net.state_dict(keep_vars=True))
    return log, keys


def _load_state_dict_hooks(m):
    net, log = _net(m), []
    state = {k: v.detach() for k, v in _net(m).state_dict().items()}
    del state["1.0.bias"]
    state["1.0.old"] = m.zeros(1)

    def record(name):
        def hook(mod, incompatible):
            log.append((name, list(incompatible.missing_keys),
                        list(incompatible.unexpected_keys)))
        return hook

    net[0].register_load_state_dict_post_hook(record("0"))
    net[1][0].register_load_state_dict_post_hook(record("1.0"))

    def forgive(mod, incompatible):  # clears both lists in place: strict loading succeeds
        log.append(("root", list(incompatible.missing_keys)))
        incompatible.missing_keys.clear()
        incompatible.unexpected_keys.clear()

    handle = net.register_load_state_dict_post_hook(forgive)
    result = net.load_state_dict(state)
    log.append(repr(result))
    handle.remove()
    log.append(outcome(lambda: net.load_state_dict(state))[0].__name__)
    return log


@pytest.mark.parametrize("scenario", [_state_dict_hooks, _load_state_dict_hooks])
def test_state_dict_hooks_match_torch(torch, scenario):
    ours, theirs = scenario(ember), scenario(torch)
    assert ours == theirs


def test_hooks_returning_values_raise_like_torch(torch):
    for m in (ember, torch):
        net = _net(m)
        net.register_state_dict_post_hook(lambda *args: {})
        with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
            net.state_dict()
        net = _net(m)
        net[0].register_load_state_dict_post_hook(lambda *args: 1)
        with pytest.raises(AssertionError, match="are not expected to return new values"):
            net.load_state_dict(_net(m).state_dict())


def _set_submodule(m):
    net = _net(m)
    net.set_submodule("1.0", m.nn.Linear(2, 3))
    net.set_submodule("extra", m.nn.ReLU())
    errors = []
    for target, value, strict in [("", m.nn.ReLU(), False), ("1.0", 3, False),
                                  ("0.weight", m.nn.ReLU(), False), ("1.5", m.nn.ReLU(), True),
                                  ("9.0", m.nn.ReLU(), False)]:
        try:
            net.set_submodule(target, value, strict=strict)
            errors.append("no error")
        except (ValueError, AttributeError) as e:
            errors.append((type(e).__name__, str(e).replace("torch.", "ember.")))
    return re.sub(r"\s+", " ", repr(net)), errors


def test_set_submodule_matches_torch(torch):
    assert _set_submodule(ember) == _set_submodule(torch)
