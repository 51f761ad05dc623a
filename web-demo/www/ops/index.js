// The page's one extension point: an op appears on the page through its module here (picks,
// See and Measure with their controls). Verification needs nothing: the page verifies every op
// the package lists (`k.capabilities.ops`) with `k.verify`. Adding an op's page = one module in
// this folder + one line below.
import gemm from './gemm.js';
import fft from './fft.js';
import fftconv from './fftconv.js';
import attention from './attention.js';
import sparseGemm from './sparse_gemm.js';

export const OPS = [gemm, fft, fftconv, attention, sparseGemm];

/** The page entry of op `name` (a native op name, as `k.capabilities.ops` lists it). */
export const find = (name) => OPS.find((o) => o.name === name);
