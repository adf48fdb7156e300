"""all_gather_object and broadcast_object_list for small Python objects, sent as JSON.

PyTorch pickles these objects; ember never unpickles what another process sends, so only JSON
values travel: None, bool, int, float, str, and lists and str-keyed dicts of them. Anything
else (a tuple, a set, an array, a Tensor) is a TypeError before anything is sent, so a value
never comes back changed.
"""

from __future__ import annotations

import json

import numpy as np

from .process_group import peer_rank, resolve

__all__ = ["all_gather_object", "broadcast_object_list"]


def _check_json(obj, op: str, where: str = "obj") -> None:
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return
    if isinstance(obj, list):
        for i, item in enumerate(obj):
            _check_json(item, op, f"{where}[{i}]")
        return
    if isinstance(obj, dict):
        for key, item in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"{op}: {where} has a key {key!r} of type "
                                f"{type(key).__name__}; dict keys must be str")
            _check_json(item, op, f"{where}[{key!r}]")
        return
    raise TypeError(f"{op}: {where} is a {type(obj).__name__}; ember sends only JSON values "
                    "(None, bool, int, float, str, list, dict with str keys), never pickles")


def _encode(obj, op: str) -> np.ndarray:
    _check_json(obj, op)
    return np.frombuffer(json.dumps(obj).encode(), dtype=np.uint8)


def _decode(data: np.ndarray):
    return json.loads(data.tobytes().decode())


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Every rank's `obj` into `object_list` (of one entry per rank), on every rank."""
    pg = resolve(group, "all_gather_object")
    if pg is None:
        return
    if not isinstance(object_list, list) or len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must be a list of {pg.size()} "
                         "entries (one per rank)")
    data = _encode(obj, "all_gather_object")
    sizes = np.empty(pg.size(), np.int64)
    pg._comm.Allgather(np.array([len(data)], np.int64), sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    gathered = np.empty(offsets[-1], np.uint8)
    pg._comm.Allgatherv(data, [gathered, (sizes.tolist(), offsets[:-1])])
    for i in range(pg.size()):
        object_list[i] = _decode(gathered[offsets[i]:offsets[i + 1]])


def broadcast_object_list(object_list: list, src: int | None = None, group=None, device=None,
                          group_src: int | None = None) -> None:
    """Replace `object_list`'s entries on every rank with those of rank `src` (default 0)."""
    pg = resolve(group, "broadcast_object_list")
    if pg is None:
        return
    root = peer_rank(pg, 0 if src is None and group_src is None else src, group_src, "src",
                 "broadcast_object_list")
    if not isinstance(object_list, list):
        raise TypeError("broadcast_object_list: object_list must be a list")
    is_root = pg.rank() == root
    data = _encode(object_list, "broadcast_object_list") if is_root else None
    size = np.array([0 if data is None else len(data)], np.int64)
    pg._comm.Bcast(size, root)
    if not is_root:
        data = np.empty(int(size[0]), np.uint8)
    pg._comm.Bcast(data, root)
    received = _decode(data)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {root} sent {len(received)} objects but "
                         f"this rank's object_list has {len(object_list)} entries")
    object_list[:] = received
