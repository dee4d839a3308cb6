import * as soma from '@soma/core';
import type { Tensor } from '@soma/core';

function nchw(op: string, x: Tensor): [number, number, number, number] {
  if (x.rank !== 4) throw new Error(`${op}: expects NCHW images [batch, channels, height, width], got [${x.shape.join(', ')}]`);
  return x.shape as [number, number, number, number];
}

/** (x − mean[c]) / std[c] per channel, as torchvision's Normalize. */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  const [, c] = nchw('normalize', x);
  if (mean.length !== c || std.length !== c) throw new Error(`normalize: needs ${c} means and stds for ${c} channels, got ${mean.length} and ${std.length}`);
  if (std.some((s) => !(s > 0))) throw new Error('normalize: std must be positive');
  return soma.tidy(() => x.sub(soma.tensor([...mean], [1, c, 1, 1])).div(soma.tensor([...std], [1, c, 1, 1])));
}

/** Per image: zero-pad by `padding`, then crop `size` at a random position (seeded), as torchvision's RandomCrop. */
export function randomCrop(x: Tensor, o: { size: [number, number]; padding?: number; seed?: number }): Tensor {
  const [n, , h, w] = nchw('randomCrop', x);
  const p = o.padding ?? 0;
  const [ch, cw] = o.size;
  if (ch > h + 2 * p || cw > w + 2 * p) throw new Error(`randomCrop: size ${ch}x${cw} is larger than the padded image ${h + 2 * p}x${w + 2 * p}`);
  const rng = new soma.Prng(o.seed ?? soma.nextRandomSeed());
  return soma.tidy(() => {
    const padded = p ? soma.pad(x, [[0, 0], [0, 0], [p, p], [p, p]]) : x;
    const crops = Array.from({ length: n }, (_, i) => {
      const top = Math.floor(rng.nextFloat() * (h + 2 * p - ch + 1));
      const left = Math.floor(rng.nextFloat() * (w + 2 * p - cw + 1));
      return soma.slice(padded, [i, 0, top, left], [1, -1, ch, cw]);
    });
    return soma.concat(crops, 0);
  });
}

/** Mirrors each image left–right with probability p (seeded). */
export function randomHorizontalFlip(x: Tensor, o: { p?: number; seed?: number } = {}): Tensor {
  const [n, , , w] = nchw('randomHorizontalFlip', x);
  const p = o.p ?? 0.5;
  const rng = new soma.Prng(o.seed ?? soma.nextRandomSeed());
  const flip = Array.from({ length: n }, () => rng.nextFloat() < p);
  return soma.tidy(() => {
    const mirrored = soma.stridedSlice(x, [0, 0, 0, -1], [n, x.shape[1], x.shape[2], -w - 1], [1, 1, 1, -1]);
    return soma.where(soma.tensor(flip, [n, 1, 1, 1]), mirrored, x);
  });
}

/** Source rows (or columns) and weights for one axis of a bilinear resize. */
function axisTaps(inLen: number, outLen: number, alignCorners: boolean): { lo: number[]; hi: number[]; w: number[] } {
  const lo: number[] = [];
  const hi: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < outLen; i++) {
    // Half-pixel centres (PyTorch align_corners=false, TF half_pixel_centers) or corner alignment.
    const src = alignCorners ? (outLen > 1 ? (i * (inLen - 1)) / (outLen - 1) : 0) : Math.max(0, ((i + 0.5) * inLen) / outLen - 0.5);
    const l = Math.min(Math.floor(src), inLen - 1);
    lo.push(l);
    hi.push(Math.min(l + 1, inLen - 1));
    w.push(src - l);
  }
  return { lo, hi, w };
}

/** Bilinear resize of NCHW images to `size`; matches torch.nn.functional.interpolate(mode='bilinear'). Differentiable. */
export function resizeBilinear(x: Tensor, size: [number, number], o: { alignCorners?: boolean } = {}): Tensor {
  const [, , h, w] = nchw('resizeBilinear', x);
  const [oh, ow] = size;
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) throw new Error(`resizeBilinear: size must be two positive integers, got [${size.join(', ')}]`);
  const ax = (len: number, out: number) => axisTaps(len, out, o.alignCorners ?? false);
  const r = ax(h, oh);
  const c = ax(w, ow);
  return soma.tidy(() => {
    const int = (v: number[]) => soma.tensor(v, [v.length], 'int32');
    const rows = soma.gather(x, int(r.lo), 2).mul(soma.tensor(r.w.map((v) => 1 - v), [1, 1, oh, 1]))
      .add(soma.gather(x, int(r.hi), 2).mul(soma.tensor(r.w, [1, 1, oh, 1])));
    return soma.gather(rows, int(c.lo), 3).mul(soma.tensor(c.w.map((v) => 1 - v), [1, 1, 1, ow]))
      .add(soma.gather(rows, int(c.hi), 3).mul(soma.tensor(c.w, [1, 1, 1, ow])));
  });
}
