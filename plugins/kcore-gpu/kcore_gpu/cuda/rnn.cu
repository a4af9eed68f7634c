// The LSTM cell step (Keras gate order i, f, c, o; sigmoid gates, tanh cell), fused:
// the GEMMs stay in cuBLAS, the gate arithmetic of one step is one launch each way.

// z (batch, 4U): pre-activations in, activated gates out (the backward pass reads them).
extern "C" __global__ void lstm_cell_forward(T* __restrict__ z, const T* __restrict__ c_prev,
                                             T* __restrict__ c, T* __restrict__ act_c, T* __restrict__ h,
                                             long long n, long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    T* zr = z + b * 4 * units;
    T i = (T)1 / ((T)1 + exp(-zr[u]));
    T f = (T)1 / ((T)1 + exp(-zr[units + u]));
    T g = tanh(zr[2 * units + u]);
    T o = (T)1 / ((T)1 + exp(-zr[3 * units + u]));
    zr[u] = i; zr[units + u] = f; zr[2 * units + u] = g; zr[3 * units + u] = o;
    T cv = f * c_prev[e] + i * g;
    c[e] = cv;
    T a = tanh(cv);
    act_c[e] = a;
    h[e] = o * a;
  }
}

// dh, dc: gradients reaching this step's h and c. Writes dz (batch, 4U), the gradient of
// the pre-activations, and dc_prev, the gradient of the previous cell state.
extern "C" __global__ void lstm_cell_backward(const T* __restrict__ z, const T* __restrict__ act_c,
                                              const T* __restrict__ c_prev, const T* __restrict__ dh,
                                              const T* __restrict__ dc, T* __restrict__ dz,
                                              T* __restrict__ dc_prev, long long n, long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    const T* zr = z + b * 4 * units;
    T* dzr = dz + b * 4 * units;
    T i = zr[u], f = zr[units + u], g = zr[2 * units + u], o = zr[3 * units + u];
    T a = act_c[e];
    T d_o = dh[e] * a;
    T d_c = dc[e] + dh[e] * o * ((T)1 - a * a);
    dzr[u] = d_c * g * i * ((T)1 - i);
    dzr[units + u] = d_c * c_prev[e] * f * ((T)1 - f);
    dzr[2 * units + u] = d_c * i * ((T)1 - g * g);
    dzr[3 * units + u] = d_o * o * ((T)1 - o);
    dc_prev[e] = d_c * f;
  }
}
