// im2col / col2im for N-d convolution (N <= 3; lower ranks pass sizes of 1), channels
// last, with the zero padding applied on the fly (no padded copy of the input).
//
// x:    (batch, D, H, W, channels), channels = groups * cg
// cols: (groups, rows, K * cg), rows = batch * OD * OH * OW, K = KD * KH * KW, the
//       column index (kernel offset, channel in group): the order of a Keras kernel
//       (*kernel_size, cg, filters) reshaped to (K * cg, filters).
struct Geom {
  long long batch;
  int D, H, W;          // input sizes
  int OD, OH, OW;       // output sizes
  int KD, KH, KW;       // kernel sizes
  int SD, SH, SW;       // strides
  int DD, DH, DW;       // dilations
  int PD, PH, PW;       // padding before
  int groups, cg;       // channels per group
};

extern "C" __global__ void im2col(const T* __restrict__ x, T* __restrict__ cols, long long n, Geom s) {
  const long long K = (long long)s.KD * s.KH * s.KW;
  const long long rows = s.batch * s.OD * s.OH * s.OW;
  const long long C = (long long)s.groups * s.cg;
  KC_LOOP(e, n) {
    long long t = e;
    int c = t % s.cg; t /= s.cg;
    int k = t % K; t /= K;
    long long row = t % rows;
    int grp = t / rows;
    int kw = k % s.KW, kh = (k / s.KW) % s.KH, kd = k / (s.KW * s.KH);
    long long r = row;
    int ow = r % s.OW; r /= s.OW;
    int oh = r % s.OH; r /= s.OH;
    int od = r % s.OD; long long b = r / s.OD;
    int id = od * s.SD - s.PD + kd * s.DD;
    int ih = oh * s.SH - s.PH + kh * s.DH;
    int iw = ow * s.SW - s.PW + kw * s.DW;
    T v = 0;
    if (id >= 0 && id < s.D && ih >= 0 && ih < s.H && iw >= 0 && iw < s.W)
      v = x[(((b * s.D + id) * s.H + ih) * s.W + iw) * C + (long long)grp * s.cg + c];
    cols[e] = v;
  }
}

// The adjoint of im2col: each input element sums the column entries that read it
// (a gather, so no atomics and a deterministic order).
extern "C" __global__ void col2im(const T* __restrict__ cols, T* __restrict__ x, long long n, Geom s) {
  const long long K = (long long)s.KD * s.KH * s.KW;
  const long long rows = s.batch * s.OD * s.OH * s.OW;
  const long long C = (long long)s.groups * s.cg;
  KC_LOOP(e, n) {
    long long t = e;
    int ch = t % C; t /= C;
    int iw = t % s.W; t /= s.W;
    int ih = t % s.H; t /= s.H;
    int id = t % s.D; long long b = t / s.D;
    int grp = ch / s.cg, c = ch % s.cg;
    T acc = 0;
    for (int kd = 0; kd < s.KD; ++kd) {
      int pd = id + s.PD - kd * s.DD;
      if (pd < 0 || pd % s.SD) continue;
      int od = pd / s.SD;
      if (od >= s.OD) continue;
      for (int kh = 0; kh < s.KH; ++kh) {
        int ph = ih + s.PH - kh * s.DH;
        if (ph < 0 || ph % s.SH) continue;
        int oh = ph / s.SH;
        if (oh >= s.OH) continue;
        for (int kw = 0; kw < s.KW; ++kw) {
          int pw = iw + s.PW - kw * s.DW;
          if (pw < 0 || pw % s.SW) continue;
          int ow = pw / s.SW;
          if (ow >= s.OW) continue;
          long long row = ((b * s.OD + od) * s.OH + oh) * s.OW + ow;
          long long k = ((long long)kd * s.KH + kh) * s.KW + kw;
          acc += cols[(((long long)grp * rows + row) * K + k) * s.cg + c];
        }
      }
    }
    x[e] = acc;
  }
}

// The epilogue of a convolution: out = act(out + bias), channels last, in place.
extern "C" __global__ void bias_act(T* __restrict__ out, const T* __restrict__ bias, long long n,
                                    long long channels, int has_bias, int relu) {
  KC_LOOP(i, n) {
    T v = out[i];
    if (has_bias) v += bias[i % channels];
    if (relu) v = v > (T)0 ? v : (T)0;
    out[i] = v;
  }
}
