// Element-wise activations and their gradients: y = f(x) forward; the backward reads
// what the forward kept (y for relu/tanh/sigmoid, x for elu/leaky_relu).

extern "C" __global__ void relu_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
  KC_LOOP(i, n) { T v = x[i]; y[i] = v > (T)0 ? v : (T)0; }
}
extern "C" __global__ void relu_backward(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ gx,
                                         long long n) {
  KC_LOOP(i, n) gx[i] = y[i] > (T)0 ? g[i] : (T)0;
}

extern "C" __global__ void elu_forward(const T* __restrict__ x, T* __restrict__ y, long long n, T alpha) {
  KC_LOOP(i, n) { T v = x[i]; y[i] = v < (T)0 ? alpha * expm1(v) : v; }
}
extern "C" __global__ void elu_backward(const T* __restrict__ g, const T* __restrict__ x, T* __restrict__ gx,
                                        long long n, T alpha) {
  KC_LOOP(i, n) { T v = x[i]; gx[i] = v < (T)0 ? g[i] * (alpha * (expm1(v) + (T)1)) : g[i]; }
}

extern "C" __global__ void leaky_relu_forward(const T* __restrict__ x, T* __restrict__ y, long long n, T alpha) {
  KC_LOOP(i, n) { T v = x[i]; y[i] = v > (T)0 ? v : alpha * v; }
}
extern "C" __global__ void leaky_relu_backward(const T* __restrict__ g, const T* __restrict__ x,
                                               T* __restrict__ gx, long long n, T alpha) {
  KC_LOOP(i, n) gx[i] = x[i] > (T)0 ? g[i] : alpha * g[i];
}

extern "C" __global__ void sigmoid_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
  KC_LOOP(i, n) {
    T v = x[i], e = exp(-fabs(v));
    y[i] = v >= (T)0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e);
  }
}
extern "C" __global__ void sigmoid_backward(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ gx,
                                            long long n) {
  KC_LOOP(i, n) gx[i] = g[i] * y[i] * ((T)1 - y[i]);
}

extern "C" __global__ void tanh_forward(const T* __restrict__ x, T* __restrict__ y, long long n) {
  KC_LOOP(i, n) y[i] = tanh(x[i]);
}
extern "C" __global__ void tanh_backward(const T* __restrict__ g, const T* __restrict__ y, T* __restrict__ gx,
                                         long long n) {
  KC_LOOP(i, n) gx[i] = g[i] * ((T)1 - y[i] * y[i]);
}

// Dropout with a boolean keep-mask drawn by the backend's generator: out = x * mask * scale.
extern "C" __global__ void dropout_apply(const T* __restrict__ x, const bool* __restrict__ mask,
                                         T* __restrict__ out, long long n, T scale) {
  KC_LOOP(i, n) out[i] = mask[i] ? x[i] * scale : (T)0;
}

// Bias add and activation in one pass (Dense's epilogue): y = act(x + b[c]), channels last.
// act: 0 linear, 1 relu, 2 sigmoid, 3 tanh.
extern "C" __global__ void bias_activation_forward(const T* __restrict__ x, const T* __restrict__ b,
                                                   T* __restrict__ y, long long n, long long channels, int act) {
  KC_LOOP(i, n) {
    T z = x[i] + b[i % channels];
    if (act == 1) z = z > (T)0 ? z : (T)0;
    else if (act == 2) { T e = exp(-fabs(z)); z = z >= (T)0 ? (T)1 / ((T)1 + e) : e / ((T)1 + e); }
    else if (act == 3) z = tanh(z);
    y[i] = z;
  }
}

// The gradient of the pre-activation from the output y: g * act'(y).
extern "C" __global__ void bias_activation_backward(const T* __restrict__ g, const T* __restrict__ y,
                                                    T* __restrict__ gz, long long n, int act) {
  KC_LOOP(i, n) {
    T v = y[i], d = g[i];
    if (act == 1) d = v > (T)0 ? d : (T)0;
    else if (act == 2) d = d * v * ((T)1 - v);
    else if (act == 3) d = d * ((T)1 - v * v);
    gz[i] = d;
  }
}
