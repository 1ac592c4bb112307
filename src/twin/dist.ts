/**
 * Distributions for the twin, computed once into tables: discretised gamma durations (pmf and cdf by whole
 * days), gamma quantiles (individual infectiousness), the normal cdf and its inverse, Poisson draws by inversion.
 * Pure numerics, no randomness of their own: callers pass uniforms.
 */

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  const t = z + 7.5;
  for (let i = 0; i < 8; i++) a += (LANCZOS[i] as number) / (z + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised lower incomplete gamma P(a, x) (series below a + 1, continued fraction above). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (!Number.isFinite(x)) return 1;
  const gln = lnGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 500; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return sum * Math.exp(-x + a * Math.log(x) - gln);
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return 1 - Math.exp(-x + a * Math.log(x) - gln) * h;
}

/** Gamma cdf with the given mean and standard deviation. */
export function gammaCdf(x: number, mean: number, sd: number): number {
  const shape = (mean * mean) / (sd * sd);
  const scale = (sd * sd) / mean;
  return gammaP(shape, x / scale);
}

/**
 * A duration in whole days: a gamma of (mean, sd) rounded to the nearest day, mass below `min` moved to `min`
 * and above `max` to `max`. Returns the pmf indexed by day (entries below `min` are 0).
 */
export function discreteGammaPmf(mean: number, sd: number, min: number, max: number): Float64Array {
  const pmf = new Float64Array(max + 1);
  for (let d = min; d <= max; d++) {
    const lo = d === min ? 0 : gammaCdf(d - 0.5, mean, sd);
    const hi = d === max ? 1 : gammaCdf(d + 0.5, mean, sd);
    pmf[d] = Math.max(0, hi - lo);
  }
  return pmf;
}

export function cdfOf(pmf: Float64Array): Float64Array {
  const cdf = new Float64Array(pmf.length);
  let s = 0;
  for (let i = 0; i < pmf.length; i++) {
    s += pmf[i] as number;
    cdf[i] = s;
  }
  for (let i = 0; i < cdf.length; i++) cdf[i] = (cdf[i] as number) / s;
  return cdf;
}

/** The smallest index whose cdf exceeds u (inversion on a short table). */
export function drawFromCdf(cdf: Float64Array, u: number): number {
  const n = cdf.length - 1;
  for (let i = 0; i < n; i++) if (u < (cdf[i] as number)) return i;
  return n;
}

export function pmfMean(pmf: Float64Array): number {
  let m = 0;
  for (let i = 0; i < pmf.length; i++) m += i * (pmf[i] as number);
  return m;
}

/** Abramowitz–Stegun 7.1.26 via erfc, |error| < 1.5e-7. */
export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = y * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Acklam's inverse normal cdf (relative error < 1.2e-9). */
export function normInv(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/**
 * n equiprobable quantiles (midpoints) of a gamma with mean 1 and shape k: drawing a uniform index gives a
 * gamma-distributed multiplier whose table mean is rescaled to exactly 1. k ≤ 0 gives all ones.
 */
export function gammaQuantileTable(k: number, n: number): Float64Array {
  const out = new Float64Array(n).fill(1);
  if (!(k > 0) || !Number.isFinite(k)) return out;
  const sd = 1 / Math.sqrt(k);
  for (let i = 0; i < n; i++) {
    const p = (i + 0.5) / n;
    let lo = 0;
    let hi = 1;
    while (gammaCdf(hi, 1, sd) < p) hi *= 2;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (gammaCdf(mid, 1, sd) < p) lo = mid;
      else hi = mid;
    }
    out[i] = (lo + hi) / 2;
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += out[i] as number;
  m /= n;
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) / m;
  return out;
}

/** A Poisson draw of mean lambda from one uniform (inversion; lambda is small in the model, < ~20). */
export function poissonInv(lambda: number, u: number): number {
  if (!(lambda > 0)) return 0;
  let p = Math.exp(-lambda);
  let f = p;
  let k = 0;
  while (u >= f && k < 1000) {
    k++;
    p *= lambda / k;
    f += p;
    if (p < 1e-300) break;
  }
  return k;
}
