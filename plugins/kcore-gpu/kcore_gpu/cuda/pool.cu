// Max and average pooling, N-d (N <= 3), channels last, 'valid' or 'same' padding
// (TensorFlow's: max ignores the padding, average divides by the real inputs only).
struct Pool {
  long long batch;
  int D, H, W, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW;
  long long channels;
};

// Forward max: out and the flat input index of the first maximum (ties: the first, as
// TensorFlow), which the backward pass scatters into.
extern "C" __global__ void max_pool_forward(const T* __restrict__ x, T* __restrict__ out,
                                            long long* __restrict__ arg, long long n, Pool s) {
  KC_LOOP(e, n) {
    long long t = e;
    long long c = t % s.channels; t /= s.channels;
    int ow = t % s.OW; t /= s.OW;
    int oh = t % s.OH; t /= s.OH;
    int od = t % s.OD; long long b = t / s.OD;
    T best = KC_NEG_INF;
    long long where = -1;
    for (int kd = 0; kd < s.KD; ++kd) {
      int id = od * s.SD - s.PD + kd;
      if (id < 0 || id >= s.D) continue;
      for (int kh = 0; kh < s.KH; ++kh) {
        int ih = oh * s.SH - s.PH + kh;
        if (ih < 0 || ih >= s.H) continue;
        for (int kw = 0; kw < s.KW; ++kw) {
          int iw = ow * s.SW - s.PW + kw;
          if (iw < 0 || iw >= s.W) continue;
          long long at = (((b * s.D + id) * s.H + ih) * s.W + iw) * s.channels + c;
          T v = x[at];
          if (where < 0 || v > best) { best = v; where = at; }
        }
      }
    }
    out[e] = best;
    arg[e] = where;
  }
}

extern "C" __global__ void max_pool_backward(const T* __restrict__ g, const long long* __restrict__ arg,
                                             T* __restrict__ gx, long long n) {
  KC_LOOP(e, n) {
    if (arg[e] >= 0) atomicAdd(gx + arg[e], g[e]);
  }
}

__device__ __forceinline__ int kc_count(int o, int stride, int pad, int k, int size) {
  int lo = o * stride - pad, hi = lo + k;
  lo = lo < 0 ? 0 : lo;
  hi = hi > size ? size : hi;
  return hi - lo;
}

extern "C" __global__ void avg_pool_forward(const T* __restrict__ x, T* __restrict__ out, long long n, Pool s) {
  KC_LOOP(e, n) {
    long long t = e;
    long long c = t % s.channels; t /= s.channels;
    int ow = t % s.OW; t /= s.OW;
    int oh = t % s.OH; t /= s.OH;
    int od = t % s.OD; long long b = t / s.OD;
    T acc = 0;
    for (int kd = 0; kd < s.KD; ++kd) {
      int id = od * s.SD - s.PD + kd;
      if (id < 0 || id >= s.D) continue;
      for (int kh = 0; kh < s.KH; ++kh) {
        int ih = oh * s.SH - s.PH + kh;
        if (ih < 0 || ih >= s.H) continue;
        for (int kw = 0; kw < s.KW; ++kw) {
          int iw = ow * s.SW - s.PW + kw;
          if (iw < 0 || iw >= s.W) continue;
          acc += x[(((b * s.D + id) * s.H + ih) * s.W + iw) * s.channels + c];
        }
      }
    }
    int count = kc_count(od, s.SD, s.PD, s.KD, s.D) * kc_count(oh, s.SH, s.PH, s.KH, s.H)
                * kc_count(ow, s.SW, s.PW, s.KW, s.W);
    out[e] = acc / (T)count;
  }
}

// Backward average: each input element gathers g / count from the windows covering it.
extern "C" __global__ void avg_pool_backward(const T* __restrict__ g, T* __restrict__ gx, long long n, Pool s) {
  KC_LOOP(e, n) {
    long long t = e;
    long long c = t % s.channels; t /= s.channels;
    int iw = t % s.W; t /= s.W;
    int ih = t % s.H; t /= s.H;
    int id = t % s.D; long long b = t / s.D;
    T acc = 0;
    for (int kd = 0; kd < s.KD; ++kd) {
      int pd = id + s.PD - kd;
      if (pd < 0 || pd % s.SD) continue;
      int od = pd / s.SD;
      if (od >= s.OD) continue;
      for (int kh = 0; kh < s.KH; ++kh) {
        int ph = ih + s.PH - kh;
        if (ph < 0 || ph % s.SH) continue;
        int oh = ph / s.SH;
        if (oh >= s.OH) continue;
        for (int kw = 0; kw < s.KW; ++kw) {
          int pw = iw + s.PW - kw;
          if (pw < 0 || pw % s.SW) continue;
          int ow = pw / s.SW;
          if (ow >= s.OW) continue;
          int count = kc_count(od, s.SD, s.PD, s.KD, s.D) * kc_count(oh, s.SH, s.PH, s.KH, s.H)
                      * kc_count(ow, s.SW, s.PW, s.KW, s.W);
          acc += g[(((b * s.OD + od) * s.OH + oh) * s.OW + ow) * s.channels + c] / (T)count;
        }
      }
    }
    gx[e] = acc;
  }
}
