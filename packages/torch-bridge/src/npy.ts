import { importNodeModule } from '@soma/core';

/** A labeled row as Soma's readers give it (fromParquet, fromCsv with `label`). */
export interface LabeledRow {
  xs: ArrayLike<number>;
  ys: number | ArrayLike<number>;
}

// A fixed-size header (NumPy's format pads it to a multiple of 64 bytes anyway), written with
// a placeholder row count first and rewritten once the rows are counted, so rows stream to disk.
const HEADER_BYTES = 128;

function header(shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const preamble = 10; // \x93NUMPY, version 1.0, header length (uint16)
  const text = dict.padEnd(HEADER_BYTES - preamble - 1, ' ') + '\n';
  if (text.length + preamble !== HEADER_BYTES) throw new Error(`npy: shape [${shape}] does not fit the header`);
  const out = new Uint8Array(HEADER_BYTES);
  out.set([0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0)), 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(Array.from(text, (c) => c.charCodeAt(0)), preamble);
  return out;
}

/**
 * Streams rows into two float32 .npy files (NumPy's format 1.0): x as [rows, features] and y as
 * [rows] or [rows, k]. Memory holds one buffer of rows at a time. Returns the row count.
 */
export async function writeNpyRows(rows: AsyncIterable<LabeledRow>, xPath: string, yPath: string): Promise<number> {
  const fs = await importNodeModule<typeof import('node:fs/promises')>('node:fs/promises');
  const xf = await fs.open(`${xPath}.tmp`, 'w');
  const yf = await fs.open(`${yPath}.tmp`, 'w');
  let n = 0;
  let width = -1;
  let labelWidth = -1;
  const chunk = 4096;
  let xs: Float32Array = new Float32Array(0);
  let ys: Float32Array = new Float32Array(0);
  let k = 0;
  let xPos = HEADER_BYTES;
  let yPos = HEADER_BYTES;
  const flush = async () => {
    if (!k) return;
    const xb = new Uint8Array(xs.buffer, 0, k * width * 4);
    const yb = new Uint8Array(ys.buffer, 0, k * Math.max(labelWidth, 1) * 4);
    await xf.write(xb, 0, xb.length, xPos);
    await yf.write(yb, 0, yb.length, yPos);
    xPos += xb.length;
    yPos += yb.length;
    k = 0;
  };
  try {
    for await (const row of rows) {
      const label = typeof row.ys === 'number' ? [row.ys] : Array.from(row.ys);
      if (width < 0) {
        width = row.xs.length;
        labelWidth = typeof row.ys === 'number' ? 0 : label.length;
        xs = new Float32Array(chunk * width);
        ys = new Float32Array(chunk * Math.max(labelWidth, 1));
      }
      if (row.xs.length !== width) throw new Error(`exportTorch: data row ${n} has ${row.xs.length} features, the first row had ${width}`);
      if (label.length !== Math.max(labelWidth, 1)) throw new Error(`exportTorch: data row ${n} has ${label.length} label values, the first row had ${Math.max(labelWidth, 1)}`);
      xs.set(row.xs, k * width);
      ys.set(label, k * label.length);
      k++;
      n++;
      if (k === chunk) await flush();
    }
    await flush();
    if (n === 0) throw new Error('exportTorch: the data has no rows');
    await xf.write(header([n, width]), 0, HEADER_BYTES, 0);
    await yf.write(header(labelWidth ? [n, labelWidth] : [n]), 0, HEADER_BYTES, 0);
  } catch (e) {
    // No half-written arrays left behind.
    await xf.close();
    await yf.close();
    await Promise.all([fs.rm(`${xPath}.tmp`, { force: true }), fs.rm(`${yPath}.tmp`, { force: true })]);
    throw e;
  }
  await xf.close();
  await yf.close();
  await fs.rename(`${xPath}.tmp`, xPath);
  await fs.rename(`${yPath}.tmp`, yPath);
  return n;
}
