"""Plausible wrong answers for week 07 (autoencoders, VAE and PixelCNN), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/07-autoencoders-vae-pixelcnn/07-autoencoders-vae-pixelcnn.ipynb``. A submission
whose solution cell is replaced by one of them must lose points on that exercise's test cells (the cells
whose grade_id starts with ``test_<grade_id>``). Several of them pass the visible checks on purpose: a
mask applied only once, a PixelCNN with type-A masks everywhere, a sampler that ignores ``first_pixel``;
the hidden tests must catch them.
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "bernoulli_nll": {
        "naive log(sigmoid): infinite for confident logits": '''
def bernoulli_nll(logits, x):
    p = torch.sigmoid(logits)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1)
''',
        "averages over the pixels instead of summing": '''
def bernoulli_nll(logits, x):
    return (F.softplus(logits) - x * logits).flatten(1).mean(1)
''',
        "sign error in the cross term: softplus(l) + x * l": '''
def bernoulli_nll(logits, x):
    return (F.softplus(logits) + x * logits).flatten(1).sum(1)
''',
        "sums over the batch too: returns one number": '''
def bernoulli_nll(logits, x):
    return (F.softplus(logits) - x * logits).sum()
''',
        "calls F.binary_cross_entropy_with_logits, which the docstring forbids": '''
def bernoulli_nll(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
''',
    },
    "autoencoder": {
        "sigmoid at the end of the decoder: returns probabilities, not logits": '''
class Autoencoder(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels), nn.Sigmoid())

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).view_as(x)
''',
        "ReLU on the code: the bottleneck cannot be negative": '''
class Autoencoder(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim), nn.ReLU())
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels))

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).view_as(x)
''',
        "forward returns flat logits [B, D] instead of the shape of x": '''
class Autoencoder(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU(), nn.Linear(hidden, latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels))

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))
''',
        "hard-codes 196 pixels and ignores the constructor's sizes": '''
class Autoencoder(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(196, 256), nn.ReLU(), nn.Linear(256, 2))
        self.decoder = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 196))

    def encode(self, x):
        return self.encoder(x.flatten(1))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).view_as(x)
''',
    },
    "reparameterize": {
        "uses the variance exp(logvar) as the standard deviation": '''
def reparameterize(mu, logvar):
    return mu + torch.exp(logvar) * torch.randn_like(mu)
''',
        "samples with torch.normal: no gradient reaches mu and logvar": '''
def reparameterize(mu, logvar):
    return torch.normal(mu, torch.exp(0.5 * logvar))
''',
        "multiplies the noise by logvar itself": '''
def reparameterize(mu, logvar):
    return mu + logvar * torch.randn_like(mu)
''',
        "one noise value per row, shared by all latent dimensions": '''
def reparameterize(mu, logvar):
    eps = torch.randn(mu.shape[0], 1, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps
''',
        "uniform noise (torch.rand_like) instead of Gaussian": '''
def reparameterize(mu, logvar):
    return mu + torch.exp(0.5 * logvar) * torch.rand_like(mu)
''',
    },
    "gaussian_kl": {
        "forgets the factor 1/2": '''
def gaussian_kl(mu, logvar):
    return (mu ** 2 + logvar.exp() - 1.0 - logvar).sum(dim=-1)
''',
        "averages over the latent dimensions instead of summing": '''
def gaussian_kl(mu, logvar):
    return 0.5 * (mu ** 2 + logvar.exp() - 1.0 - logvar).mean(dim=-1)
''',
        "treats logvar as log sigma (sigma^2 = exp(2 logvar))": '''
def gaussian_kl(mu, logvar):
    return 0.5 * (mu ** 2 + torch.exp(2 * logvar) - 1.0 - 2 * logvar).sum(dim=-1)
''',
        "sign error on the log term": '''
def gaussian_kl(mu, logvar):
    return 0.5 * (mu ** 2 + logvar.exp() - 1.0 + logvar).sum(dim=-1)
''',
        "calls torch.distributions.kl_divergence, which the docstring forbids": '''
def gaussian_kl(mu, logvar):
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(q, p).sum(dim=-1)
''',
    },
    "negative_elbo": {
        "subtracts the KL term (the sign of the ELBO's KL carried over to its negative)": '''
def negative_elbo(x, logits, mu, logvar, beta=1.0):
    return bernoulli_nll(logits, x) - beta * gaussian_kl(mu, logvar)
''',
        "ignores beta": '''
def negative_elbo(x, logits, mu, logvar, beta=1.0):
    return bernoulli_nll(logits, x) + gaussian_kl(mu, logvar)
''',
        "beta weighs the reconstruction instead of the KL term": '''
def negative_elbo(x, logits, mu, logvar, beta=1.0):
    return beta * bernoulli_nll(logits, x) + gaussian_kl(mu, logvar)
''',
        "per-pixel mean cross-entropy: the KL term dominates": '''
def negative_elbo(x, logits, mu, logvar, beta=1.0):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).mean(1) + beta * gaussian_kl(mu, logvar)
''',
    },
    "vae": {
        "forward decodes the mean mu: no sampling": '''
class VAE(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels))

    def encode(self, x):
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(mu).view_as(x), mu, logvar
''',
        "samples only in training mode, decodes mu in eval mode": '''
class VAE(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels))

    def encode(self, x):
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar) if self.training else mu
        return self.decode(z).view_as(x), mu, logvar
''',
        "logvar computed by the mu head": '''
class VAE(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels))

    def encode(self, x):
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_mu(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)).view_as(x), mu, logvar
''',
        "sigmoid on the decoder output": '''
class VAE(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels), nn.Sigmoid())

    def encode(self, x):
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)).view_as(x), mu, logvar
''',
        "forward returns flat logits [B, D]": '''
class VAE(nn.Module):
    def __init__(self, num_pixels=196, hidden=256, latent_dim=2):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(num_pixels, hidden), nn.ReLU())
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, num_pixels))

    def encode(self, x):
        h = self.encoder(x.flatten(1))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar)), mu, logvar
''',
    },
    "causal_mask": {
        "types A and B swapped": '''
def causal_mask(kernel_size, mask_type):
    if kernel_size % 2 == 0 or mask_type not in ("A", "B"):
        raise ValueError("bad arguments")
    c = kernel_size // 2
    mask = torch.ones(kernel_size, kernel_size)
    mask[c, c + (mask_type == "A"):] = 0.0
    mask[c + 1:] = 0.0
    return mask
''',
        "zeros the whole centre row: only the rows above are kept": '''
def causal_mask(kernel_size, mask_type):
    if kernel_size % 2 == 0 or mask_type not in ("A", "B"):
        raise ValueError("bad arguments")
    c = kernel_size // 2
    mask = torch.ones(kernel_size, kernel_size)
    mask[c:] = 0.0
    if mask_type == "B":
        mask[c, c] = 1.0
    return mask
''',
        "column-major order: the mask is transposed": '''
def causal_mask(kernel_size, mask_type):
    if kernel_size % 2 == 0 or mask_type not in ("A", "B"):
        raise ValueError("bad arguments")
    c = kernel_size // 2
    mask = torch.ones(kernel_size, kernel_size)
    mask[c, c + (mask_type == "B"):] = 0.0
    mask[c + 1:] = 0.0
    return mask.T.contiguous()
''',
        "never raises for bad arguments": '''
def causal_mask(kernel_size, mask_type):
    c = kernel_size // 2
    mask = torch.ones(kernel_size, kernel_size)
    mask[c, c + (mask_type == "B"):] = 0.0
    mask[c + 1:] = 0.0
    return mask
''',
    },
    "masked_conv2d": {
        "masks the weights once at construction: the optimiser regrows them": '''
class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.register_buffer("mask", causal_mask(kernel_size, mask_type))
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def forward(self, x):
        return super().forward(x)
''',
        "no padding: the image shrinks": '''
class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type):
        super().__init__(in_channels, out_channels, kernel_size)
        self.register_buffer("mask", causal_mask(kernel_size, mask_type))

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias)
''',
        "always uses a type-B mask": '''
class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.register_buffer("mask", causal_mask(kernel_size, "B"))

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)
''',
        "mask kept as a plain attribute: .to(device) and .double() leave it behind": '''
class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.mask = causal_mask(kernel_size, mask_type)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask.to(self.weight), self.bias, padding=self.padding)
''',
        "transposed mask": '''
class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        self.register_buffer("mask", causal_mask(kernel_size, mask_type))

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask.T, self.bias, padding=self.padding)
''',
    },
    "pixelcnn": {
        "type B in the first layer: each logit sees its own pixel": '''
class PixelCNN(nn.Module):
    def __init__(self, channels=32, num_layers=4):
        super().__init__()
        layers = [MaskedConv2d(1, channels, 7, "B"), nn.ReLU()]
        for _ in range(num_layers):
            layers += [MaskedConv2d(channels, channels, 3, "B"), nn.ReLU()]
        layers += [nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''',
        "type A in every layer: causal, but blind to the left neighbour": '''
class PixelCNN(nn.Module):
    def __init__(self, channels=32, num_layers=4):
        super().__init__()
        layers = [MaskedConv2d(1, channels, 7, "A"), nn.ReLU()]
        for _ in range(num_layers):
            layers += [MaskedConv2d(channels, channels, 3, "A"), nn.ReLU()]
        layers += [nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''',
        "plain (unmasked) 3x3 convolutions after the first layer": '''
class PixelCNN(nn.Module):
    def __init__(self, channels=32, num_layers=4):
        super().__init__()
        layers = [MaskedConv2d(1, channels, 7, "A"), nn.ReLU()]
        for _ in range(num_layers):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''',
        "sigmoid at the end: returns probabilities": '''
class PixelCNN(nn.Module):
    def __init__(self, channels=32, num_layers=4):
        super().__init__()
        layers = [MaskedConv2d(1, channels, 7, "A"), nn.ReLU()]
        for _ in range(num_layers):
            layers += [MaskedConv2d(channels, channels, 3, "B"), nn.ReLU()]
        layers += [nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1), nn.Sigmoid()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''',
        "no ReLUs: an affine model": '''
class PixelCNN(nn.Module):
    def __init__(self, channels=32, num_layers=4):
        super().__init__()
        layers = [MaskedConv2d(1, channels, 7, "A")]
        for _ in range(num_layers):
            layers += [MaskedConv2d(channels, channels, 3, "B")]
        layers += [nn.Conv2d(channels, channels, 1), nn.Conv2d(channels, 1, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
''',
    },
    "sample_pixelcnn": {
        "one forward pass for all pixels": '''
def sample_pixelcnn(model, x, first_pixel=0):
    with torch.no_grad():
        samples = x.clone()
        drawn = torch.bernoulli(torch.sigmoid(model(samples)))
        flat, new = samples.view(samples.shape[0], -1), drawn.view(drawn.shape[0], -1)
        flat[:, first_pixel:] = new[:, first_pixel:]
    return samples
''',
        "thresholds at 0.5 instead of sampling": '''
def sample_pixelcnn(model, x, first_pixel=0):
    samples = x.clone()
    height, width = x.shape[-2:]
    with torch.no_grad():
        for r in range(first_pixel, height * width):
            i, j = divmod(r, width)
            samples[:, :, i, j] = (torch.sigmoid(model(samples)[:, :, i, j]) > 0.5).to(x.dtype)
    return samples
''',
        "column by column instead of row by row": '''
def sample_pixelcnn(model, x, first_pixel=0):
    samples = x.clone()
    height, width = x.shape[-2:]
    with torch.no_grad():
        for r in range(first_pixel, height * width):
            j, i = divmod(r, height)
            samples[:, :, i, j] = torch.bernoulli(torch.sigmoid(model(samples)[:, :, i, j]))
    return samples
''',
        "writes into x: the caller's tensor changes": '''
def sample_pixelcnn(model, x, first_pixel=0):
    height, width = x.shape[-2:]
    with torch.no_grad():
        for r in range(first_pixel, height * width):
            i, j = divmod(r, width)
            x[:, :, i, j] = torch.bernoulli(torch.sigmoid(model(x)[:, :, i, j]))
    return x
''',
        "ignores first_pixel: samples every pixel": '''
def sample_pixelcnn(model, x, first_pixel=0):
    samples = torch.zeros_like(x)
    height, width = x.shape[-2:]
    with torch.no_grad():
        for r in range(height * width):
            i, j = divmod(r, width)
            samples[:, :, i, j] = torch.bernoulli(torch.sigmoid(model(samples)[:, :, i, j]))
    return samples
''',
        "no torch.no_grad(): the samples carry an autograd graph": '''
def sample_pixelcnn(model, x, first_pixel=0):
    samples = x.clone()
    height, width = x.shape[-2:]
    for r in range(first_pixel, height * width):
        i, j = divmod(r, width)
        samples[:, :, i, j] = torch.bernoulli(torch.sigmoid(model(samples)[:, :, i, j]))
    return samples
''',
    },
}
