import { checkNumber } from '@soma/core';

/** Weights-file entries under this prefix are the optimizer's slots, not model parameters. */
export const OPTIMIZER_PREFIX = 'optimizer/';

/** Options of loadModel / loadLayersModel / modelFromArtifacts. */
export interface LoadModelOptions {
  /**
   * The most parameters (weight elements, optimizer slots not counted) a loaded model may have;
   * a larger weights file is refused from its header, before its data is read or any layer is
   * built. Defaults to what this machine's memory could hold as float32 (Node: total memory / 4;
   * browsers: `navigator.deviceMemory` where known), so a server loading models it was sent can
   * pass a smaller number.
   */
  maxParameters?: number;
}

/** The limit for one load: the caller's, or the machine's memory in float32 elements. */
export function parameterLimit(options: LoadModelOptions, totalMemoryBytes: number | null): number {
  if (options.maxParameters !== undefined) {
    checkNumber('loadModel', 'maxParameters', options.maxParameters, { integer: true, min: 1 });
    return options.maxParameters;
  }
  const deviceGiB = (globalThis as { navigator?: { deviceMemory?: unknown } }).navigator?.deviceMemory;
  const bytes = totalMemoryBytes ?? (typeof deviceGiB === 'number' && deviceGiB > 0 ? deviceGiB * 2 ** 30 : null);
  return bytes === null ? Number.MAX_SAFE_INTEGER : Math.floor(bytes / 4);
}

/** Counts the model parameters a weights file declares (shapes only) and refuses more than `limit`. */
export function checkParameterCount(shapes: Iterable<[string, { shape: readonly number[] }]>, limit: number, file: string): number {
  let count = 0;
  for (const [name, { shape }] of shapes) if (!name.startsWith(OPTIMIZER_PREFIX)) count += shape.reduce((a, b) => a * b, 1);
  if (count > limit) {
    throw new Error(`loadModel: ${file} holds ${count.toLocaleString('en-US')} parameters, more than maxParameters (${limit.toLocaleString('en-US')}); pass a larger { maxParameters } to load it`);
  }
  return count;
}
