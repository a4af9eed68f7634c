"""The optimizer updates as one CUDA launch per variable (in place, nothing returned),
the same arithmetic as ``kcore.training.update_kernels``."""
from kcore_gpu.launch import i32, i64, run, scalar
from kcore_gpu.overrides import dense_floats, is_number, override


def _ok(arrays, numbers):
    return dense_floats(*arrays) and is_number(*numbers) and all(a.shape == arrays[1].shape
                                                                 for a in arrays if a is not None)


@override('sgd_update', lambda g, w, velocity, lr, momentum, nesterov: _ok((g, w, velocity), (lr, momentum)))
def sgd_update(g, w, velocity, lr, momentum, nesterov):
    """``w -= lr * g``, or with ``velocity`` the (Nesterov) momentum rule, in one launch."""
    t = w.dtype
    run('optimizers', 'sgd_update', t, w.size, g, w, w if velocity is None else velocity, i64(w.size),
        scalar(lr, t), scalar(momentum, t), i32(velocity is not None), i32(bool(nesterov)))


@override('rmsprop_update', lambda g, w, velocity, momentum_slot, average_gradient, lr, rho, momentum, epsilon:
          _ok((g, w, velocity, momentum_slot, average_gradient), (lr, rho, momentum, epsilon)))
def rmsprop_update(g, w, velocity, momentum_slot, average_gradient, lr, rho, momentum, epsilon):
    """RMSprop (Keras 2.3, or centred with ``average_gradient``), momentum optional, one launch."""
    t = w.dtype
    run('optimizers', 'rmsprop_update', t, w.size, g, w, velocity,
        w if momentum_slot is None else momentum_slot, w if average_gradient is None else average_gradient,
        i64(w.size), scalar(lr, t), scalar(1.0 - rho, t), scalar(momentum, t), scalar(epsilon, t),
        i32(momentum_slot is not None), i32(average_gradient is not None))


@override('adam_update', lambda g, w, m, v, v_hat, alpha, beta_1, beta_2, epsilon:
          _ok((g, w, m, v, v_hat), (alpha, beta_1, beta_2, epsilon)))
def adam_update(g, w, m, v, v_hat, alpha, beta_1, beta_2, epsilon):
    """Adam (AMSGrad with ``v_hat``) in one launch; ``alpha`` carries the bias correction."""
    t = w.dtype
    run('optimizers', 'adam_update', t, w.size, g, w, m, v, w if v_hat is None else v_hat, i64(w.size),
        scalar(alpha, t), scalar(1.0 - beta_1, t), scalar(1.0 - beta_2, t), scalar(epsilon, t),
        i32(v_hat is not None))


@override('adamax_update', lambda g, w, m, u, alpha, beta_1, beta_2, epsilon:
          _ok((g, w, m, u), (alpha, beta_1, beta_2, epsilon)))
def adamax_update(g, w, m, u, alpha, beta_1, beta_2, epsilon):
    """Adamax in one launch; ``alpha`` carries the bias correction."""
    t = w.dtype
    run('optimizers', 'adamax_update', t, w.size, g, w, m, u, i64(w.size), scalar(alpha, t), scalar(1.0 - beta_1, t),
        scalar(beta_2, t), scalar(epsilon, t))


@override('nadam_update', lambda g, w, m, v, lr, beta_1, beta_2, epsilon, gradient_coef, momentum_coef,
          velocity_correction: _ok((g, w, m, v), (lr, beta_1, beta_2, epsilon, gradient_coef, momentum_coef,
                                                  velocity_correction)))
def nadam_update(g, w, m, v, lr, beta_1, beta_2, epsilon, gradient_coef, momentum_coef, velocity_correction):
    """Nadam in one launch; the optimizer supplies the momentum-schedule coefficients."""
    t = w.dtype
    run('optimizers', 'nadam_update', t, w.size, g, w, m, v, i64(w.size), scalar(lr, t), scalar(1.0 - beta_1, t),
        scalar(1.0 - beta_2, t), scalar(epsilon, t), scalar(gradient_coef, t), scalar(momentum_coef, t),
        scalar(velocity_correction, t))


@override('adagrad_update', lambda g, w, accumulator, lr, epsilon: _ok((g, w, accumulator), (lr, epsilon)))
def adagrad_update(g, w, accumulator, lr, epsilon):
    """Adagrad in one launch."""
    t = w.dtype
    run('optimizers', 'adagrad_update', t, w.size, g, w, accumulator, i64(w.size), scalar(lr, t), scalar(epsilon, t))


@override('adadelta_update', lambda g, w, accumulated_grad, accumulated_delta_var, lr, rho, epsilon:
          _ok((g, w, accumulated_grad, accumulated_delta_var), (lr, rho, epsilon)))
def adadelta_update(g, w, accumulated_grad, accumulated_delta_var, lr, rho, epsilon):
    """Adadelta in one launch."""
    t = w.dtype
    run('optimizers', 'adadelta_update', t, w.size, g, w, accumulated_grad, accumulated_delta_var, i64(w.size),
        scalar(lr, t), scalar(1.0 - rho, t), scalar(epsilon, t))
