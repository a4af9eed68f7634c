// Shared by every kcore-gpu source. The including module defines T (float or double)
// before this header: each .cu file is compiled once per dtype by NVRTC.
#define KC_NEG_INF ((T)(-__longlong_as_double(0x7ff0000000000000ULL)))
#define KC_LOOP(i, n) \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
       i += (long long)blockDim.x * gridDim.x)

// Sum / max over the threads of one block (blockDim.x a multiple of 32, at most 1024).
__device__ __forceinline__ T kc_warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ T kc_warp_max(T v) {
  for (int o = 16; o > 0; o >>= 1) v = max(v, __shfl_down_sync(0xffffffffu, v, o));
  return v;
}
__device__ T kc_block_sum(T v, T* shared) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = kc_warp_sum(v);
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  int warps = (blockDim.x + 31) >> 5;
  v = (threadIdx.x < warps) ? shared[threadIdx.x] : (T)0;
  if (warp == 0) v = kc_warp_sum(v);
  if (threadIdx.x == 0) shared[0] = v;
  __syncthreads();
  return shared[0];
}
__device__ T kc_block_max(T v, T* shared) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = kc_warp_max(v);
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  int warps = (blockDim.x + 31) >> 5;
  v = (threadIdx.x < warps) ? shared[threadIdx.x] : KC_NEG_INF;
  if (warp == 0) v = kc_warp_max(v);
  if (threadIdx.x == 0) shared[0] = v;
  __syncthreads();
  return shared[0];
}
