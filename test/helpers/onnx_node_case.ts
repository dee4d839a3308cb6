import * as ort from 'onnxruntime-node';

/**
 * A value of ONNX's node tests as test/fixtures/make_onnx_node_fixtures.py encodes it: a tensor,
 * a sequence (dtype 'sequence', its items) or an empty optional (dtype 'none').
 */
export type Encoded = { dtype: string; shape: number[]; values: (number | boolean | string | null)[]; items?: Encoded[] };

export interface NodeCase {
  name: string;
  model: string;
  inputs: Encoded[];
  outputs: Encoded[];
}

export const decode = (v: number | boolean | string | null): number => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v));

export const INTEGER = new Set(['int64', 'int32', 'int16', 'int8', 'uint8']);

/** Where `got` differs from the expected values (the node tests' tolerance), or null. */
export function mismatch(got: ArrayLike<number | bigint | boolean>, expected: Encoded): string | null {
  const want = expected.values.map(decode);
  if (got.length !== want.length) return `${got.length} values, expected ${want.length}`;
  for (let k = 0; k < want.length; k++) {
    const g = Number(got[k]);
    const e = want[k];
    const ok = Number.isNaN(e) ? Number.isNaN(g) : g === e || Math.abs(g - e) <= 1e-5 + 1e-3 * Math.abs(e);
    if (!ok) return `[${k}] is ${g}, expected ${e}`;
  }
  return null;
}

/** IEEE half-precision bits of `x` (round toward zero: the node tests' float16 values are exact halves). */
function toHalf(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) return e < -10 ? sign : sign | ((mant | 0x800000) >> (14 - e));
  return sign | (e << 10) | (mant >> 13);
}

function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** The input as onnxruntime-node takes it: the file's element type (int64 as BigInt64Array). */
export function ortTensor(t: Encoded): ort.Tensor {
  const v = t.values.map(decode);
  switch (t.dtype) {
    case 'float32': return new ort.Tensor('float32', Float32Array.from(v), t.shape);
    case 'float64': return new ort.Tensor('float64', Float64Array.from(v), t.shape);
    case 'float16': return new ort.Tensor('float16', Uint16Array.from(v, toHalf), t.shape);
    case 'int64': return new ort.Tensor('int64', BigInt64Array.from(v, (x) => BigInt(x)), t.shape);
    case 'int32': return new ort.Tensor('int32', Int32Array.from(v), t.shape);
    case 'int16': return new ort.Tensor('int16', Int16Array.from(v), t.shape);
    case 'int8': return new ort.Tensor('int8', Int8Array.from(v), t.shape);
    case 'uint8': return new ort.Tensor('uint8', Uint8Array.from(v), t.shape);
    case 'bool': return new ort.Tensor('bool', Uint8Array.from(v), t.shape);
    default: throw new Error(`element type ${t.dtype} has no onnxruntime-node tensor here`);
  }
}

/** Runs a case in onnxruntime-node; the first difference from the expected outputs, or null. */
export async function ortMismatch(c: NodeCase, check?: (outputs: ArrayLike<number>[]) => void): Promise<string | null> {
  try {
    const session = await ort.InferenceSession.create(Uint8Array.from(Buffer.from(c.model, 'base64')), { logSeverityLevel: 4 });
    try {
      const feeds = Object.fromEntries(session.inputNames.map((n, i) => [n, ortTensor(c.inputs[i])]));
      const out = await session.run(feeds);
      const values = session.outputNames.map((n) => (out[n].type === 'float16' ? Array.from(out[n].data as Uint16Array, fromHalf) : Array.from(out[n].data as ArrayLike<number | bigint>, Number)));
      if (check) {
        check(values);
        return null;
      }
      for (const [i, n] of session.outputNames.entries()) {
        if (JSON.stringify([...out[n].dims]) !== JSON.stringify(c.outputs[i].shape)) return `${n} shape [${out[n].dims.join(', ')}], expected [${c.outputs[i].shape.join(', ')}]`;
        const bad = mismatch(values[i], c.outputs[i]);
        if (bad) return `${n}${bad}`;
      }
      return null;
    } finally {
      await session.release();
    }
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}
