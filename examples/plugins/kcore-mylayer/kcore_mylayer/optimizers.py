"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms").

    update = sign(beta_1 * m + (1 - beta_1) * g)
    w     -= learning_rate * update
    m      = beta_2 * m + (1 - beta_2) * g

Decoupled weight decay (``weight_decay=``, ``w -= learning_rate * decay * w``
before the update, as in the paper) comes from kcore's ``Optimizer`` base.
"""
from kcore import backend as K
from kcore.optimizers import Optimizer


class Lion(Optimizer):
    """Sign of an interpolated momentum: every weight moves by exactly ``learning_rate``
    a step, so Lion wants a learning rate 3-10x smaller than Adam's."""

    slot_names = ('momentum',)

    def __init__(self, learning_rate=1e-4, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not (0 <= beta_1 <= 1 and 0 <= beta_2 <= 1):
            raise ValueError('Lion: beta_1 and beta_2 must be in [0, 1]. Received: beta_1=%r, beta_2=%r. '
                             'Pass values such as beta_1=0.9, beta_2=0.99.' % (beta_1, beta_2))
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def update_step(self, g, w, lr, slots):
        # ``w`` and the slots are the backend's arrays (NumPy or CuPy): update them in place
        m = slots['momentum']
        w -= lr * K.array_module().sign(self.beta_1 * m + (1.0 - self.beta_1) * g)
        m *= self.beta_2
        m += (1.0 - self.beta_2) * g

    def get_config(self):
        config = super().get_config()
        config.update({'beta_1': self.beta_1, 'beta_2': self.beta_2})
        return config
