/**
 * The one seeded PRNG of the tests (mulberry32: tiny, fast, good enough to drive a
 * fuzzer), so a failing case can be replayed from its seed.
 */

/** A function returning floats in [0, 1), the same sequence for the same seed. */
export type Rng = () => number;

/** A mulberry32 generator seeded with `seed`. */
export function prng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One element of `xs`, picked by `r`. */
export function pick<T>(r: Rng, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}
