"""Collectives and point-to-point messages on tensors, in place, as torch.distributed.

Each tensor's NumPy array goes to MPI as a buffer, without pickling or copies, except where
PyTorch's API takes a list of separate tensors (all_gather, gather, scatter): those go through
one contiguous array. `async_op=True` starts MPI's non-blocking form and returns a Work to
`wait()` on.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

import numpy as np

from ..tensor import Tensor
from .process_group import ProcessGroup, mpi, peer_rank, resolve

__all__ = [
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "all_to_all_single",
    "barrier",
    "broadcast",
    "gather",
    "irecv",
    "isend",
    "recv",
    "reduce",
    "reduce_scatter_tensor",
    "scatter",
    "send",
]


class ReduceOp(enum.Enum):
    """torch.distributed.ReduceOp. AVG is a SUM divided by the group's size (floating point)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


class Work:
    """An operation started with async_op=True (or isend/irecv): `wait()` blocks until it is
    done and its result is in the tensors."""

    def __init__(self, request, finish: Callable[[], None] | None = None) -> None:
        self._request = request
        self._finish = finish
        self._done = False
        self._source = None

    def wait(self, timeout=None) -> bool:
        """Block until the operation is done and its result written into the output tensor;
        returns True. `timeout` is accepted for PyTorch's signature and ignored."""
        if not self._done:
            status = mpi().Status()
            self._request.Wait(status)
            self._source = status.Get_source()
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation is done, without blocking (it also lets MPI make progress on
        it); the result is in place once it is."""
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()


def _array(tensor, op: str, name: str = "tensor") -> np.ndarray:
    """The tensor's array, which MPI reads and writes in place."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(tensor).__name__}")
    arr = tensor._data
    if not arr.flags.c_contiguous or not arr.flags.writeable:
        raise RuntimeError(f"{op}: Tensors must be contiguous (and writable); call "
                           f".contiguous() on {name} of shape {tuple(arr.shape)}")
    return arr


def _arrays(tensors: Sequence, count: int, like: np.ndarray, op: str, name: str) -> list:
    if not isinstance(tensors, (list, tuple)) or len(tensors) != count:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{op}: {name} must be a list of {count} tensors (one per rank), "
                         f"got {got}")
    arrays = [_array(t, op, name) for t in tensors]
    for a in arrays:
        if a.shape != like.shape or a.dtype != like.dtype:
            raise ValueError(f"{op}: every tensor in {name} must have shape {like.shape} and "
                             f"dtype {like.dtype}, got {a.shape} {a.dtype}")
    return arrays


def _mpi_op(op, dtype: np.dtype, opname: str):
    MPI = mpi()
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{opname}: op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and dtype.kind != "f":
        raise ValueError(f"{opname}: ReduceOp.AVG needs a floating-point tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "iub":
        raise ValueError(f"{opname}: ReduceOp.{op.name} needs an integer or bool tensor, "
                         f"got {dtype}")
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


def _divide_for_avg(op, arr: np.ndarray, size: int) -> Callable[[], None] | None:
    if op is not ReduceOp.AVG:
        return None

    def divide() -> None:
        np.divide(arr, size, out=arr)

    return divide


def _start(blocking: Callable, nonblocking: Callable, async_op: bool, finish=None,
           op: str = "") -> Work | None:
    """Run one MPI call: blocking and then `finish`, or non-blocking with a Work."""
    MPI = mpi()
    try:
        if async_op:
            return Work(nonblocking(), finish)
        blocking()
    except (MPI.Exception, KeyError, TypeError) as e:  # an array dtype MPI has no type for
        raise RuntimeError(f"{op}: MPI failed: {e}") from None
    if finish is not None:
        finish()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `tensor` across the ranks of `group`; every rank gets the result in place."""
    pg = resolve(group, "all_reduce")
    if pg is None:
        return None
    arr = _array(tensor, "all_reduce")
    mpi_op = _mpi_op(op, arr.dtype, "all_reduce")
    IN_PLACE = mpi().IN_PLACE
    return _start(lambda: pg._comm.Allreduce(IN_PLACE, arr, mpi_op),
                  lambda: pg._comm.Iallreduce(IN_PLACE, arr, mpi_op), async_op,
                  _divide_for_avg(op, arr, pg.size()), "all_reduce")


def broadcast(tensor, src: int | None = None, group=None, async_op: bool = False,
              group_src: int | None = None):
    """Copy `tensor` of rank `src` into `tensor` on every rank."""
    pg = resolve(group, "broadcast")
    if pg is None:
        return None
    root = peer_rank(pg, src, group_src, "src", "broadcast")
    arr = _array(tensor, "broadcast")
    return _start(lambda: pg._comm.Bcast(arr, root), lambda: pg._comm.Ibcast(arr, root),
                  async_op, op="broadcast")


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """Reduce `tensor` across the ranks; only rank `dst` gets the result, in place."""
    pg = resolve(group, "reduce")
    if pg is None:
        return None
    root = peer_rank(pg, dst, group_dst, "dst", "reduce")
    arr = _array(tensor, "reduce")
    mpi_op = _mpi_op(op, arr.dtype, "reduce")
    is_root = pg.rank() == root
    send = mpi().IN_PLACE if is_root else arr
    recv = arr if is_root else None
    finish = _divide_for_avg(op, arr, pg.size()) if is_root else None
    return _start(lambda: pg._comm.Reduce(send, recv, mpi_op, root),
                  lambda: pg._comm.Ireduce(send, recv, mpi_op, root), async_op, finish, "reduce")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """Concatenate (dim 0) or stack every rank's `input_tensor` into `output_tensor`."""
    pg = resolve(group, "all_gather_into_tensor")
    if pg is None:
        return None
    out = _array(output_tensor, "all_gather_into_tensor", "output_tensor")
    inp = _array(input_tensor, "all_gather_into_tensor", "input_tensor")
    if out.size != inp.size * pg.size() or out.dtype != inp.dtype:
        raise ValueError(f"all_gather_into_tensor: output_tensor {out.shape} {out.dtype} must "
                         f"hold {pg.size()} copies of input_tensor {inp.shape} {inp.dtype}")
    return _start(lambda: pg._comm.Allgather(inp, out), lambda: pg._comm.Iallgather(inp, out),
                  async_op, op="all_gather_into_tensor")


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """Every rank's `tensor` into `tensor_list` (one tensor per rank), on every rank."""
    pg = resolve(group, "all_gather")
    if pg is None:
        return None
    inp = _array(tensor, "all_gather")
    outs = _arrays(tensor_list, pg.size(), inp, "all_gather", "tensor_list")
    gathered = np.empty((pg.size(), *inp.shape), inp.dtype)

    def scatter_rows() -> None:
        for out, row in zip(outs, gathered):
            out[...] = row

    return _start(lambda: pg._comm.Allgather(inp, gathered),
                  lambda: pg._comm.Iallgather(inp, gathered), async_op, scatter_rows,
                  "all_gather")


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce `input` across the ranks and give rank i the i-th block of dim 0 in `output`."""
    pg = resolve(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    out = _array(output, "reduce_scatter_tensor", "output")
    inp = _array(input, "reduce_scatter_tensor", "input")
    if inp.size != out.size * pg.size() or out.dtype != inp.dtype:
        raise ValueError(f"reduce_scatter_tensor: input {inp.shape} {inp.dtype} must hold "
                         f"{pg.size()} blocks of output {out.shape} {out.dtype}")
    mpi_op = _mpi_op(op, out.dtype, "reduce_scatter_tensor")
    return _start(lambda: pg._comm.Reduce_scatter_block(inp, out, mpi_op),
                  lambda: pg._comm.Ireduce_scatter_block(inp, out, mpi_op), async_op,
                  _divide_for_avg(op, out, pg.size()), "reduce_scatter_tensor")


def gather(tensor, gather_list=None, dst: int | None = None, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """Every rank's `tensor` into `gather_list` on rank `dst` (default 0)."""
    pg = resolve(group, "gather")
    if pg is None:
        return None
    root = peer_rank(pg, 0 if dst is None and group_dst is None else dst, group_dst, "dst",
                 "gather")
    inp = _array(tensor, "gather")
    is_root = pg.rank() == root
    if is_root:
        outs = _arrays(gather_list, pg.size(), inp, "gather", "gather_list")
        gathered = np.empty((pg.size(), *inp.shape), inp.dtype)
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    else:
        outs, gathered = [], None

    def scatter_rows() -> None:
        for out, row in zip(outs, gathered):
            out[...] = row

    return _start(lambda: pg._comm.Gather(inp, gathered, root),
                  lambda: pg._comm.Igather(inp, gathered, root), async_op,
                  scatter_rows if is_root else None, "gather")


def scatter(tensor, scatter_list=None, src: int | None = None, group=None,
            async_op: bool = False, group_src: int | None = None):
    """Rank `src` (default 0) sends `scatter_list[i]` to rank i, into its `tensor`."""
    pg = resolve(group, "scatter")
    if pg is None:
        return None
    root = peer_rank(pg, 0 if src is None and group_src is None else src, group_src, "src",
                 "scatter")
    out = _array(tensor, "scatter")
    if pg.rank() == root:
        packed = np.stack(_arrays(scatter_list, pg.size(), out, "scatter", "scatter_list"))
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    else:
        packed = None
    return _start(lambda: pg._comm.Scatter(packed, out, root),
                  lambda: pg._comm.Iscatter(packed, out, root), async_op, op="scatter")


def _split_counts(split_sizes, arr: np.ndarray, size: int, name: str):
    """Element counts and offsets per rank for splits of dim 0 (equal splits when None)."""
    rows = arr.shape[0] if arr.ndim else 1
    if split_sizes is None:
        if rows % size:
            raise ValueError(f"all_to_all_single: dim 0 of {name} ({rows}) must divide by the "
                             f"group size {size} when no split sizes are given")
        split_sizes = [rows // size] * size
    split_sizes = [int(s) for s in split_sizes]
    if len(split_sizes) != size or sum(split_sizes) != rows or min(split_sizes) < 0:
        raise ValueError(f"all_to_all_single: {name}_split_sizes {split_sizes} must give "
                         f"{size} non-negative sizes adding up to dim 0 of {name} ({rows})")
    row = arr.size // rows if rows else 0
    counts = [s * row for s in split_sizes]
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int).tolist()
    return counts, offsets


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op: bool = False):
    """Split `input` along dim 0, send piece i to rank i, and concatenate what arrives in
    rank order into `output`."""
    pg = resolve(group, "all_to_all_single")
    if pg is None:
        return None
    out = _array(output, "all_to_all_single", "output")
    inp = _array(input, "all_to_all_single", "input")
    if out.dtype != inp.dtype:
        raise ValueError(f"all_to_all_single: output ({out.dtype}) and input ({inp.dtype}) "
                         "must have one dtype")
    send = [inp, _split_counts(input_split_sizes, inp, pg.size(), "input")]
    recv = [out, _split_counts(output_split_sizes, out, pg.size(), "output")]
    return _start(lambda: pg._comm.Alltoallv(send, recv), lambda: pg._comm.Ialltoallv(send, recv),
                  async_op, op="all_to_all_single")


def barrier(group=None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank of `group` has reached the barrier."""
    pg = resolve(group, "barrier")
    if pg is None:
        return None
    return _start(pg._comm.Barrier, pg._comm.Ibarrier, async_op, op="barrier")


def _point_to_point(pg: ProcessGroup, peer: int, op: str, name: str) -> None:
    if peer == pg.rank():
        raise ValueError(f"{op}: Invalid {name} rank: should not be the same as rank of the "
                         "current process.")


def isend(tensor, dst: int | None = None, group=None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending `tensor` to rank `dst`; the Work's wait() returns once it is sent."""
    pg = resolve(group, "isend")
    if pg is None:
        return None
    peer = peer_rank(pg, dst, group_dst, "dst", "isend")
    _point_to_point(pg, peer, "isend", "destination")
    arr = _array(tensor, "isend")
    return _start(None, lambda: pg._comm.Isend(arr, peer, tag), True, op="isend")


def send(tensor, dst: int | None = None, group=None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send `tensor` to rank `dst` (which calls recv)."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def irecv(tensor, src: int | None = None, group=None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into `tensor` from rank `src` (any rank when None)."""
    pg = resolve(group, "irecv")
    if pg is None:
        return None
    if src is None and group_src is None:
        peer = mpi().ANY_SOURCE
    else:
        peer = peer_rank(pg, src, group_src, "src", "irecv")
        _point_to_point(pg, peer, "irecv", "source")
    arr = _array(tensor, "irecv")
    return _start(None, lambda: pg._comm.Irecv(arr, peer, tag), True, op="irecv")


def recv(tensor, src: int | None = None, group=None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into `tensor` from rank `src` (any rank when None); returns the sender's
    global rank."""
    pg = resolve(group, "recv")
    if pg is None:
        return -1
    work = irecv(tensor, src, pg, tag, group_src)
    work.wait()
    return pg._ranks[work._source]
