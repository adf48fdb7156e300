"""Process groups on MPI: init_process_group, new_group, ranks and sizes (torch.distributed).

Ranks and the world size come from MPI (`mpiexec -n N python train.py`); a script started
without a launcher is a world of one. A group is an MPI communicator over some of the ranks;
collectives on it go straight to that communicator.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import warnings

__all__ = [
    "Backend",
    "GroupMember",
    "ProcessGroup",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "new_group",
]

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")
_MISSING_MPI = ("ember.distributed needs mpi4py and an MPI library: "
                "pip install 'ember[distributed]' (mpi4py and mpich)")


class Backend(str):
    """Backend names, as torch.distributed.Backend; ember has one, MPI."""

    MPI = "mpi"

    def __new__(cls, name: str):
        if not isinstance(name, str) or name.lower() != cls.MPI:
            raise ValueError(f"Invalid backend: {name!r}; ember.distributed runs on MPI only "
                             "(backend='mpi')")
        return str.__new__(cls, cls.MPI)


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator, and the global ranks
    of its members in group-rank order."""

    def __init__(self, comm, ranks: list[int]) -> None:
        self._comm = comm
        self._ranks = ranks

    def rank(self) -> int:
        """This process's rank in the group, 0 to size() - 1."""
        return self._comm.Get_rank()

    def size(self) -> int:
        """The number of processes in the group."""
        return self._comm.Get_size()

    def group_rank(self, global_rank: int) -> int:
        """The rank within this group of a global rank (ValueError when not a member)."""
        try:
            return self._ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"The global rank {global_rank} is not part of the group with "
                             f"ranks {self._ranks}") from None

    def __repr__(self) -> str:
        return f"ProcessGroup(backend='mpi', ranks={self._ranks})"


class _NonGroupMember:
    def __repr__(self) -> str:
        return "GroupMember.NON_GROUP_MEMBER"


class GroupMember:
    """torch.distributed.GroupMember: WORLD is the default group once initialized;
    NON_GROUP_MEMBER is what new_group returns on ranks outside the new group."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = _NonGroupMember()


group = GroupMember  # torch.distributed.group.WORLD


class _State:
    timeout: datetime.timedelta | None = None
    groups: list[ProcessGroup] = []


def is_available() -> bool:
    """Whether mpi4py is installed (`pip install 'ember[distributed]'`)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_mpi_available() -> bool:
    """Whether the MPI backend can be used (mpi4py and an MPI library are installed)."""
    return is_available()


def is_initialized() -> bool:
    """Whether init_process_group has created the default group (and it is not destroyed)."""
    return GroupMember.WORLD is not None


def mpi():
    """The mpi4py.MPI module; importing it initializes MPI (once per process)."""
    if not is_available():
        raise RuntimeError(_MISSING_MPI)
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as e:  # mpi4py without a loadable MPI library
        raise RuntimeError(f"{_MISSING_MPI}; importing mpi4py.MPI failed: {e}") from None
    return MPI


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the default process group: every process that `mpiexec` started.

    The rank and world size come from MPI. `world_size` and `rank`, and the `RANK` and
    `WORLD_SIZE` environment variables of the env:// convention, are accepted when they agree
    with MPI's; a disagreement is a ValueError (the job was launched other than its author
    meant). `timeout` is recorded; MPI itself does not time out a collective, but a rank that
    dies ends the whole job under `mpiexec`.
    """
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    Backend("mpi" if backend is None else backend)
    if store is not None:
        raise ValueError("ember.distributed takes ranks from MPI; a store cannot be used")
    if init_method is not None and not str(init_method).startswith(
            ("env://", "tcp://", "file://")):
        raise ValueError(f"init_process_group: unsupported init_method {init_method!r}")
    MPI = mpi()
    comm = MPI.COMM_WORLD
    checks = (("rank", rank, comm.Get_rank()), ("world_size", world_size, comm.Get_size()),
              ("RANK", os.environ.get("RANK"), comm.Get_rank()),
              ("WORLD_SIZE", os.environ.get("WORLD_SIZE"), comm.Get_size()))
    for source, claimed, actual in checks:
        if claimed not in (None, -1, "") and int(claimed) != actual:
            raise ValueError(f"init_process_group: {source}={claimed} but MPI says {actual}; "
                             f"launch with `mpiexec -n N` and leave {source} unset")
    _State.timeout = timeout
    world = ProcessGroup(comm.Dup(), list(range(comm.Get_size())))
    _State.groups = [world]
    GroupMember.WORLD = world


def default_group() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return GroupMember.WORLD


def resolve(group, op: str) -> ProcessGroup | None:
    """The group a call runs on (the default one for None), or None on a rank outside it,
    after PyTorch's warning."""
    world = default_group()
    if group is None or group is world:
        return world
    if group is GroupMember.NON_GROUP_MEMBER:
        warnings.warn(f"Running {op} on global rank {world.rank()} which does not belong to "
                      "the given group.", stacklevel=3)
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{op}: group must be a ProcessGroup from new_group, got "
                        f"{type(group).__name__}")
    return group


def peer_rank(pg: ProcessGroup, global_rank, group_rank, name: str, op: str) -> int:
    """The group rank of a src/dst given either as a global rank or as a group rank."""
    if (global_rank is None) == (group_rank is None):
        raise ValueError(f"{op}: give exactly one of {name} (a global rank) and group_{name}")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"{op}: group_{name} {group_rank} is not in a group of "
                             f"{pg.size()} ranks")
        return group_rank
    return pg.group_rank(global_rank)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization: bool = False, group_desc=None, device_id=None,
              sort_ranks: bool = True):
    """A group of some of the ranks. Every rank of the default group must call it, with the
    same ranks; ranks outside get GroupMember.NON_GROUP_MEMBER."""
    world = default_group()
    if backend is not None:
        Backend(backend)
    size = world.size()
    members = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members.sort()
    bad = [r for r in members if not 0 <= r < size]
    if bad or len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks must be distinct and in [0, {size}), got {ranks}")
    comm = world._comm.Create(world._comm.Get_group().Incl(members))
    if comm == mpi().COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(comm, members)
    _State.groups.append(pg)
    return pg


def get_rank(group=None) -> int:
    """This process's rank in `group` (the default group when None); -1 outside it."""
    pg = default_group() if group is None else group
    if pg is GroupMember.NON_GROUP_MEMBER:
        return -1
    default_group()
    return pg.rank()


def get_world_size(group=None) -> int:
    """The number of ranks in `group` (the default group when None); -1 outside it."""
    pg = default_group() if group is None else group
    if pg is GroupMember.NON_GROUP_MEMBER:
        return -1
    default_group()
    return pg.size()


def get_backend(group=None) -> str:
    """The group's backend: always "mpi". Raises ValueError (PyTorch's message) before
    init_process_group."""
    default_group()
    return Backend.MPI


def destroy_process_group(group=None) -> None:
    """Leave `group`, or every group when None (ember.distributed can be initialized again)."""
    if GroupMember.WORLD is None:
        raise AssertionError("Process group cannot be None")
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    doomed = list(_State.groups) if group is None or group is GroupMember.WORLD else [group]
    for pg in doomed:
        if pg in _State.groups:
            _State.groups.remove(pg)
            pg._comm.Free()
    if group is None or group is GroupMember.WORLD:
        GroupMember.WORLD = None
