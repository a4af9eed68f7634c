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

// The GRU cell (Keras gate order z, r, h; sigmoid gates, tanh candidate). z (batch, 3U)
// holds the input projections in; the activated z, r, hh out (the backward reads them).

// reset_after (CuDNN-compatible): inner = h @ U (batch, 3U) from cuBLAS, plus b_rec here;
// hh = tanh(x_h + r * inner_h). Keeps inner_h in ``saved``.
extern "C" __global__ void gru_forward_after(T* __restrict__ z, const T* __restrict__ inner,
                                             const T* __restrict__ b_rec, const T* __restrict__ h,
                                             T* __restrict__ h_new, T* __restrict__ saved, long long n,
                                             long long units, int has_b_rec) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    T* zr = z + b * 3 * units;
    const T* ir = inner + b * 3 * units;
    T iz = ir[u], irr = ir[units + u], ih = ir[2 * units + u];
    if (has_b_rec) { iz += b_rec[u]; irr += b_rec[units + u]; ih += b_rec[2 * units + u]; }
    T zg = (T)1 / ((T)1 + exp(-(zr[u] + iz)));
    T r = (T)1 / ((T)1 + exp(-(zr[units + u] + irr)));
    T hh = tanh(zr[2 * units + u] + r * ih);
    zr[u] = zg; zr[units + u] = r; zr[2 * units + u] = hh;
    saved[e] = ih;
    h_new[e] = zg * (h[e] - hh) + hh;
  }
}

// reset_before (Keras 2.3's default), first half: z, r activated after z[:, :2U] += h @ U_zr;
// saved = r * h_dropped, the input of the candidate's recurrent product.
extern "C" __global__ void gru_gates_before(T* __restrict__ z, const T* __restrict__ hp, T* __restrict__ saved,
                                            long long n, long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    T* zr = z + b * 3 * units;
    T zg = (T)1 / ((T)1 + exp(-zr[u]));
    T r = (T)1 / ((T)1 + exp(-zr[units + u]));
    zr[u] = zg; zr[units + u] = r;
    saved[e] = r * hp[e];
  }
}

// reset_before, second half (after z[:, 2U:] += saved @ U_h): hh = tanh, the new state.
extern "C" __global__ void gru_output_before(T* __restrict__ z, const T* __restrict__ h, T* __restrict__ h_new,
                                             long long n, long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    T* zr = z + b * 3 * units;
    T hh = tanh(zr[2 * units + u]);
    zr[2 * units + u] = hh;
    h_new[e] = zr[u] * (h[e] - hh) + hh;
  }
}

// Backward, both variants: dz for the z and hh pre-activations, and dh's direct part (dh * z).
extern "C" __global__ void gru_backward_common(const T* __restrict__ z, const T* __restrict__ h,
                                               const T* __restrict__ dh, T* __restrict__ dz,
                                               T* __restrict__ dh_direct, long long n, long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    const T* zr = z + b * 3 * units;
    T* dzr = dz + b * 3 * units;
    T zg = zr[u], hh = zr[2 * units + u], d = dh[e];
    dzr[u] = d * (h[e] - hh) * zg * ((T)1 - zg);
    dzr[2 * units + u] = d * ((T)1 - zg) * ((T)1 - hh * hh);
    dh_direct[e] = d * zg;
  }
}

// reset_after: dr from the saved recurrent candidate term; dinner, the gradient of h @ U (+ b_rec).
extern "C" __global__ void gru_backward_after(const T* __restrict__ z, const T* __restrict__ saved,
                                              T* __restrict__ dz, T* __restrict__ dinner, long long n,
                                              long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    const T* zr = z + b * 3 * units;
    T* dzr = dz + b * 3 * units;
    T* dir = dinner + b * 3 * units;
    T r = zr[units + u], dhh = dzr[2 * units + u];
    T dr = dhh * saved[e] * r * ((T)1 - r);
    dzr[units + u] = dr;
    dir[u] = dzr[u];
    dir[units + u] = dr;
    dir[2 * units + u] = dhh * r;
  }
}

// reset_before: d_rh = dhh @ U_h^T (cuBLAS) in; dr, and the part of dh through r * h (d_rh * r).
extern "C" __global__ void gru_backward_before(const T* __restrict__ z, const T* __restrict__ d_rh,
                                               const T* __restrict__ h_prev, T* __restrict__ dz,
                                               T* __restrict__ dh_through_r, long long n, long long units) {
  KC_LOOP(e, n) {
    long long b = e / units, u = e % units;
    T r = z[b * 3 * units + units + u];
    dz[b * 3 * units + units + u] = d_rh[e] * h_prev[e] * r * ((T)1 - r);
    dh_through_r[e] = d_rh[e] * r;
  }
}
