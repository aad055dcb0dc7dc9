"""Plausible wrong answers for week 09 (image-to-image), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/09-image-to-image/09-image-to-image.ipynb``. Each must lose points on
that exercise's test cells.
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "pixel_shuffle": {
        "splits the channels as [r, r, C] instead of [C, r, r]": '''
def pixel_shuffle(x, r):
    B, Crr, H, W = x.shape
    C = Crr // (r * r)
    x = x.reshape(B, r, r, C, H, W).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(B, C, H * r, W * r)
''',
        "puts the block offset before the pixel index (u, i) instead of (i, u)": '''
def pixel_shuffle(x, r):
    B, Crr, H, W = x.shape
    C = Crr // (r * r)
    x = x.reshape(B, C, r, r, H, W).permute(0, 1, 2, 4, 3, 5)
    return x.reshape(B, C, H * r, W * r)
''',
        "swaps u and v (transposes every block)": '''
def pixel_shuffle(x, r):
    B, Crr, H, W = x.shape
    C = Crr // (r * r)
    x = x.reshape(B, C, r, r, H, W).permute(0, 1, 4, 3, 5, 2)
    return x.reshape(B, C, H * r, W * r)
''',
        "calls the library instead of building it": '''
def pixel_shuffle(x, r):
    return F.pixel_shuffle(x, r)
''',
    },
    "psnr": {
        "natural logarithm instead of log10": '''
def psnr(prediction, target, max_value=1.0):
    mse = ((prediction - target) ** 2).flatten(1).mean(dim=1)
    return 10.0 * torch.log(max_value ** 2 / mse)
''',
        "one MSE over the whole batch instead of one per image": '''
def psnr(prediction, target, max_value=1.0):
    mse = ((prediction - target) ** 2).mean()
    return (10.0 * torch.log10(max_value ** 2 / mse)).expand(prediction.shape[0])
''',
        "forgets to square max_value": '''
def psnr(prediction, target, max_value=1.0):
    mse = ((prediction - target) ** 2).flatten(1).mean(dim=1)
    return 10.0 * torch.log10(max_value / mse)
''',
    },
    "SubPixelSR": {
        "not residual: forgets to add the bicubic upsampling": '''
class SubPixelSR(nn.Module):
    def __init__(self, channels=1, scale=2, width=32):
        super().__init__()
        self.scale = scale
        self.conv1 = nn.Conv2d(channels, width, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(width, channels * scale * scale, kernel_size=3, padding=1)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        return pixel_shuffle(self.conv3(h), self.scale)
''',
        "a ReLU after the last convolution (the correction can never be negative)": '''
class SubPixelSR(nn.Module):
    def __init__(self, channels=1, scale=2, width=32):
        super().__init__()
        self.scale = scale
        self.conv1 = nn.Conv2d(channels, width, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(width, channels * scale * scale, kernel_size=3, padding=1)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        return bicubic_upsample(x, self.scale) + pixel_shuffle(F.relu(self.conv3(h)), self.scale)
''',
        "hard-codes scale 2 in the last convolution": '''
class SubPixelSR(nn.Module):
    def __init__(self, channels=1, scale=2, width=32):
        super().__init__()
        self.scale = scale
        self.conv1 = nn.Conv2d(channels, width, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(width, channels * 4, kernel_size=3, padding=1)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        return bicubic_upsample(x, self.scale) + pixel_shuffle(self.conv3(h), 2)
''',
    },
    "gram_matrix": {
        "normalises by C * H * W instead of H * W": '''
def gram_matrix(features):
    B, C, H, W = features.shape
    flat = features.reshape(B, C, H * W)
    return flat @ flat.transpose(1, 2) / (C * H * W)
''',
        "multiplies in the wrong order: a position-by-position matrix": '''
def gram_matrix(features):
    B, C, H, W = features.shape
    flat = features.reshape(B, C, H * W)
    return flat.transpose(1, 2) @ flat / (H * W)
''',
        "mixes the batch: one Gram matrix over all images": '''
def gram_matrix(features):
    B, C, H, W = features.shape
    flat = features.transpose(0, 1).reshape(C, B * H * W)
    return (flat @ flat.T / (H * W)).expand(B, C, C)
''',
    },
    "content_loss": {
        "sums instead of averaging": '''
def content_loss(features, target):
    return ((features - target) ** 2).sum()
''',
        "mean absolute difference instead of squared": '''
def content_loss(features, target):
    return (features - target).abs().mean()
''',
    },
    "style_loss": {
        "compares the features' means, not their Gram matrices": '''
def style_loss(features, target_grams, weights=None):
    weights = weights or [1.0] * len(features)
    total = 0.0
    for f, t, w in zip(features, target_grams, weights):
        total = total + w * ((f.mean(dim=(2, 3))[:, :, None] - t) ** 2).mean()
    return total
''',
        "ignores the layer weights": '''
def style_loss(features, target_grams, weights=None):
    total = 0.0
    for f, t in zip(features, target_grams):
        total = total + ((gram_matrix(f) - t) ** 2).mean()
    return total
''',
        "sums the squared differences instead of averaging them": '''
def style_loss(features, target_grams, weights=None):
    weights = weights or [1.0] * len(features)
    total = 0.0
    for f, t, w in zip(features, target_grams, weights):
        total = total + w * ((gram_matrix(f) - t) ** 2).sum()
    return total
''',
    },
    "total_variation": {
        "only the horizontal differences": '''
def total_variation(x):
    return 2 * (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().mean()
''',
        "squared differences instead of absolute ones": '''
def total_variation(x):
    return ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).mean() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).mean()
''',
        "wraps around the border with torch.roll": '''
def total_variation(x):
    return (torch.roll(x, 1, dims=2) - x).abs().mean() + (torch.roll(x, 1, dims=3) - x).abs().mean()
''',
    },
    "cycle_consistency_loss": {
        "only one direction of the cycle": '''
def cycle_consistency_loss(real_a, real_b, g_ab, g_ba):
    return (g_ba(g_ab(real_a)) - real_a).abs().mean()
''',
        "squared differences instead of L1": '''
def cycle_consistency_loss(real_a, real_b, g_ab, g_ba):
    return ((g_ba(g_ab(real_a)) - real_a) ** 2).mean() + ((g_ab(g_ba(real_b)) - real_b) ** 2).mean()
''',
        "applies the generators in the wrong order for domain B": '''
def cycle_consistency_loss(real_a, real_b, g_ab, g_ba):
    return (g_ba(g_ab(real_a)) - real_a).abs().mean() + (g_ba(g_ab(real_b)) - real_b).abs().mean()
''',
    },
}
