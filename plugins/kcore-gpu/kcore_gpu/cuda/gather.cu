// Embedding / K.gather along axis 0: the forward gathers rows, the backward scatters
// the output gradient back into the rows, summed (atomicAdd: repeated ids collide).

extern "C" __global__ void take_rows(const T* __restrict__ x, const long long* __restrict__ idx,
                                     T* __restrict__ out, long long n, long long width, long long rows) {
  KC_LOOP(i, n) {
    long long r = idx[i / width];
    if (r < 0) r += rows;
    out[i] = (r >= 0 && r < rows) ? x[r * width + i % width] : (T)0;   // out of range: zeros
  }
}

extern "C" __global__ void scatter_add_rows(const T* __restrict__ g, const long long* __restrict__ idx,
                                            T* __restrict__ gx, long long n, long long width, long long rows) {
  KC_LOOP(i, n) {
    long long r = idx[i / width];
    if (r < 0) r += rows;
    if (r >= 0 && r < rows) atomicAdd(gx + r * width + i % width, g[i]);
  }
}
