"""Plausible wrong answers for week 06 (what networks see), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/06-what-networks-see/06-what-networks-see.ipynb``. A submission whose
solution cell is replaced by one of them must lose points on that exercise's test cells (the
cells whose grade_id starts with ``test_<grade_id>``).
"""

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "fgsm": {
        "steps down the loss (x - eps * sign(grad)), like a training step": '''
def fgsm(model, x, y, eps):
    x_in = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x_in), y), x_in)
    return (x.detach() - eps * grad.sign()).clamp(0.0, 1.0)
''',
        "uses the raw gradient instead of its sign": '''
def fgsm(model, x, y, eps):
    x_in = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x_in), y), x_in)
    return (x.detach() + eps * grad).clamp(0.0, 1.0)
''',
        "forgets to clip to the valid pixel range [0, 1]": '''
def fgsm(model, x, y, eps):
    x_in = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x_in), y), x_in)
    return x.detach() + eps * grad.sign()
''',
        "calls loss.backward(), which also fills the parameters' .grad": '''
def fgsm(model, x, y, eps):
    x_in = x.detach().clone().requires_grad_(True)
    F.cross_entropy(model(x_in), y).backward()
    return (x.detach() + eps * x_in.grad.sign()).clamp(0.0, 1.0)
''',
        "returns a tensor that is still attached to the autograd graph": '''
def fgsm(model, x, y, eps):
    x_in = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x_in), y), x_in)
    return (x_in + eps * grad.sign()).clamp(0.0, 1.0)
''',
    },
    "project_linf": {
        "clips to [0, 1] only, forgetting the eps-ball around x": '''
def project_linf(x_adv, x, eps):
    return x_adv.clamp(0.0, 1.0)
''',
        "clips to the eps-ball only, forgetting the valid pixel range": '''
def project_linf(x_adv, x, eps):
    return torch.minimum(torch.maximum(x_adv, x - eps), x + eps)
''',
        "moves every pixel to the edge of the ball (x + eps * sign) instead of projecting": '''
def project_linf(x_adv, x, eps):
    return (x + eps * torch.sign(x_adv - x)).clamp(0.0, 1.0)
''',
        "clamps the image values to [-eps, eps] instead of the perturbation": '''
def project_linf(x_adv, x, eps):
    return x_adv.clamp(-eps, eps).clamp(0.0, 1.0)
''',
        "clamps x_adv in place": '''
def project_linf(x_adv, x, eps):
    x_adv.clamp_(min=x - eps, max=x + eps)
    return x_adv.clamp_(0.0, 1.0)
''',
    },
    "pgd_attack": {
        "projects only once, after the last step": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        x_adv = x + eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1).to(x.device)
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
        x_adv = x_adv.detach() + alpha * grad.sign()
    return project_linf(x_adv, x, eps).detach()
''',
        "projects around the previous iterate instead of the clean image": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        x_adv = project_linf(x + eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1).to(x.device), x, eps)
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
        x_adv = project_linf(x_adv.detach() + alpha * grad.sign(), x_adv.detach(), eps)
    return x_adv.detach()
''',
        "reuses the gradient at the clean image for every step": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        x_adv = project_linf(x + eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1).to(x.device), x, eps)
    x_in = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x_in), y), x_in)
    for _ in range(steps):
        x_adv = project_linf(x_adv + alpha * grad.sign(), x, eps)
    return x_adv.detach()
''',
        "steps along the raw gradient instead of its sign": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        x_adv = project_linf(x + eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1).to(x.device), x, eps)
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
        x_adv = project_linf(x_adv.detach() + alpha * grad, x, eps)
    return x_adv.detach()
''',
        "ignores random_start and the generator": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
        x_adv = project_linf(x_adv.detach() + alpha * grad.sign(), x, eps)
    return x_adv.detach()
''',
        "draws the random start from the global generator, ignoring generator=": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        x_adv = project_linf(x + torch.empty_like(x).uniform_(-eps, eps), x, eps)
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), y), x_adv)
        x_adv = project_linf(x_adv.detach() + alpha * grad.sign(), x, eps)
    return x_adv.detach()
''',
        "calls loss.backward(), which fills the parameters' .grad": '''
def pgd_attack(model, x, y, eps, alpha, steps, random_start=False, generator=None):
    x = x.detach()
    x_adv = x.clone()
    if random_start:
        x_adv = project_linf(x + eps * (2 * torch.rand(x.shape, generator=generator, dtype=x.dtype) - 1).to(x.device), x, eps)
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        F.cross_entropy(model(x_adv), y).backward()
        x_adv = project_linf(x_adv.detach() + alpha * x_adv.grad.sign(), x, eps)
    return x_adv.detach()
''',
    },
    "targeted_pgd": {
        "climbs the loss of the target (+ alpha * sign), as in the untargeted attack": '''
def targeted_pgd(model, x, target, eps, alpha, steps):
    x = x.detach()
    x_adv = x.clone()
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), target), x_adv)
        x_adv = project_linf(x_adv.detach() + alpha * grad.sign(), x, eps)
    return x_adv.detach()
''',
        "projects around the previous iterate instead of the clean image": '''
def targeted_pgd(model, x, target, eps, alpha, steps):
    x = x.detach()
    x_adv = x.clone()
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), target), x_adv)
        x_adv = project_linf(x_adv.detach() - alpha * grad.sign(), x_adv.detach(), eps)
    return x_adv.detach()
''',
        "keeps the perturbation in the eps-ball but forgets the valid range [0, 1]": '''
def targeted_pgd(model, x, target, eps, alpha, steps):
    x = x.detach()
    x_adv = x.clone()
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x_adv), target), x_adv)
        x_adv = torch.minimum(torch.maximum(x_adv.detach() - alpha * grad.sign(), x - eps), x + eps)
    return x_adv.detach()
''',
        "calls loss.backward(), which fills the parameters' .grad": '''
def targeted_pgd(model, x, target, eps, alpha, steps):
    x = x.detach()
    x_adv = x.clone()
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        F.cross_entropy(model(x_adv), target).backward()
        x_adv = project_linf(x_adv.detach() - alpha * x_adv.grad.sign(), x, eps)
    return x_adv.detach()
''',
    },
    "adversarial_loss": {
        "puts the weight adv_weight on the clean term": '''
def adversarial_loss(model, x, y, eps, alpha, steps, adv_weight=0.5, generator=None):
    x_adv = pgd_attack(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    return adv_weight * F.cross_entropy(model(x), y) + (1 - adv_weight) * F.cross_entropy(model(x_adv), y)
''',
        "attacks the model's own predictions instead of the true labels": '''
def adversarial_loss(model, x, y, eps, alpha, steps, adv_weight=0.5, generator=None):
    with torch.no_grad():
        guess = model(x).argmax(dim=1)
    x_adv = pgd_attack(model, x, guess, eps, alpha, steps, random_start=True, generator=generator)
    return (1 - adv_weight) * F.cross_entropy(model(x), y) + adv_weight * F.cross_entropy(model(x_adv), y)
''',
        "computes the adversarial term under torch.no_grad(): no gradient reaches the parameters from it": '''
def adversarial_loss(model, x, y, eps, alpha, steps, adv_weight=0.5, generator=None):
    x_adv = pgd_attack(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    with torch.no_grad():
        adv = F.cross_entropy(model(x_adv), y)
    return (1 - adv_weight) * F.cross_entropy(model(x), y) + adv_weight * adv
''',
        "sums the per-example losses instead of averaging them": '''
def adversarial_loss(model, x, y, eps, alpha, steps, adv_weight=0.5, generator=None):
    x_adv = pgd_attack(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    clean = F.cross_entropy(model(x), y, reduction="sum")
    adv = F.cross_entropy(model(x_adv), y, reduction="sum")
    return (1 - adv_weight) * clean + adv_weight * adv
''',
    },
    "paint": {
        "thresholds the soft mask instead of blending": '''
def paint(masks, textures, background):
    return torch.where(masks > 0.5, textures, torch.zeros_like(textures) + background)
''',
        "swaps the roles of the mask and its complement (texture outside the shape)": '''
def paint(masks, textures, background):
    return (1 - masks) * textures + masks * background
''',
        "adds the background everywhere instead of outside the shape only": '''
def paint(masks, textures, background):
    return masks * textures + background * torch.ones_like(masks)
''',
    },
    "shape_bias": {
        "counts the images without a conflict as shape decisions": '''
def shape_bias(pred, shape_labels, texture_labels):
    n_shape = (pred == shape_labels).sum()
    n_texture = ((pred == texture_labels) & (shape_labels != texture_labels)).sum()
    return (n_shape / (n_shape + n_texture)).float()
''',
        "divides by all conflicting images, including predictions of neither cue": '''
def shape_bias(pred, shape_labels, texture_labels):
    conflict = shape_labels != texture_labels
    return (((pred == shape_labels) & conflict).sum() / conflict.sum()).float()
''',
        "returns the texture fraction instead of the shape fraction": '''
def shape_bias(pred, shape_labels, texture_labels):
    conflict = shape_labels != texture_labels
    n_shape = ((pred == shape_labels) & conflict).sum()
    n_texture = ((pred == texture_labels) & conflict).sum()
    return (n_texture / (n_shape + n_texture)).float()
''',
        "returns 0 instead of NaN when nothing counts": '''
def shape_bias(pred, shape_labels, texture_labels):
    conflict = shape_labels != texture_labels
    n_shape = ((pred == shape_labels) & conflict).sum()
    n_texture = ((pred == texture_labels) & conflict).sum()
    return (n_shape / (n_shape + n_texture).clamp(min=1)).float()
''',
    },
    "patch_shuffle": {
        "uses one permutation for the whole batch": '''
def patch_shuffle(images, patch, generator=None):
    n, c, h, w = images.shape
    rows, cols = h // patch, w // patch
    tiles = images.reshape(n, c, rows, patch, cols, patch).permute(0, 2, 4, 1, 3, 5).reshape(n, rows * cols, c, patch, patch)
    order = torch.randperm(rows * cols, generator=generator).to(images.device)
    tiles = tiles[:, order]
    return tiles.reshape(n, rows, cols, c, patch, patch).permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)
''',
        "reshapes without permuting, so the 'tiles' are runs of pixels, not squares": '''
def patch_shuffle(images, patch, generator=None):
    n, c, h, w = images.shape
    L = (h // patch) * (w // patch)
    tiles = images.reshape(n, c, L, patch * patch)
    order = torch.rand(n, L, generator=generator).argsort(dim=1).to(images.device)
    tiles = tiles[torch.arange(n, device=images.device)[:, None], :, order].permute(0, 2, 1, 3)
    return tiles.reshape(n, c, h, w)
''',
        "shuffles the pixels inside every tile instead of the tiles": '''
def patch_shuffle(images, patch, generator=None):
    n, c, h, w = images.shape
    rows, cols = h // patch, w // patch
    tiles = images.reshape(n, c, rows, patch, cols, patch).permute(0, 1, 2, 4, 3, 5).reshape(n, c, rows, cols, patch * patch)
    order = torch.rand(patch * patch, generator=generator).argsort().to(images.device)
    tiles = tiles[..., order].reshape(n, c, rows, cols, patch, patch)
    return tiles.permute(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)
''',
        "shuffles every channel with its own permutation": '''
def patch_shuffle(images, patch, generator=None):
    n, c, h, w = images.shape
    rows, cols = h // patch, w // patch
    tiles = images.reshape(n * c, 1, rows, patch, cols, patch).permute(0, 2, 4, 1, 3, 5).reshape(n * c, rows * cols, 1, patch, patch)
    order = torch.rand(n * c, rows * cols, generator=generator).argsort(dim=1).to(images.device)
    tiles = tiles[torch.arange(n * c, device=images.device)[:, None], order]
    return tiles.reshape(n * c, rows, cols, 1, patch, patch).permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)
''',
        "ignores the generator, so seeded calls do not repeat": '''
def patch_shuffle(images, patch, generator=None):
    n, c, h, w = images.shape
    rows, cols = h // patch, w // patch
    tiles = images.reshape(n, c, rows, patch, cols, patch).permute(0, 2, 4, 1, 3, 5).reshape(n, rows * cols, c, patch, patch)
    order = torch.rand(n, rows * cols).argsort(dim=1).to(images.device)
    tiles = tiles[torch.arange(n, device=images.device)[:, None], order]
    return tiles.reshape(n, rows, cols, c, patch, patch).permute(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)
''',
    },
}
