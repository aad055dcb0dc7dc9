"""Plausible wrong answers for week 01 (math review), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/01-math-review/01-math-review.ipynb``. A submission whose solution cell
is replaced by one of them must lose points on that exercise's test cells (the cells whose
grade_id starts with ``test_<grade_id>``). Answers that crash, overflow or return the wrong
shape are included on purpose: the tests must turn each of them into lost points.
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "pairwise_sq_distances": {
        "takes the square root: Euclidean distances instead of squared ones": '''
def pairwise_sq_distances(X, Y):
    return torch.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1))
''',
        "drops the factor 2 in front of the cross term X @ Y.T": '''
def pairwise_sq_distances(X, Y):
    sq_x = (X * X).sum(dim=1)
    sq_y = (Y * Y).sum(dim=1)
    return (sq_x[:, None] + sq_y[None, :] - X @ Y.T).clamp_min(0.0)
''',
        "sums the squared differences over the wrong axis": '''
def pairwise_sq_distances(X, Y):
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=1)
''',
        "returns a float32 result for float64 inputs": '''
def pairwise_sq_distances(X, Y):
    X, Y = X.float(), Y.float()
    return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1)
''',
    },
    "pca_fit": {
        "forgets to centre the data before the SVD": '''
def pca_fit(X, k):
    mean = X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X, full_matrices=False)
    return mean, Vh[:k], S[:k] ** 2 / (X.shape[0] - 1)
''',
        "takes the first k eigenvalues of eigh, which sorts them in increasing order": '''
def pca_fit(X, k):
    mean = X.mean(dim=0)
    centred = X - mean
    cov = centred.T @ centred / (X.shape[0] - 1)
    eigenvalues, eigenvectors = torch.linalg.eigh(cov)
    return mean, eigenvectors[:, :k].T, eigenvalues[:k]
''',
        "returns the eigenvectors as columns [D, k] (missing transpose)": '''
def pca_fit(X, k):
    mean = X.mean(dim=0)
    centred = X - mean
    cov = centred.T @ centred / (X.shape[0] - 1)
    eigenvalues, eigenvectors = torch.linalg.eigh(cov)
    order = torch.argsort(eigenvalues, descending=True)[:k]
    return mean, eigenvectors[:, order], eigenvalues[order]
''',
        "divides the covariance by N instead of N - 1": '''
def pca_fit(X, k):
    mean = X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X - mean, full_matrices=False)
    return mean, Vh[:k], S[:k] ** 2 / X.shape[0]
''',
        "returns singular values instead of variances": '''
def pca_fit(X, k):
    mean = X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X - mean, full_matrices=False)
    return mean, Vh[:k], S[:k]
''',
    },
    "pca_reconstruct": {
        "forgets to add the mean back": '''
def pca_reconstruct(X, mean, components):
    return ((X - mean) @ components.T) @ components
''',
        "projects the uncentred data": '''
def pca_reconstruct(X, mean, components):
    return (X @ components.T) @ components + mean
''',
    },
    "sample_categorical": {
        "exclusive cumulative sum: every sample is one too large": '''
def sample_categorical(probs, n, generator=None):
    cdf = torch.cumsum(probs, dim=0) - probs
    u = torch.rand(n, generator=generator, dtype=probs.dtype)
    return torch.searchsorted(cdf, u, right=True)
''',
        "draws categories uniformly and ignores probs": '''
def sample_categorical(probs, n, generator=None):
    return torch.randint(0, probs.shape[0], (n,), generator=generator)
''',
        "reverses the categories (counts CDF entries above u)": '''
def sample_categorical(probs, n, generator=None):
    cdf = torch.cumsum(probs, dim=0)
    u = torch.rand(n, generator=generator, dtype=probs.dtype)
    return (u[:, None] < cdf[None, :]).sum(dim=1).clamp(max=probs.shape[0] - 1)
''',
        "ignores the generator, so seeded runs do not repeat": '''
def sample_categorical(probs, n, generator=None):
    cdf = torch.cumsum(probs, dim=0)
    u = torch.rand(n, dtype=probs.dtype)
    return torch.searchsorted(cdf, u, right=True).clamp(max=probs.shape[0] - 1)
''',
        "calls torch.multinomial instead of inverse transform sampling": '''
def sample_categorical(probs, n, generator=None):
    return torch.multinomial(probs, n, replacement=True, generator=generator)
''',
    },
    "diagnostic_posterior": {
        "base-rate fallacy: returns the sensitivity P(+ | D)": '''
def diagnostic_posterior(prevalence, sensitivity, specificity):
    return sensitivity + 0 * prevalence + 0 * specificity
''',
        "uses the specificity as the false-positive rate": '''
def diagnostic_posterior(prevalence, sensitivity, specificity):
    tp = sensitivity * prevalence
    fp = specificity * (1 - prevalence)
    return tp / (tp + fp)
''',
        "forgets to divide by P(+): returns the joint P(D, +)": '''
def diagnostic_posterior(prevalence, sensitivity, specificity):
    return sensitivity * prevalence + 0 * specificity
''',
    },
    "gaussian_mle": {
        "unbiased variance with 1/(N - 1) (torch.var's default)": '''
def gaussian_mle(x):
    return x.mean(dim=0), x.var(dim=0)
''',
        "returns the standard deviation instead of the variance": '''
def gaussian_mle(x):
    return x.mean(dim=0), x.std(dim=0, correction=0)
''',
        "averages over all elements instead of along dimension 0": '''
def gaussian_mle(x):
    mu = x.mean()
    return mu, ((x - mu) ** 2).mean()
''',
    },
    "entropy": {
        "log base 2 (bits) instead of the natural log (nats)": '''
def entropy(p):
    safe = torch.where(p > 0, p, torch.ones_like(p))
    return -(p * torch.log2(safe)).sum(dim=-1)
''',
        "no special case for p = 0: 0 * log 0 gives NaN": '''
def entropy(p):
    return -(p * torch.log(p)).sum(dim=-1)
''',
        "forgets the minus sign": '''
def entropy(p):
    safe = torch.where(p > 0, p, torch.ones_like(p))
    return (p * torch.log(safe)).sum(dim=-1)
''',
    },
    "kl_divergence": {
        "swaps the arguments: computes KL(q || p)": '''
def kl_divergence(p, q):
    mask = q > 0
    sq = torch.where(mask, q, torch.ones_like(q))
    sp = torch.where(mask, p, torch.ones_like(p))
    return (q * (torch.log(sq) - torch.log(sp))).sum(dim=-1)
''',
        "no special case for p = 0: NaN when p and q have zeros": '''
def kl_divergence(p, q):
    return (p * torch.log(p / q)).sum(dim=-1)
''',
        "log base 2 instead of the natural log": '''
def kl_divergence(p, q):
    mask = p > 0
    sp = torch.where(mask, p, torch.ones_like(p))
    sq = torch.where(mask, q, torch.ones_like(q))
    return (p * (torch.log2(sp) - torch.log2(sq))).sum(dim=-1)
''',
    },
    "logsumexp": {
        "no max subtraction: overflows for 1000 and underflows for -1000": '''
def logsumexp(x, dim=-1):
    return torch.log(torch.exp(x).sum(dim=dim))
''',
        "subtracts the max but forgets to add it back": '''
def logsumexp(x, dim=-1):
    m = torch.amax(x, dim=dim, keepdim=True)
    return torch.log(torch.exp(x - m).sum(dim=dim))
''',
        "keeps the reduced dimension (wrong shape)": '''
def logsumexp(x, dim=-1):
    m = torch.amax(x, dim=dim, keepdim=True)
    return m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))
''',
        "squeezes every size-1 dimension, not only the reduced one": '''
def logsumexp(x, dim=-1):
    m = torch.amax(x, dim=dim, keepdim=True)
    return (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze()
''',
        "calls torch.logsumexp, which the exercise forbids": '''
def logsumexp(x, dim=-1):
    return torch.logsumexp(x, dim=dim)
''',
    },
    "log_softmax": {
        "log of a naive softmax: overflows for large logits": '''
def log_softmax(x, dim=-1):
    e = torch.exp(x)
    return torch.log(e / e.sum(dim=dim, keepdim=True))
''',
        "always normalises along dimension 0": '''
def log_softmax(x, dim=-1):
    return x - logsumexp(x, dim=0).unsqueeze(0)
''',
        "subtracts the max only: the result is not normalised": '''
def log_softmax(x, dim=-1):
    return x - torch.amax(x, dim=dim, keepdim=True)
''',
        "calls F.log_softmax, which the exercise forbids": '''
def log_softmax(x, dim=-1):
    return F.log_softmax(x, dim=dim)
''',
    },
    "cross_entropy_loss": {
        "sums over the batch instead of averaging": '''
def cross_entropy_loss(logits, targets):
    logp = log_softmax(logits, dim=-1)
    return -logp[torch.arange(logits.shape[0]), targets].sum()
''',
        "indexes a [B, B] block with logp[:, targets]": '''
def cross_entropy_loss(logits, targets):
    logp = log_softmax(logits, dim=-1)
    return -logp[:, targets].mean()
''',
        "forgets the minus sign": '''
def cross_entropy_loss(logits, targets):
    logp = log_softmax(logits, dim=-1)
    return logp[torch.arange(logits.shape[0]), targets].mean()
''',
        "returns a Python float (.item()): not differentiable": '''
def cross_entropy_loss(logits, targets):
    logp = log_softmax(logits, dim=-1)
    return -logp[torch.arange(logits.shape[0]), targets].mean().item()
''',
        "naive log of softmax probabilities: inf/nan for large logits": '''
def cross_entropy_loss(logits, targets):
    probs = torch.exp(logits) / torch.exp(logits).sum(dim=-1, keepdim=True)
    return -torch.log(probs[torch.arange(logits.shape[0]), targets]).mean()
''',
    },
}
