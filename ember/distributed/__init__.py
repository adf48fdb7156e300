"""ember.distributed: torch.distributed's API on MPI (mpi4py), for data-parallel training.

    mpiexec -n 4 python train.py        # each process: init_process_group("mpi"), then DDP

Needs the optional extra: `pip install 'ember[distributed]'` (mpi4py and mpich from pip).
Without it, `is_available()` is False and the rest of ember works as before.
"""

from .collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all_single,
    barrier,
    broadcast,
    gather,
    irecv,
    isend,
    recv,
    reduce,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .objects import all_gather_object, broadcast_object_list
from .process_group import (
    Backend,
    GroupMember,
    ProcessGroup,
    destroy_process_group,
    get_backend,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    new_group,
)
