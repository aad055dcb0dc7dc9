"""Plausible wrong answers for week 04 (training deep networks), kept with the tests, never in source/.

``WRONG_ANSWERS[grade_id][description]`` is the full replacement source of the solution cell
``grade_id`` of ``source/04-training-deep-nets/04-training-deep-nets.ipynb``. A submission whose
solution cell is replaced by one of them must lose points on that exercise's test cells (the cells
whose grade_id starts with ``test_<grade_id>``).
"""

# The optimiser classes share their constructor and loop; only the update differs.
_SGD_HEAD = '''
class SGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
'''

_ADAM_HEAD = '''
class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                beta1, beta2 = group["betas"]
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
'''

_ADAM_STATE = '''
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["step"] += 1
                t = state["step"]
                m, v = state["m"], state["v"]
'''

_BN_INIT = '''
class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
'''

_EARLY_INIT = '''
class EarlyStopping:
    def __init__(self, model, patience=5, min_delta=0.0, key="val_loss"):
        self.model, self.patience, self.min_delta, self.key = model, patience, min_delta, key
        self.best_value, self.best_epoch, self.best_state = math.inf, 0, None

'''

_DROPOUT_INIT = '''
class Dropout(nn.Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = float(p)

'''

WRONG_ANSWERS: dict[str, dict[str, str]] = {
    "overfit_one_batch": {
        "never zeroes the gradients: they accumulate over the steps": '''
def overfit_one_batch(model, x, y, optimizer, steps, loss_fn=F.cross_entropy):
    model.train()
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''',
        "zeroes the gradients between backward and step: the optimizer never sees a gradient": '''
def overfit_one_batch(model, x, y, optimizer, steps, loss_fn=F.cross_entropy):
    model.train()
    losses = []
    for _ in range(steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses
''',
        "keeps the loss tensors instead of Python floats": '''
def overfit_one_batch(model, x, y, optimizer, steps, loss_fn=F.cross_entropy):
    model.train()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses
''',
        "forgets model.train(): batch norm keeps using its running statistics": '''
def overfit_one_batch(model, x, y, optimizer, steps, loss_fn=F.cross_entropy):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''',
    },
    "SGD": {
        "steps along the gradient instead of against it": _SGD_HEAD + '''
                p.add_(p.grad, alpha=group["lr"])
        return loss
''',
        "rebinds p = p - lr * g instead of updating the parameter in place": _SGD_HEAD + '''
                p = p - group["lr"] * p.grad
        return loss
''',
        "ignores weight decay": _SGD_HEAD + '''
                g = p.grad
                if group["momentum"] != 0:
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = g.clone()
                    else:
                        state["buf"].mul_(group["momentum"]).add_(g)
                    g = state["buf"]
                p.add_(g, alpha=-group["lr"])
        return loss
''',
        "takes lr from the constructor: schedules and groups have no effect": '''
class SGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        self.lr = lr
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.add(p, alpha=group["weight_decay"])
                if group["momentum"] != 0:
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = g.clone()
                    else:
                        state["buf"].mul_(group["momentum"]).add_(g)
                    g = state["buf"]
                p.add_(g, alpha=-self.lr)
        return loss
''',
        "damped momentum: b = momentum * b + (1 - momentum) * g": _SGD_HEAD + '''
                g = p.grad.add(p, alpha=group["weight_decay"])
                if group["momentum"] != 0:
                    state = self.state[p]
                    buf = state.get("buf", torch.zeros_like(p))
                    state["buf"] = group["momentum"] * buf + (1 - group["momentum"]) * g
                    g = state["buf"]
                p.add_(g, alpha=-group["lr"])
        return loss
''',
        "keeps p.grad itself as the first momentum buffer (no clone)": _SGD_HEAD + '''
                g = p.grad
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                if group["momentum"] != 0:
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = g
                    else:
                        state["buf"].mul_(group["momentum"]).add_(g)
                    g = state["buf"]
                p.add_(g, alpha=-group["lr"])
        return loss
''',
        "velocity form v = momentum * v + lr * g: differs when the learning rate changes": _SGD_HEAD + '''
                g = p.grad.add(p, alpha=group["weight_decay"])
                if group["momentum"] != 0:
                    state = self.state[p]
                    v = state.get("v", torch.zeros_like(p))
                    state["v"] = group["momentum"] * v + group["lr"] * g
                    p.sub_(state["v"])
                else:
                    p.sub_(group["lr"] * g)
        return loss
''',
        "adds weight decay after the momentum buffer": _SGD_HEAD + '''
                g = p.grad
                if group["momentum"] != 0:
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = g.clone()
                    else:
                        state["buf"].mul_(group["momentum"]).add_(g)
                    g = state["buf"]
                p.add_(g + group["weight_decay"] * p, alpha=-group["lr"])
        return loss
''',
        "forgets the buffer between steps: momentum never builds up": _SGD_HEAD + '''
                g = p.grad.add(p, alpha=group["weight_decay"])
                buf = torch.zeros_like(p)
                buf = group["momentum"] * buf + g
                p.add_(buf, alpha=-group["lr"])
        return loss
''',
    },
    "Adam": {
        "no bias correction": _ADAM_HEAD + _ADAM_STATE + '''
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                p.addcdiv_(m, v.sqrt().add_(group["eps"]), value=-group["lr"])
        return loss
''',
        "eps inside the square root": _ADAM_HEAD + _ADAM_STATE + '''
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat = m / (1 - beta1 ** t)
                v_hat = v / (1 - beta2 ** t)
                p.sub_(group["lr"] * m_hat / torch.sqrt(v_hat + group["eps"]))
        return loss
''',
        "one step counter per call of step(), shared by all parameters": '''
class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))
        self.t = 0

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self.t += 1
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                beta1, beta2 = group["betas"]
                g = p.grad.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if not state:
                    state["m"], state["v"] = torch.zeros_like(p), torch.zeros_like(p)
                m, v = state["m"], state["v"]
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat, v_hat = m / (1 - beta1 ** self.t), v / (1 - beta2 ** self.t)
                p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])
        return loss
''',
        "decoupled weight decay (AdamW) instead of the L2 gradient term": '''
class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                beta1, beta2 = group["betas"]
                g = p.grad
                p.mul_(1 - group["lr"] * group["weight_decay"])
''' + _ADAM_STATE + '''
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
                p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])
        return loss
''',
        "uses the constructor's betas and eps instead of the group's": '''
class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))
        self.betas, self.eps = (0.9, 0.999), 1e-8

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                beta1, beta2 = self.betas
                g = p.grad.add(p, alpha=group["weight_decay"])
''' + _ADAM_STATE + '''
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
                p.addcdiv_(m_hat, v_hat.sqrt().add_(self.eps), value=-group["lr"])
        return loss
''',
    },
    "warmup_cosine": {
        "warm-up starts at a learning rate of 0: s / W": '''
def warmup_cosine(step, warmup_steps, total_steps, final_factor=0.0):
    if step < warmup_steps:
        return step / warmup_steps
    progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
    return final_factor + (1.0 - final_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))
''',
        "the cosine runs over all T steps instead of the T - W after the warm-up": '''
def warmup_cosine(step, warmup_steps, total_steps, final_factor=0.0):
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, step / total_steps)
    return final_factor + (1.0 - final_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))
''',
        "no clamp after T: the cosine rises again": '''
def warmup_cosine(step, warmup_steps, total_steps, final_factor=0.0):
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return final_factor + (1.0 - final_factor) * 0.5 * (1.0 + math.cos(math.pi * progress))
''',
        "returns a 0-dim tensor instead of a float": '''
def warmup_cosine(step, warmup_steps, total_steps, final_factor=0.0):
    if step < warmup_steps:
        return torch.tensor((step + 1) / warmup_steps)
    progress = torch.tensor(min(1.0, (step - warmup_steps) / (total_steps - warmup_steps)))
    return final_factor + (1.0 - final_factor) * 0.5 * (1.0 + torch.cos(math.pi * progress))
''',
    },
    "initialise_": {
        "takes fan_in from weight.shape[0] (that is fan_out)": '''
def initialise_(model, scheme):
    if scheme not in ("naive", "xavier", "kaiming"):
        raise ValueError(scheme)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fan_in, fan_out = module.weight.shape
            std = {"naive": 0.01, "xavier": math.sqrt(2 / (fan_in + fan_out)), "kaiming": math.sqrt(2 / fan_in)}[scheme]
            with torch.no_grad():
                module.weight.normal_(0, std)
                module.bias.zero_()
    return model
''',
        "uses the variance 2 / fan_in as the standard deviation": '''
def initialise_(model, scheme):
    if scheme not in ("naive", "xavier", "kaiming"):
        raise ValueError(scheme)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fan_out, fan_in = module.weight.shape
            std = {"naive": 0.01, "xavier": 2 / (fan_in + fan_out), "kaiming": 2 / fan_in}[scheme]
            with torch.no_grad():
                module.weight.normal_(0, std)
                module.bias.zero_()
    return model
''',
        "LeCun's sqrt(1 / fan_in) for kaiming (forgets the factor 2 for ReLU)": '''
def initialise_(model, scheme):
    if scheme not in ("naive", "xavier", "kaiming"):
        raise ValueError(scheme)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fan_out, fan_in = module.weight.shape
            std = {"naive": 0.01, "xavier": math.sqrt(2 / (fan_in + fan_out)), "kaiming": math.sqrt(1 / fan_in)}[scheme]
            with torch.no_grad():
                module.weight.normal_(0, std)
                module.bias.zero_()
    return model
''',
        "leaves the biases at PyTorch's default": '''
def initialise_(model, scheme):
    if scheme not in ("naive", "xavier", "kaiming"):
        raise ValueError(scheme)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fan_out, fan_in = module.weight.shape
            std = {"naive": 0.01, "xavier": math.sqrt(2 / (fan_in + fan_out)), "kaiming": math.sqrt(2 / fan_in)}[scheme]
            with torch.no_grad():
                module.weight.normal_(0, std)
    return model
''',
        "assigns new Parameter objects instead of changing the existing ones": '''
def initialise_(model, scheme):
    if scheme not in ("naive", "xavier", "kaiming"):
        raise ValueError(scheme)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fan_out, fan_in = module.weight.shape
            std = {"naive": 0.01, "xavier": math.sqrt(2 / (fan_in + fan_out)), "kaiming": math.sqrt(2 / fan_in)}[scheme]
            module.weight = nn.Parameter(torch.randn(fan_out, fan_in) * std)
            module.bias = nn.Parameter(torch.zeros(fan_out))
    return model
''',
        "only looks at the direct children, missing nested Linear layers": '''
def initialise_(model, scheme):
    if scheme not in ("naive", "xavier", "kaiming"):
        raise ValueError(scheme)
    for module in model.children():
        if isinstance(module, nn.Linear):
            fan_out, fan_in = module.weight.shape
            std = {"naive": 0.01, "xavier": math.sqrt(2 / (fan_in + fan_out)), "kaiming": math.sqrt(2 / fan_in)}[scheme]
            with torch.no_grad():
                module.weight.normal_(0, std)
                if module.bias is not None:
                    module.bias.zero_()
    return model
''',
    },
    "Dropout": {
        "does not rescale the kept elements": _DROPOUT_INIT + '''
    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype)
''',
        "multiplies the kept elements by 1 - p instead of dividing": _DROPOUT_INIT + '''
    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) * (1 - self.p)
''',
        "keeps each element with probability p instead of 1 - p": _DROPOUT_INIT + '''
    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return x * (torch.rand_like(x) < self.p).to(x.dtype) / (1 - self.p)
''',
        "drops elements in evaluation mode too": _DROPOUT_INIT + '''
    def forward(self, x):
        if self.p == 0:
            return x
        if self.p == 1:
            return torch.zeros_like(x)
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
''',
        "one mask for the whole batch, shared by all rows": _DROPOUT_INIT + '''
    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return torch.zeros_like(x)
        keep = (torch.rand(x.shape[1:], device=x.device) >= self.p).to(x.dtype)
        return x * keep / (1 - self.p)
''',
        "divides by 1 - p = 0 when p = 1": _DROPOUT_INIT + '''
    def forward(self, x):
        if not self.training:
            return x
        return x * (torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p)
''',
        "zeroes the input in place": _DROPOUT_INIT + '''
    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return torch.zeros_like(x)
        with torch.no_grad():
            x.mul_((torch.rand_like(x) >= self.p).to(x.dtype) / (1 - self.p))
        return x
''',
    },
    "EarlyStopping": {
        "keeps model.state_dict() itself, whose tensors training keeps changing": _EARLY_INIT + '''
    def __call__(self, epoch, history):
        value = history[self.key][-1]
        if value < self.best_value - self.min_delta:
            self.best_value, self.best_epoch = value, epoch
            self.best_state = self.model.state_dict()
        return epoch - self.best_epoch >= self.patience
''',
        "stops one epoch too late (> instead of >=)": _EARLY_INIT + '''
    def __call__(self, epoch, history):
        value = history[self.key][-1]
        if value < self.best_value - self.min_delta:
            self.best_value, self.best_epoch = value, epoch
            self.best_state = copy.deepcopy(self.model.state_dict())
        return epoch - self.best_epoch > self.patience
''',
        "counts a tie as an improvement": _EARLY_INIT + '''
    def __call__(self, epoch, history):
        value = history[self.key][-1]
        if value <= self.best_value - self.min_delta:
            self.best_value, self.best_epoch = value, epoch
            self.best_state = copy.deepcopy(self.model.state_dict())
        return epoch - self.best_epoch >= self.patience
''',
        "ignores min_delta": _EARLY_INIT + '''
    def __call__(self, epoch, history):
        value = history[self.key][-1]
        if value < self.best_value:
            self.best_value, self.best_epoch = value, epoch
            self.best_state = copy.deepcopy(self.model.state_dict())
        return epoch - self.best_epoch >= self.patience
''',
        "counts epochs since the last decrease instead of since the best value": _EARLY_INIT + '''
    def __call__(self, epoch, history):
        values = history[self.key]
        if len(values) == 1 or values[-1] < values[-2] - self.min_delta:
            self.since = 0
        else:
            self.since += 1
        if values[-1] < self.best_value:
            self.best_value, self.best_epoch = values[-1], epoch
            self.best_state = copy.deepcopy(self.model.state_dict())
        return self.since >= self.patience
''',
    },
    "BatchNorm1d": {
        "normalises with the unbiased variance (divides by B - 1)": _BN_INIT + '''
    def forward(self, x):
        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=True)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var)
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias
''',
        "updates the running variance with the biased variance": _BN_INIT + '''
    def forward(self, x):
        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var)
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias
''',
        "uses the batch statistics in evaluation mode too": _BN_INIT + '''
    def forward(self, x):
        mean, var = x.mean(0), x.var(0, unbiased=False)
        if self.training:
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * x.var(0, unbiased=True))
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias
''',
        "keeps the running statistics as plain attributes, not buffers": '''
class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.running_mean = torch.zeros(num_features)
        self.running_var = torch.ones(num_features)

    def forward(self, x):
        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * x.var(0, unbiased=True)
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias
''',
        "adds eps outside the square root": _BN_INIT + '''
    def forward(self, x):
        if self.training:
            mean, var = x.mean(0), x.var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * x.var(0, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / (torch.sqrt(var) + self.eps) + self.bias
''',
        "computes the batch statistics from x.detach(): no gradient through them": _BN_INIT + '''
    def forward(self, x):
        if self.training:
            mean, var = x.detach().mean(0), x.detach().var(0, unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * x.var(0, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        return self.weight * (x - mean) / torch.sqrt(var + self.eps) + self.bias
''',
    },
}
