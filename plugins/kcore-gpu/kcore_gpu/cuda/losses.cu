// Cross-entropies on logits, fused: forward and gradient in one launch each.

// softmax_cross_entropy over the last axis: one block per row of ``cols`` classes.
// Keeps per row ``shift = max + log(sum(exp(x - max)))`` (so log_p = x - shift) and
// ``tsum = sum(target)`` for the backward pass.
extern "C" __global__ void softmax_xent_forward(const T* __restrict__ x, const T* __restrict__ t,
                                                T* __restrict__ out, T* __restrict__ shift,
                                                T* __restrict__ tsum, long long cols) {
  __shared__ T shared[32];
  const T* xr = x + blockIdx.x * cols;
  const T* tr = t + blockIdx.x * cols;
  T m = KC_NEG_INF;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) m = max(m, xr[j]);
  m = kc_block_max(m, shared);
  T s = 0, st = 0, stx = 0;
  for (long long j = threadIdx.x; j < cols; j += blockDim.x) {
    T z = xr[j] - m;
    s += exp(z);
    st += tr[j];
    stx += tr[j] * z;
  }
  s = kc_block_sum(s, shared);
  st = kc_block_sum(st, shared);
  stx = kc_block_sum(stx, shared);
  if (threadIdx.x == 0) {
    T lse = log(s);
    out[blockIdx.x] = lse * st - stx;   // -sum(t * (z - lse))
    shift[blockIdx.x] = m + lse;
    tsum[blockIdx.x] = st;
  }
}

// d logits = g * (softmax * tsum - t); d target = -g * log_p (either may be skipped).
extern "C" __global__ void softmax_xent_backward(const T* __restrict__ x, const T* __restrict__ t,
                                                 const T* __restrict__ g, const T* __restrict__ shift,
                                                 const T* __restrict__ tsum, T* __restrict__ gx,
                                                 T* __restrict__ gt, long long n, long long cols,
                                                 int want_x, int want_t) {
  KC_LOOP(i, n) {
    long long r = i / cols;
    T log_p = x[i] - shift[r];
    if (want_x) gx[i] = g[r] * (exp(log_p) * tsum[r] - t[i]);
    if (want_t) gt[i] = -g[r] * log_p;
  }
}

// Binary crossentropy on logits, element-wise: max(x, 0) - x t + log1p(exp(-|x|)).
extern "C" __global__ void sigmoid_xent_forward(const T* __restrict__ x, const T* __restrict__ t,
                                                T* __restrict__ out, long long n) {
  KC_LOOP(i, n) {
    T v = x[i];
    out[i] = max(v, (T)0) - v * t[i] + log1p(exp(-fabs(v)));
  }
}
extern "C" __global__ void sigmoid_xent_backward(const T* __restrict__ x, const T* __restrict__ t,
                                                 const T* __restrict__ g, T* __restrict__ gx,
                                                 T* __restrict__ gt, long long n, int want_x, int want_t) {
  KC_LOOP(i, n) {
    T v = x[i];
    if (want_x) {
      T e = exp(-fabs(v));
      T sig = v >= (T)0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e);
      gx[i] = g[i] * (sig - t[i]);
    }
    if (want_t) gt[i] = -g[i] * v;
  }
}
