// Optimizer updates, one launch per variable, in place (w and the slots are written).
// Each mirrors kcore.training.update_kernels; ``one_minus_*`` arrive precomputed in T.

extern "C" __global__ void sgd_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ vel,
                                      long long n, T lr, T momentum, int has_velocity, int nesterov) {
  KC_LOOP(i, n) {
    T step = lr * g[i];
    if (!has_velocity) { w[i] -= step; continue; }
    T v = vel[i] * momentum - step;
    vel[i] = v;
    if (nesterov) w[i] = (w[i] - step) + v * momentum;
    else w[i] += v;
  }
}

extern "C" __global__ void rmsprop_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ vel,
                                          T* __restrict__ mom, T* __restrict__ avg, long long n, T lr,
                                          T one_minus_rho, T momentum, T eps, int has_momentum, int centered) {
  KC_LOOP(i, n) {
    T gi = g[i];
    T v = vel[i] + (gi * gi - vel[i]) * one_minus_rho;
    vel[i] = v;
    T den;
    if (centered) {
      T a = avg[i] + (gi - avg[i]) * one_minus_rho;
      avg[i] = a;
      den = sqrt(v - a * a + eps);
    } else {
      den = sqrt(v) + eps;
    }
    T step = (gi / den) * lr;
    if (has_momentum) {
      T m = mom[i] * momentum + step;
      mom[i] = m;
      w[i] -= m;
    } else {
      w[i] -= step;
    }
  }
}

extern "C" __global__ void adam_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ m,
                                       T* __restrict__ v, T* __restrict__ vhat, long long n, T alpha,
                                       T one_minus_beta_1, T one_minus_beta_2, T eps, int amsgrad) {
  KC_LOOP(i, n) {
    T gi = g[i];
    T mi = m[i] + (gi - m[i]) * one_minus_beta_1;
    m[i] = mi;
    T vi = v[i] + (gi * gi - v[i]) * one_minus_beta_2;
    v[i] = vi;
    if (amsgrad) {
      vi = max(vhat[i], vi);
      vhat[i] = vi;
    }
    w[i] -= (mi / (sqrt(vi) + eps)) * alpha;
  }
}

extern "C" __global__ void adamax_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ m,
                                         T* __restrict__ u, long long n, T alpha, T one_minus_beta_1, T beta_2,
                                         T eps) {
  KC_LOOP(i, n) {
    T gi = g[i];
    T mi = m[i] + (gi - m[i]) * one_minus_beta_1;
    m[i] = mi;
    T ui = max(u[i] * beta_2, fabs(gi));
    u[i] = ui;
    w[i] -= (mi / (ui + eps)) * alpha;
  }
}

extern "C" __global__ void nadam_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ m,
                                        T* __restrict__ v, long long n, T lr, T one_minus_beta_1,
                                        T one_minus_beta_2, T eps, T gradient_coef, T momentum_coef,
                                        T velocity_correction) {
  KC_LOOP(i, n) {
    T gi = g[i];
    T mi = m[i] + (gi - m[i]) * one_minus_beta_1;
    m[i] = mi;
    T vi = v[i] + (gi * gi - v[i]) * one_minus_beta_2;
    v[i] = vi;
    T m_hat = gi * gradient_coef + mi * momentum_coef;
    w[i] -= (m_hat / (sqrt(vi) * velocity_correction + eps)) * lr;
  }
}

extern "C" __global__ void adagrad_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ acc,
                                          long long n, T lr, T eps) {
  KC_LOOP(i, n) {
    T gi = g[i];
    T a = acc[i] + gi * gi;
    acc[i] = a;
    w[i] -= (gi / (sqrt(a) + eps)) * lr;
  }
}

extern "C" __global__ void adadelta_update(const T* __restrict__ g, T* __restrict__ w, T* __restrict__ eg,
                                           T* __restrict__ ed, long long n, T lr, T one_minus_rho, T eps) {
  KC_LOOP(i, n) {
    T gi = g[i];
    T e = eg[i] + (gi * gi - eg[i]) * one_minus_rho;
    eg[i] = e;
    T step = sqrt(ed[i] + eps) * gi / sqrt(e + eps);
    ed[i] = ed[i] + (step * step - ed[i]) * one_minus_rho;
    w[i] -= step * lr;
  }
}
