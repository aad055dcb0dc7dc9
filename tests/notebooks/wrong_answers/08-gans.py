"""Plausible wrong answers for week 08 (generative adversarial networks), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/08-gans/08-gans.ipynb``. A submission whose solution cell is replaced by
one of them must lose points on that exercise's test cells (the cells whose grade_id starts with
``test_<grade_id>``).
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "discriminator_loss": {
        "log of the sigmoid: -inf for confident logits": '''
def discriminator_loss(real_logits, fake_logits):
    return -torch.log(torch.sigmoid(real_logits)).mean() - torch.log(1 - torch.sigmoid(fake_logits)).mean()
''',
        "one mean over the concatenated batch (halves the loss, weights by batch size)": '''
def discriminator_loss(real_logits, fake_logits):
    losses = torch.cat([F.softplus(-real_logits.reshape(-1)), F.softplus(fake_logits.reshape(-1))])
    return losses.mean()
''',
        "labels swapped: real samples treated as fakes": '''
def discriminator_loss(real_logits, fake_logits):
    return F.softplus(real_logits).mean() + F.softplus(-fake_logits).mean()
''',
        "returns the log-likelihood (the value to maximise) instead of the loss": '''
def discriminator_loss(real_logits, fake_logits):
    return -F.softplus(-real_logits).mean() - F.softplus(fake_logits).mean()
''',
        "calls the library's binary cross-entropy instead of building it": '''
def discriminator_loss(real_logits, fake_logits):
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
''',
    },
    "generator_loss_minimax": {
        "returns the non-saturating loss instead": '''
def generator_loss_minimax(fake_logits):
    return F.softplus(-fake_logits).mean()
''',
        "sign flipped: -log(1 - D(G(z)))": '''
def generator_loss_minimax(fake_logits):
    return F.softplus(fake_logits).mean()
''',
        "log(1 - sigmoid): -inf when the discriminator is fooled": '''
def generator_loss_minimax(fake_logits):
    return torch.log(1 - torch.sigmoid(fake_logits)).mean()
''',
    },
    "generator_loss_nonsaturating": {
        "minus sign missing: log D(G(z))": '''
def generator_loss_nonsaturating(fake_logits):
    return -F.softplus(-fake_logits).mean()
''',
        "-log(sigmoid): inf for very negative logits": '''
def generator_loss_nonsaturating(fake_logits):
    return -torch.log(torch.sigmoid(fake_logits)).mean()
''',
        "uses the wrong softplus argument: softplus(l) instead of softplus(-l)": '''
def generator_loss_nonsaturating(fake_logits):
    return F.softplus(fake_logits).mean()
''',
    },
    "discriminator_step": {
        "does not detach the fakes: gradients leak into G": '''
def discriminator_step(D, G, opt_D, real, z):
    loss = discriminator_loss(D(real), D(G(z)))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
''',
        "forgets opt_D.zero_grad(): old gradients are added": '''
def discriminator_step(D, G, opt_D, real, z):
    fake = G(z).detach()
    loss = discriminator_loss(D(real), D(fake))
    loss.backward()
    opt_D.step()
    return loss.item()
''',
        "swaps the real and the fake batch": '''
def discriminator_step(D, G, opt_D, real, z):
    fake = G(z).detach()
    loss = discriminator_loss(D(fake), D(real))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
''',
        "draws its own noise instead of using z": '''
def discriminator_step(D, G, opt_D, real, z):
    fake = G(torch.randn_like(z)).detach()
    loss = discriminator_loss(D(real), D(fake))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.item()
''',
        "returns the loss tensor instead of a float": '''
def discriminator_step(D, G, opt_D, real, z):
    fake = G(z).detach()
    loss = discriminator_loss(D(real), D(fake))
    opt_D.zero_grad()
    loss.backward()
    opt_D.step()
    return loss.detach()
''',
    },
    "generator_step": {
        "detaches the fakes (copied from the discriminator step): G never learns": '''
def generator_step(D, G, opt_G, z, nonsaturating=True):
    fake = G(z).detach()
    logits = D(fake)
    loss = generator_loss_nonsaturating(logits) if nonsaturating else generator_loss_minimax(logits)
    opt_G.zero_grad()
    if loss.requires_grad:
        loss.backward()
    opt_G.step()
    return loss.item()
''',
        "ignores the nonsaturating flag": '''
def generator_step(D, G, opt_G, z, nonsaturating=True):
    loss = generator_loss_nonsaturating(D(G(z)))
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()
''',
        "forgets opt_G.zero_grad(): old gradients are added": '''
def generator_step(D, G, opt_G, z, nonsaturating=True):
    logits = D(G(z))
    loss = generator_loss_nonsaturating(logits) if nonsaturating else generator_loss_minimax(logits)
    loss.backward()
    opt_G.step()
    return loss.item()
''',
        "trains G on the discriminator's loss with the fakes labelled fake (the sign of the game is lost)": '''
def generator_step(D, G, opt_G, z, nonsaturating=True):
    logits = D(G(z))
    loss = F.softplus(logits).mean()
    opt_G.zero_grad()
    loss.backward()
    opt_G.step()
    return loss.item()
''',
    },
    "wasserstein_1d": {
        "pairs the samples in the given order (no sorting)": '''
def wasserstein_1d(x, y):
    return (x - y).abs().mean()
''',
        "sorts [n, 1] inputs along the last axis, which does nothing": '''
def wasserstein_1d(x, y):
    return (torch.sort(x).values - torch.sort(y).values).abs().mean()
''',
        "squared differences (W2 squared)": '''
def wasserstein_1d(x, y):
    xs, ys = torch.sort(x.reshape(-1)).values, torch.sort(y.reshape(-1)).values
    return ((xs - ys) ** 2).mean()
''',
        "difference of the means": '''
def wasserstein_1d(x, y):
    return (x.mean() - y.mean()).abs()
''',
    },
    "dcgan_generator": {
        "sigmoid at the end instead of tanh": '''
class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim=16, channels=32):
        super().__init__()
        self.latent_dim, self.channels = latent_dim, channels
        c = channels
        self.fc = nn.Linear(latent_dim, 2 * c * 2 * 2)
        self.bn0 = nn.BatchNorm2d(2 * c)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.up2 = nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z).view(z.shape[0], 2 * self.channels, 2, 2)))
        h = F.relu(self.bn1(self.up1(h)))
        return torch.sigmoid(self.up2(h))
''',
        "kernel size 3: the images come out 5x5, not 8x8": '''
class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim=16, channels=32):
        super().__init__()
        self.latent_dim, self.channels = latent_dim, channels
        c = channels
        self.fc = nn.Linear(latent_dim, 2 * c * 2 * 2)
        self.bn0 = nn.BatchNorm2d(2 * c)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.up2 = nn.ConvTranspose2d(c, 1, 3, stride=2, padding=1)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z).view(z.shape[0], 2 * self.channels, 2, 2)))
        h = F.relu(self.bn1(self.up1(h)))
        return torch.tanh(self.up2(h))
''',
        "no batch normalisation": '''
class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim=16, channels=32):
        super().__init__()
        self.latent_dim, self.channels = latent_dim, channels
        c = channels
        self.fc = nn.Linear(latent_dim, 2 * c * 2 * 2)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1)

    def forward(self, z):
        h = F.relu(self.fc(z).view(z.shape[0], 2 * self.channels, 2, 2))
        h = F.relu(self.up1(h))
        return torch.tanh(self.up2(h))
''',
        "ReLU before batch norm (layers in the wrong order)": '''
class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim=16, channels=32):
        super().__init__()
        self.latent_dim, self.channels = latent_dim, channels
        c = channels
        self.fc = nn.Linear(latent_dim, 2 * c * 2 * 2)
        self.bn0 = nn.BatchNorm2d(2 * c)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.up2 = nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1)

    def forward(self, z):
        h = self.bn0(F.relu(self.fc(z).view(z.shape[0], 2 * self.channels, 2, 2)))
        h = self.bn1(F.relu(self.up1(h)))
        return torch.tanh(self.up2(h))
''',
        "hard-codes 32 channels in the reshape": '''
class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim=16, channels=32):
        super().__init__()
        self.latent_dim, self.channels = latent_dim, channels
        c = channels
        self.fc = nn.Linear(latent_dim, 2 * c * 2 * 2)
        self.bn0 = nn.BatchNorm2d(2 * c)
        self.up1 = nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(c)
        self.up2 = nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z).view(-1, 64, 2, 2)))
        h = F.relu(self.bn1(self.up1(h)))
        return torch.tanh(self.up2(h))
''',
    },
    "inception_score": {
        "forgets the exponential (returns the mean KL)": '''
def inception_score(probs):
    marginal = probs.mean(dim=0, keepdim=True)
    return (torch.xlogy(probs, probs) - torch.xlogy(probs, marginal)).sum(dim=1).mean()
''',
        "0 log 0 becomes NaN": '''
def inception_score(probs):
    marginal = probs.mean(dim=0, keepdim=True)
    return torch.exp((probs * (probs.log() - marginal.log())).sum(dim=1).mean())
''',
        "KL in the wrong direction: KL(p(y) || p(y|x))": '''
def inception_score(probs):
    marginal = probs.mean(dim=0, keepdim=True).expand_as(probs)
    eps = 1e-12
    return torch.exp((marginal * ((marginal + eps).log() - (probs + eps).log())).sum(dim=1).mean())
''',
        "averages over the classes instead of the samples for p(y)": '''
def inception_score(probs):
    marginal = probs.mean(dim=1, keepdim=True)
    return torch.exp((torch.xlogy(probs, probs) - torch.xlogy(probs, marginal)).sum(dim=1).mean())
''',
        "only the diversity term exp(H[p(y)]), ignoring the confidence of each sample": '''
def inception_score(probs):
    marginal = probs.mean(dim=0)
    return torch.exp(-torch.xlogy(marginal, marginal).sum())
''',
    },
}
