"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms").

    update = sign(beta_1 * m + (1 - beta_1) * g)
    w     -= learning_rate * update
    m      = beta_2 * m + (1 - beta_2) * g
"""
from kcore.backend.device import ACTIVE
from kcore.optimizers import Optimizer


class Lion(Optimizer):
    slot_names = ('momentum',)

    def __init__(self, learning_rate=1e-4, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not (0 <= beta_1 <= 1 and 0 <= beta_2 <= 1):
            raise ValueError('Lion: beta_1 and beta_2 must be in [0, 1]. Received: beta_1=%r, beta_2=%r.'
                             % (beta_1, beta_2))
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def update_step(self, grad, var, lr, slots):
        m = slots['momentum']
        var.data -= lr * ACTIVE.xp.sign(self.beta_1 * m + (1.0 - self.beta_1) * grad)
        m *= self.beta_2
        m += (1.0 - self.beta_2) * grad

    def get_config(self):
        config = super().get_config()
        config.update({'beta_1': self.beta_1, 'beta_2': self.beta_2})
        return config
