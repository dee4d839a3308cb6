/**
 * Seeded random numbers, generated on the host so that every backend sees the same values for the
 * same seed. xoshiro128** (Blackman & Vigna) seeded through splitmix32: small, fast and well tested.
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0 ^ Math.floor(seed / 0x100000000) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  nextFloat(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Standard normal by Box–Muller, using both values of each pair. */
  nextNormal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let unseeded: Prng | null = null;

/** A generator for `seed`, or the shared unseeded stream (seeded from Math.random unless setRandomSeed was called). */
export function prngFor(seed: number | undefined): Prng {
  if (seed !== undefined) return new Prng(seed);
  unseeded ??= new Prng(Math.floor(Math.random() * 0x100000000));
  return unseeded;
}

/**
 * Seeds every random draw that is not given a seed of its own — random ops, and in the other
 * packages weight initializers, dropout masks, shuffles and splits — like torch.manual_seed or
 * keras.utils.set_random_seed. Explicit seeds are unaffected.
 */
export function setRandomSeed(seed: number): void {
  unseeded = new Prng(seed);
}

/** A fresh seed from the shared stream, for components that make their own generators. */
export function nextRandomSeed(): number {
  return prngFor(undefined).nextUint32();
}
