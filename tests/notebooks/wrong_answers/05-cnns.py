"""Plausible wrong answers for week 05 (convolutional neural networks), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/05-cnns/05-cnns.ipynb``. A submission whose solution cell is replaced by
one of them must lose points on that exercise's test cells (the cells whose grade_id starts with
``test_<grade_id>``). Shortcuts through the library function that the exercise asks students to
build are included on purpose: the hidden tests forbid them.
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "conv_output_size": {
        "ignores the dilation: uses the kernel size instead of the dilated span": '''
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    if kernel_size > size + 2 * padding:
        raise ValueError("kernel too large")
    return (size + 2 * padding - kernel_size) // stride + 1
''',
        "pads only one side: n + p instead of n + 2p": '''
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    if span > size + padding:
        raise ValueError("kernel too large")
    return (size + padding - span) // stride + 1
''',
        "rounds up instead of down (ceil mode)": '''
import math
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError("kernel too large")
    return math.ceil((size + 2 * padding - span) / stride) + 1
''',
        "true division: returns a float": '''
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1
''',
        "never raises: returns zero or a negative size when the kernel does not fit": '''
def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
''',
    },
    "conv2d_loops": {
        "flips the kernel (a true convolution, not the cross-correlation of F.conv2d)": '''
def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    flipped = weight.flip(-1, -2)
    out = x.new_zeros(B, O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            window = x_pad[:, :, r : r + dilation * (kh - 1) + 1 : dilation, c : c + dilation * (kw - 1) + 1 : dilation]
            out[:, :, i, j] = torch.einsum("bcuv,ocuv->bo", window, flipped)
    if bias is not None:
        out = out + bias.view(1, O, 1, 1)
    return out
''',
        "ignores the dilation: reads a contiguous window": '''
def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    out = x.new_zeros(B, O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            window = x_pad[:, :, r : r + kh, c : c + kw]
            out[:, :, i, j] = (window[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out = out + bias.view(1, O, 1, 1)
    return out
''',
        "forgets the bias": '''
def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    out = x.new_zeros(B, O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            window = x_pad[:, :, r : r + dilation * (kh - 1) + 1 : dilation, c : c + dilation * (kw - 1) + 1 : dilation]
            out[:, :, i, j] = torch.einsum("bcuv,ocuv->bo", window, weight)
    return out
''',
        "uses only the first input channel: drops the sum over channels": '''
def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    out = x.new_zeros(B, O, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            r, c = i * stride, j * stride
            window = x_pad[:, :, r : r + dilation * (kh - 1) + 1 : dilation, c : c + dilation * (kw - 1) + 1 : dilation]
            out[:, :, i, j] = torch.einsum("bcuv,ocuv->bo", window[:, :1], weight[:, :1])
    if bias is not None:
        out = out + bias.view(1, O, 1, 1)
    return out
''',
        "calls F.conv2d, the function the exercise asks to build": '''
def conv2d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
''',
    },
    "im2col": {
        "orders the rows kernel offset first, channel second": '''
def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    kh, kw = kernel_size
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    taps = []
    for u in range(kh):
        for v in range(kw):
            r, c = u * dilation, v * dilation
            taps.append(x_pad[:, :, r : r + stride * (H_out - 1) + 1 : stride, c : c + stride * (W_out - 1) + 1 : stride])
    cols = torch.stack(taps, dim=1)
    return cols.reshape(B, C * kh * kw, H_out * W_out)
''',
        "orders the columns column-major (j * H_out + i)": '''
def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    kh, kw = kernel_size
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    taps = []
    for u in range(kh):
        for v in range(kw):
            r, c = u * dilation, v * dilation
            taps.append(x_pad[:, :, r : r + stride * (H_out - 1) + 1 : stride, c : c + stride * (W_out - 1) + 1 : stride])
    cols = torch.stack(taps, dim=2)
    return cols.transpose(-1, -2).reshape(B, C * kh * kw, H_out * W_out)
''',
        "swaps stride and dilation in the slices": '''
def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    kh, kw = kernel_size
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding))
    taps = []
    for u in range(kh):
        for v in range(kw):
            r, c = u * stride, v * stride
            taps.append(x_pad[:, :, r : r + dilation * (H_out - 1) + 1 : dilation, c : c + dilation * (W_out - 1) + 1 : dilation])
    cols = torch.stack(taps, dim=2)
    return cols.reshape(B, C * kh * kw, H_out * W_out)
''',
        "calls F.unfold, the function the exercise asks to build": '''
def im2col(x, kernel_size, stride=1, padding=0, dilation=1):
    return F.unfold(x, kernel_size, dilation=dilation, padding=padding, stride=stride)
''',
    },
    "conv2d_vectorised": {
        "flattens the kernel channels-last, in another order than the im2col rows": '''
def conv2d_vectorised(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    out = weight.permute(0, 2, 3, 1).reshape(O, -1) @ cols
    if bias is not None:
        out = out + bias.view(1, O, 1)
    return out.reshape(B, O, H_out, W_out)
''',
        "reshapes the positions as [W_out, H_out] and transposes back (wrong for non-square maps)": '''
def conv2d_vectorised(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    out = weight.reshape(O, -1) @ cols
    if bias is not None:
        out = out + bias.view(1, O, 1)
    return out.reshape(B, O, W_out, H_out).transpose(-1, -2)
''',
        "forgets the bias": '''
def conv2d_vectorised(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    out = weight.reshape(O, -1) @ im2col(x, (kh, kw), stride, padding, dilation)
    return out.reshape(B, O, H_out, W_out)
''',
        "calls F.conv2d, the function the exercise asks to build": '''
def conv2d_vectorised(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)
''',
        "detaches the result: correct values, but no gradient reaches weight and bias": '''
def conv2d_vectorised(x, weight, bias=None, stride=1, padding=0, dilation=1):
    B, C, H, W = x.shape
    O, _, kh, kw = weight.shape
    H_out = conv_output_size(H, kh, stride, padding, dilation)
    W_out = conv_output_size(W, kw, stride, padding, dilation)
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    with torch.no_grad():
        out = weight.reshape(O, -1) @ cols
        if bias is not None:
            out = out + bias.view(1, O, 1)
    return out.reshape(B, O, H_out, W_out)
''',
    },
    "max_pool2d": {
        "pads with zeros instead of -inf (im2col's padding)": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    stride = kernel_size if stride is None else stride
    B, C, H, W = x.shape
    H_out = conv_output_size(H, kernel_size, stride, padding, dilation)
    W_out = conv_output_size(W, kernel_size, stride, padding, dilation)
    cols = im2col(x, (kernel_size, kernel_size), stride, padding, dilation)
    return cols.reshape(B, C, kernel_size * kernel_size, -1).amax(dim=2).reshape(B, C, H_out, W_out)
''',
        "uses stride 1 when stride is None": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    stride = 1 if stride is None else stride
    B, C, H, W = x.shape
    H_out = conv_output_size(H, kernel_size, stride, padding, dilation)
    W_out = conv_output_size(W, kernel_size, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding), value=float("-inf"))
    out = None
    for u in range(kernel_size):
        for v in range(kernel_size):
            r, c = u * dilation, v * dilation
            tap = x_pad[:, :, r : r + stride * (H_out - 1) + 1 : stride, c : c + stride * (W_out - 1) + 1 : stride]
            out = tap if out is None else torch.maximum(out, tap)
    return out
''',
        "average instead of maximum": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    stride = kernel_size if stride is None else stride
    B, C, H, W = x.shape
    cols = im2col(x, (kernel_size, kernel_size), stride, padding, dilation)
    H_out = conv_output_size(H, kernel_size, stride, padding, dilation)
    W_out = conv_output_size(W, kernel_size, stride, padding, dilation)
    return cols.reshape(B, C, kernel_size * kernel_size, -1).mean(dim=2).reshape(B, C, H_out, W_out)
''',
        "ignores the dilation": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    stride = kernel_size if stride is None else stride
    B, C, H, W = x.shape
    H_out = conv_output_size(H, kernel_size, stride, padding, dilation)
    W_out = conv_output_size(W, kernel_size, stride, padding, dilation)
    x_pad = F.pad(x, (padding, padding, padding, padding), value=float("-inf"))
    out = None
    for u in range(kernel_size):
        for v in range(kernel_size):
            tap = x_pad[:, :, u : u + stride * (H_out - 1) + 1 : stride, v : v + stride * (W_out - 1) + 1 : stride]
            out = tap if out is None else torch.maximum(out, tap)
    return out
''',
        "calls F.max_pool2d, the function the exercise asks to build": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    return F.max_pool2d(x, kernel_size, stride, padding, dilation)
''',
    },
    "translate": {
        "torch.roll: wraps around instead of filling with zeros": '''
def translate(x, dy, dx):
    return torch.roll(x, shifts=(dy, dx), dims=(-2, -1))
''',
        "moves the content the opposite way (up and left for positive shifts)": '''
def translate(x, dy, dx):
    H, W = x.shape[-2:]
    out = torch.zeros_like(x)
    dy, dx = -dy, -dx
    if abs(dy) >= H or abs(dx) >= W:
        return out
    out[..., max(0, dy):H - max(0, -dy), max(0, dx):W - max(0, -dx)] = x[..., max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)]
    return out
''',
        "swaps the axes: dy moves columns and dx moves rows": '''
def translate(x, dy, dx):
    H, W = x.shape[-2:]
    dy, dx = dx, dy
    out = torch.zeros_like(x)
    if abs(dy) >= H or abs(dx) >= W:
        return out
    out[..., max(0, dy):H - max(0, -dy), max(0, dx):W - max(0, -dx)] = x[..., max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)]
    return out
''',
        "shifts in place: changes its input": '''
def translate(x, dy, dx):
    H, W = x.shape[-2:]
    if abs(dy) >= H or abs(dx) >= W:
        x.zero_()
        return x
    moved = x[..., max(0, -dy):H - max(0, dy), max(0, -dx):W - max(0, dx)].clone()
    x.zero_()
    x[..., max(0, dy):H - max(0, -dy), max(0, dx):W - max(0, -dx)] = moved
    return x
''',
    },
    "receptive_field": {
        "updates the jump before the size (uses the layer's own stride too early)": '''
def receptive_field(layers):
    size, jump = 1, 1
    for kernel_size, stride, dilation in layers:
        jump *= stride
        size += (kernel_size - 1) * dilation * jump
    return size, jump
''',
        "ignores the strides: adds (k - 1) * d per layer": '''
def receptive_field(layers):
    size, jump = 1, 1
    for kernel_size, stride, dilation in layers:
        size += (kernel_size - 1) * dilation
        jump *= stride
    return size, jump
''',
        "ignores the dilation": '''
def receptive_field(layers):
    size, jump = 1, 1
    for kernel_size, stride, dilation in layers:
        size += (kernel_size - 1) * jump
        jump *= stride
    return size, jump
''',
        "adds the strides instead of multiplying them": '''
def receptive_field(layers):
    size, jump = 1, 1
    for kernel_size, stride, dilation in layers:
        size += (kernel_size - 1) * dilation * jump
        jump += stride - 1
    return size, jump
''',
    },
    "lenet": {
        "average pooling instead of max pooling": '''
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        h = F.avg_pool2d(F.relu(self.conv1(x)), 2)
        h = F.avg_pool2d(F.relu(self.conv2(h)), 2)
        h = torch.flatten(h, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(h)))))
''',
        "no padding in conv1, so fc1 reads 16 * 4 * 4 = 256 features": '''
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(256, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = torch.flatten(h, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(h)))))
''',
        "returns probabilities (softmax) instead of logits": '''
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = torch.flatten(h, 1)
        return F.softmax(self.fc3(F.relu(self.fc2(F.relu(self.fc1(h))))), dim=1)
''',
        "no ReLU between the fully connected layers": '''
class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return self.fc3(self.fc2(self.fc1(torch.flatten(h, 1))))
''',
    },
}
