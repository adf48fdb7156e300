"""Primitive Functions for convolution over 1 to 3 spatial dims (N, C, *spatial arrays).

Every op reads its input through one strided window view (ember.ops.windows), never a Python
loop over pixels. The geometry (kernel, stride, dilation, per-side padding, output size) arrives
already checked by ember.nn.functional.conv, which is also where PyTorch's argument rules live.
Sizes are tuples with one entry per spatial dim; padding is flat, (before, after) per dim in
order, so a 2-D one reads (top, bottom, left, right).

Convolution and ConvTranspose are each other's input gradient: the transposed convolution is
the adjoint of the convolution in its input, so each one's backward calls the other.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from .windows import (
    Col2im,
    Im2col,
    Pads,
    Sizes,
    col2im,
    conv_out_size,
    crop_spatial,
    im2col,
    kernel_offsets,
    pad_spatial,
    padded_shape,
    windows,
)

__all__ = ["Convolution", "ConvTranspose", "Im2col", "Col2im", "Separable2d", "windows",
           "pad_spatial", "crop_spatial", "padded_shape", "conv_out_size", "im2col"]

# Inputs with rows this short take ConvTranspose's spatial-major path (see there)
SHORT_ROWS = 8
# im2col columns are made a chunk of images at a time (see _column_chunks): about this many
# bytes of them (more for the weight gradient's GEMM, which sums over the chunk's positions), and
# at least this many positions (columns), so that each GEMM keeps a useful width.
CHUNK_BYTES = 2 << 20
WEIGHT_GRAD_CHUNK = 8 << 20
CHUNK_COLUMNS = 1024
# A convolution keeps its whole im2col matrix from forward for the weight gradient up to this
# size (as a cached matrix it is cheap to keep), and beyond it makes the columns twice, by chunks
KEPT_COLUMNS_BYTES = 16 << 20
# The stride-1 transposed convolution is a convolution (see _flipped_pads) up to this growth
FLIPPED_GROWTH = 1.2


def _channel_rows(t, groups: int):
    """An (N, C, *spatial) array or Tensor as (G, C/G, N*L): channels as rows, as im2col's
    columns are ordered. A copy for arrays (a zero-stride view from a broadcast gradient would
    keep NumPy's matmul away from BLAS); ascontiguousarray is not used on Tensors, as NumPy's
    array constructors do not dispatch on their argument."""
    rows = np.swapaxes(t, 0, 1)
    if isinstance(rows, np.ndarray):
        rows = np.ascontiguousarray(rows)
    return np.reshape(rows, (groups, t.shape[1] // groups, -1))


def _weight_grad(rows, cols, weight_shape: tuple):
    """The weight gradient rows @ cols.T, computed transposed as cols @ rows.T (OpenBLAS runs
    that shape ~10% faster, and only the small (K, O) result needs reordering)."""
    grad_t = np.matmul(cols, np.swapaxes(rows, 1, 2))  # (G, C/G*K, O/G)
    return np.reshape(np.swapaxes(grad_t, 1, 2), weight_shape)


def _correlate(weight: np.ndarray, cols: np.ndarray, n: int, out_size: Sizes,
               bias) -> np.ndarray:
    """The convolution's output (N, O, *out) from the im2col matrix (G, C/G*K, N*L)."""
    out = np.empty((n, weight.shape[0], *out_size), dtype=cols.dtype)
    _correlate_into(out, weight, cols, bias)
    return out


def _correlate_into(out: np.ndarray, weight: np.ndarray, cols: np.ndarray, bias) -> None:
    """out (n, O, *out_size) = the convolution of the images whose columns (G, C/G*K, n*L) are
    given. One image's product is written straight into out; several images' go through a
    product (O, n, L) that is copied, the bias add fused into the copy."""
    groups, n, o = cols.shape[0], out.shape[0], weight.shape[0]
    w_rows = weight.reshape(groups, o // groups, -1)
    bias = None if bias is None else bias.reshape(o, *(1,) * (out.ndim - 2))
    if n == 1:
        image = out.reshape(groups, o // groups, -1)
        np.matmul(w_rows, cols, out=image)
        if bias is not None:
            np.add(out[0], bias, out=out[0])
        return
    product = np.swapaxes(np.matmul(w_rows, cols).reshape(o, n, *out.shape[2:]), 0, 1)
    if bias is None:
        np.copyto(out, product)
    else:
        np.add(product, bias, out=out)


def _column_chunks(x: np.ndarray, geometry: tuple, chunk_bytes: int | None = None):
    """im2col of x a few images at a time: yields (images, cols), cols (G, C/G*K, n*L) for the
    images x[images], in one buffer that is overwritten for the next chunk.

    A chunk's columns (about chunk_bytes, CHUNK_BYTES by default) are still in cache when the
    GEMM that consumes them reads them, where the whole batch's columns (tens of MB for a
    64-channel 32x32 layer) go to memory and back: at 1 thread, the forward of such a layer ran
    1.3x faster chunked.
    """
    kernel, stride, pads, dilation, groups = geometry
    n, c = x.shape[:2]
    out_size = conv_out_size(x.shape, kernel, stride, pads, dilation)
    win = windows(pad_spatial(x, pads, 0), kernel, stride, dilation, out_size)
    d = len(kernel)
    win = win.transpose(1, *range(2, 2 + d), 0, *range(2 + d, 2 + 2 * d))  # (C, *kernel, N, *out)
    positions = math.prod(out_size)
    per_image = c * math.prod(kernel) * positions * x.itemsize
    step = max(1, (chunk_bytes or CHUNK_BYTES) // max(per_image, 1),
               -(-CHUNK_COLUMNS // max(positions, 1)))
    buffer = np.empty((c, *kernel, min(step, n), *out_size), dtype=x.dtype)
    for start in range(0, n, step):
        images = slice(start, min(start + step, n))
        count = images.stop - start
        part = buffer if count == buffer.shape[1 + d] else buffer[(slice(None),) * (1 + d) +
                                                                 (slice(0, count),)]
        np.copyto(part, win[(slice(None),) * (1 + d) + (images,)])
        yield images, part.reshape(groups, -1, count * math.prod(out_size))


def _convolve(x: np.ndarray, weight: np.ndarray, bias, geometry: tuple) -> np.ndarray:
    """The convolution's forward on arrays, chunk by chunk (_column_chunks)."""
    kernel, stride, pads, dilation, _ = geometry
    out_size = conv_out_size(x.shape, kernel, stride, pads, dilation)
    out = np.empty((x.shape[0], weight.shape[0], *out_size), dtype=x.dtype)
    for images, cols in _column_chunks(x, geometry):
        _correlate_into(out[images], weight, cols, bias)
    return out


def _chunked_weight_grad(g: np.ndarray, x: np.ndarray, geometry: tuple,
                         weight_shape: tuple) -> np.ndarray:
    """The weight gradient of the convolution of x, summed over chunks of images."""
    groups = geometry[-1]
    total = None
    for images, cols in _column_chunks(x, geometry, WEIGHT_GRAD_CHUNK):
        part = np.matmul(cols, np.swapaxes(_channel_rows(g[images], groups), 1, 2))
        if total is None:
            total = part
        else:
            total += part
    return np.reshape(np.swapaxes(total, 1, 2), weight_shape)


def _spatial_sum(g):
    return np.sum(g, axis=(0, *range(2, g.ndim)))


class Convolution(Function):
    """N-d cross-correlation as GEMMs over im2col matrices.

    On arrays, a large im2col matrix (over KEPT_COLUMNS_BYTES) is never made whole: its columns
    are made a few images at a time and consumed by the GEMM while they are in cache
    (_column_chunks), in forward and again for the weight gradient. A smaller one is made once
    and kept from forward for the weight gradient. (Both ways measured against each other on
    whole training steps: chunks made ResNet-18's step 10-18% faster, and cost 1-8% on DCGAN's
    and the MNIST nets' smaller layers.) Columns are laid out (C*K, n*L), so groups are a
    leading batch dimension of the GEMM and both products read contiguous or transposed
    operands.

    A recorded backward builds the whole im2col matrix from x (Im2col), so the weight gradient
    is differentiated in x too. The input gradient is the transposed convolution of g.
    """

    op_name, torch_name = "conv2d", "ConvolutionBackward0"

    def forward(ctx, x, weight, bias=None, *, stride: Sizes, pads: Pads, dilation: Sizes,
                groups: int):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        ctx.geometry = (weight.shape[2:], stride, pads, dilation, groups)
        ctx.x_shape, ctx.weight_shape = x.shape, weight.shape
        out_size = conv_out_size(x.shape, *ctx.geometry[:4])
        ctx.cols = None
        if not needs[1] or x.itemsize * math.prod(
                (x.shape[0], x.shape[1], *weight.shape[2:], *out_size)) > KEPT_COLUMNS_BYTES:
            return _convolve(x, weight, bias, ctx.geometry)
        ctx.cols = im2col(x, *ctx.geometry)  # small enough to keep for the weight gradient
        return _correlate(weight, ctx.cols, x.shape[0], out_size, bias)

    def backward(ctx, g):
        needs = ctx.needs_input_grad
        x, weight = ctx.saved_tensors
        kernel, stride, pads, dilation, groups = ctx.geometry
        grad_x = grad_w = grad_b = None
        if needs[1] and isinstance(g, np.ndarray) and ctx.cols is None:
            grad_w = _chunked_weight_grad(g, x, ctx.geometry, ctx.weight_shape)
        elif needs[1]:
            cols = ctx.cols if isinstance(g, np.ndarray) else Im2col.call(x, geometry=ctx.geometry)
            grad_w = _weight_grad(_channel_rows(g, groups), cols, ctx.weight_shape)
        if len(needs) > 2 and needs[2]:
            grad_b = _spatial_sum(g)
        if needs[0]:
            grad_x = ConvTranspose.call(g, weight, stride=stride, pads=pads, dilation=dilation,
                                        groups=groups, out_size=ctx.x_shape[2:])
        return grad_x, grad_w, grad_b


class ConvTranspose(Function):
    """N-d transposed convolution: the gradient of Convolution with respect to its input, with
    weight (C_in, C_out/G, *kernel) read as the convolution's (O, C/G, *kernel). out_size is the
    spatial size of the output (PyTorch's output_padding and output_size, resolved).

    Forward at stride 1 is a convolution of the padded input with the flipped kernel
    (_flipped_convolution); otherwise one GEMM per group, W.T @ x, into columns that col2im adds
    onto the output. Its input gradient is the convolution of g, its weight gradient
    x @ im2col(g).T.
    """

    op_name, torch_name = "conv_transpose2d", "ConvolutionBackward0"

    def forward(ctx, x, weight, bias=None, *, stride: Sizes, pads: Pads, dilation: Sizes,
                groups: int, out_size: Sizes):
        needs = ctx.needs_input_grad
        ctx.save_for_backward(x if needs[1] else None, weight if needs[0] else None)
        kernel = weight.shape[2:]
        ctx.geometry = (kernel, stride, pads, dilation, groups)
        ctx.weight_shape, ctx.in_size = weight.shape, x.shape[2:]
        out_shape = (x.shape[0], weight.shape[1] * groups, *out_size)
        if x.shape[-1] <= SHORT_ROWS:
            out = _transposed_conv_spatial_major(x, weight, ctx.geometry, out_shape)
        else:
            flipped_pads = _flipped_pads(x.shape, ctx.geometry, out_size)
            if flipped_pads is not None:
                return _convolve(x, _flipped_weight(weight, groups), bias,
                                 (kernel, stride, flipped_pads, dilation, groups))
            w_t = np.swapaxes(weight.reshape(groups, x.shape[1] // groups, -1), 1, 2)
            cols = np.matmul(w_t, _channel_rows(x, groups))  # (G, C_out/G*K, N*L_in)
            sizes, reached = _reached_part(out_size, x.shape[2:], ctx.geometry)
            out = col2im(cols, out_shape[:2] + sizes, *reached[:4])
            if sizes != tuple(out_size):  # output_padding past the input's reach: zeros
                out = pad_spatial(out, [p for n, m in zip(sizes, out_size) for p in (0, m - n)],
                                  0)
        result = np.empty(out.shape, dtype=out.dtype)
        if bias is None:
            np.copyto(result, out)
            return result
        return np.add(out, bias.reshape(-1, *(1,) * len(out_size)), out=result)

    def backward(ctx, g):
        needs = ctx.needs_input_grad
        x, weight = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        if len(needs) > 2 and needs[2]:
            grad_b = _spatial_sum(g)
        window, geometry = _input_windows(g, ctx.in_size, ctx.geometry)
        kernel, stride, pads, dilation, groups = geometry
        plain = isinstance(g, np.ndarray)
        if needs[1] or (needs[0] and plain):
            cols = im2col(window, *geometry) if plain else Im2col.call(window, geometry=geometry)
        if needs[1]:
            grad_w = _weight_grad(_channel_rows(x, groups), cols, ctx.weight_shape)
        if needs[0] and plain:  # Convolution's forward, on the columns made once for both
            grad_x = _correlate(weight, cols, g.shape[0],
                                conv_out_size(window.shape, kernel, stride, pads, dilation), None)
        elif needs[0]:
            grad_x = Convolution.call(window, weight, stride=stride, pads=pads, dilation=dilation,
                                      groups=groups)
        return grad_x, grad_w, grad_b


def _reached_part(out_size: Sizes, in_size: Sizes, geometry: tuple) -> tuple:
    """The leading part of a transposed convolution's output that its input reaches, as (sizes,
    geometry): the geometry under which that part has exactly in_size windows per dim. PyTorch's
    output_padding adds output positions past the last window's reach (at stride 1, whole
    windows), which only the bias reaches; the right padding becomes what the last window still
    reaches past the part's end."""
    kernel, stride, pads, dilation, groups = geometry
    sizes, new_pads = list(out_size), list(pads)
    for i, (n, k, s, d) in enumerate(zip(in_size, kernel, stride, dilation)):
        before, after, length = pads[2 * i], pads[2 * i + 1], out_size[i]
        reach = (n - 1) * s - before + d * (k - 1) + 1  # positions up to the last window's end
        if (length + before + after - d * (k - 1) - 1) // s + 1 > n:
            sizes[i], new_pads[2 * i + 1] = min(length, reach), max(0, reach - length)
    return tuple(sizes), (kernel, stride, tuple(new_pads), dilation, groups)


def _input_windows(g, in_size: Sizes, geometry: tuple) -> tuple:
    """g's part that the transposed convolution's input reached, and its geometry."""
    sizes, reached = _reached_part(g.shape[2:], in_size, geometry)
    if sizes == tuple(g.shape[2:]):
        return g, reached
    return g[(slice(None), slice(None), *(slice(0, n) for n in sizes))], reached


def _flipped_pads(x_shape: tuple, geometry: tuple, out_size: Sizes) -> Pads | None:
    """The padding under which the stride-1 transposed convolution of an x_shape input is a
    convolution with the flipped kernel (each output position reads the d*(k-1) input positions
    before it), or None where that does not apply: strides over 1, more padding than the kernel
    reaches (the output would crop the input), or an output much larger than x (the GEMM's work
    grows with the output, col2im's with x: a 'valid' convolution's input gradient).

    Measured at 1 thread on the input gradient of 'same' 3x3 convolutions, 64 channels at
    32x32: 1.8x faster than col2im; no gain once the output is 1.2x larger than x.
    """
    kernel, stride, pads, dilation, _ = geometry
    if any(s != 1 for s in stride) or math.prod(out_size) > FLIPPED_GROWTH * math.prod(
            x_shape[2:]):
        return None
    flipped = []
    for size, out, k, d, before in zip(x_shape[2:], out_size, kernel, dilation, pads[0::2]):
        lead = d * (k - 1) - before
        flipped += [lead, out + d * (k - 1) - size - lead]
    return tuple(flipped) if min(flipped) >= 0 else None


def _flipped_weight(weight: np.ndarray, groups: int) -> np.ndarray:
    """A transposed convolution's weight (C_in, C_out/G, *kernel) as the convolution weight
    (C_out, C_in/G, *kernel), each kernel reversed in every spatial dim."""
    c_in, per_group, *kernel = weight.shape
    grouped = np.swapaxes(weight.reshape(groups, c_in // groups, per_group, *kernel), 1, 2)
    reversed_kernel = grouped[(Ellipsis, *(slice(None, None, -1),) * len(kernel))]
    return np.ascontiguousarray(reversed_kernel).reshape(groups * per_group, c_in // groups,
                                                         *kernel)


def _transposed_conv_spatial_major(x: np.ndarray, weight: np.ndarray, geometry: tuple,
                                   out_shape: tuple) -> np.ndarray:
    """ConvTranspose's forward for inputs with short rows (the last spatial size <= SHORT_ROWS).

    col2im's adds run along output rows, so when rows are a few elements long they are mostly
    loop overhead (a ResNet's 4x4 and 8x8 stages, a DCGAN's first layers). Here the columns are
    laid out (kernel offset, position, image, channel) instead: one GEMM per offset and group,
    x (L*N, C_in/G) @ W_k (C_in/G, C_out/G), and each offset's add runs over whole
    (image, channel) blocks. Measured at 1 thread on such shapes: 1.4-2.8x faster than col2im
    (and no faster, or slower, once rows are 16 or more long). Returns a (non-contiguous) view.
    """
    kernel, stride, pads, dilation, groups = geometry
    n, channels_in = x.shape[:2]
    spatial, per_group = x.shape[2:], weight.shape[1]
    rows = x.reshape(n, groups, channels_in // groups, -1).transpose(1, 3, 0, 2)  # (G, L, N, C)
    rows = np.ascontiguousarray(rows).reshape(groups, 1, -1, channels_in // groups)
    w_k = weight.reshape(groups, channels_in // groups, per_group, -1).transpose(0, 3, 1, 2)
    cols = np.matmul(rows, np.ascontiguousarray(w_k))  # (G, K, L*N, C_out/G)
    cols = cols.reshape(groups, *kernel, *spatial, n, per_group)
    target = np.zeros((*padded_shape(out_shape, pads)[2:], n, groups, per_group), x.dtype)
    for offset in kernel_offsets(kernel):
        reached = target[tuple(slice(o * d, o * d + s * (size - 1) + 1, s)
                               for o, d, s, size in zip(offset, dilation, stride, spatial))]
        np.add(reached, np.moveaxis(cols[(slice(None), *offset)], 0, -2), out=reached)
    inside = tuple(slice(before, before + size) for before, size in zip(pads[0::2],
                                                                        out_shape[2:]))
    out = target[inside].reshape(*out_shape[2:], n, out_shape[1])
    dims = len(kernel)
    return np.moveaxis(out, (dims, dims + 1), (0, 1))


class Separable2d(Function):
    """y = rows @ x @ cols.T on the last two dims: one linear map along H, one along W.

    Adaptive average pooling with uneven windows and the reflect/replicate/circular paddings
    are maps of this form; expressing them as matrices gives their backward for free (the
    transposed map, itself a Separable2d).
    """

    op_name = "pad"  # or adaptive_avg_pool2d: their shapes arrive checked, so errors are rare

    def forward(ctx, x, rows: np.ndarray, cols: np.ndarray):
        ctx.rows, ctx.cols = rows, cols
        return _separable(x, rows, cols)

    def backward(ctx, g):
        return Separable2d.call(g, rows=ctx.rows.T, cols=ctx.cols.T)


def _separable(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    lead, (h, w) = x.shape[:-2], x.shape[-2:]
    along_w = np.ascontiguousarray(x).reshape(-1, w) @ cols.T  # one GEMM over all rows
    out = np.matmul(rows, along_w.reshape(-1, h, cols.shape[0]))
    return out.reshape(*lead, rows.shape[0], cols.shape[0])
