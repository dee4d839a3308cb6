import { readFile, stat } from 'node:fs/promises';
import { PNG } from 'pngjs';

/**
 * An image file as a float32 [channels, height, width] array in [0, 1], resized (bilinear) to the
 * model's input and converted to its channel count: PNG (any bit depth and color type, via pngjs)
 * or binary PGM (P5). `invert` turns dark-on-light drawings into MNIST's light-on-dark.
 */
export async function readImage(file: string, [channels, height, width]: readonly number[], invert = false): Promise<Float32Array> {
  const info = await stat(file).catch((e: Error) => {
    throw new Error(`${file}: cannot read the image (${e.message})`);
  });
  if (!info.isFile()) throw new Error(`${file}: ${info.isDirectory() ? 'is a folder' : 'is not a regular file'}; give an image file (PNG or PGM)`);
  const bytes = await readFile(file);
  const { rgb, w, h } = bytes.subarray(0, 2).toString('latin1') === 'P5' ? decodePgm(bytes, file) : decodePng(bytes, file);
  const out = new Float32Array(channels * height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Bilinear sampling at the pixel centre.
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / width - 0.5));
      const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / height - 0.5));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(w - 1, x0 + 1);
      const y1 = Math.min(h - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const at = (px: number, py: number) => rgb[(py * w + px) * 3 + c];
        const v = (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
        const value = invert ? 1 - v : v;
        if (channels === 3) out[(c * height + y) * width + x] = value;
        else if (channels === 1) out[y * width + x] += value / 3;
      }
    }
  }
  if (channels !== 1 && channels !== 3) throw new Error(`${file}: the model takes ${channels}-channel images; soma predict reads 1 (gray) or 3 (RGB)`);
  return out;
}

/** The most pixels an image may have (8192×4096): decoding takes about 16 bytes per pixel, so a small compressed file cannot ask for gigabytes. */
export const MAX_IMAGE_PIXELS = 2 ** 25;

/** Checks the size an image header declares, before anything is decoded. */
function checkPixels(w: number, h: number, file: string, kind: string): void {
  if (!(w >= 1 && h >= 1)) throw new Error(`${file}: the ${kind} is ${w}×${h}: an image needs at least one pixel`);
  if (w * h > MAX_IMAGE_PIXELS) throw new Error(`${file}: the ${kind} is ${w}×${h} (${(w * h).toLocaleString('en-US')} pixels); soma predict reads images up to ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} pixels (8192×4096): resize it first`);
}

function decodePng(bytes: Buffer, file: string): { rgb: Float32Array; w: number; h: number } {
  // The size from the IHDR chunk (bytes 16–23), checked before pngjs inflates anything.
  if (bytes.length >= 24 && bytes.subarray(12, 16).toString('latin1') === 'IHDR') checkPixels(bytes.readUInt32BE(16), bytes.readUInt32BE(20), file, 'PNG');
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new Error(`${file}: not a PNG or PGM image (${(e as Error).message})`);
  }
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    // Transparent pixels count as white paper.
    const a = png.data[i * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = (png.data[i * 4 + c] / 255) * a + (1 - a);
  }
  return { rgb, w: png.width, h: png.height };
}

function decodePgm(bytes: Buffer, file: string): { rgb: Float32Array; w: number; h: number } {
  const header = /^P5\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 200).toString('latin1'));
  if (!header) throw new Error(`${file}: not a binary PGM (P5) header`);
  const [w, h, max] = [Number(header[1]), Number(header[2]), Number(header[3])];
  checkPixels(w, h, file, 'PGM');
  if (max < 1) throw new Error(`${file}: the PGM's maximum value is ${max}; it must be 1 to 255`);
  if (max > 255 || bytes.length < header[0].length + w * h) throw new Error(`${file}: a PGM of ${w}×${h} with max ${max} needs ${w * h} pixel bytes, the file is shorter or 16-bit`);
  const rgb = new Float32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) rgb.fill(bytes[header[0].length + i] / max, i * 3, i * 3 + 3);
  return { rgb, w, h };
}
