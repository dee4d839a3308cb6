import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { UsageError } from './args.js';

export interface BackendStatus {
  name: string;
  ok: boolean;
  /** Why it does not load (the loader's own message). */
  reason?: string;
}

/** Registers the optional backends whose packages are installed; a missing package is a status, not a crash. */
async function registerOptional(): Promise<Map<string, string>> {
  const missing = new Map<string, string>();
  for (const [name, pkg] of [['native', '@soma/backend-native'], ['webgpu', '@soma/backend-webgpu']] as const) {
    if (soma.listBackends().includes(name)) continue;
    try {
      await import(pkg);
    } catch (e) {
      missing.set(name, `${pkg} is not installed (${(e as Error).message.split('\n')[0]})`);
    }
    if (!soma.listBackends().includes(name) && !missing.has(name)) missing.set(name, `${pkg} does not provide this backend yet`);
  }
  return missing;
}

/** Every backend Soma knows of, and whether it loads on this machine. */
export async function backendStatuses(): Promise<BackendStatus[]> {
  const missing = await registerOptional();
  const before = soma.getBackendName();
  const out: BackendStatus[] = [];
  for (const name of ['cpu', 'native', 'webgpu']) {
    if (missing.has(name)) {
      out.push({ name, ok: false, reason: missing.get(name) });
      continue;
    }
    try {
      await soma.setBackend(name);
      out.push({ name, ok: true });
    } catch (e) {
      out.push({ name, ok: false, reason: (e as Error).message });
    }
  }
  await soma.setBackend(before);
  return out;
}

/** Activates `name`, or with 'auto' the fastest that loads (native, then cpu). */
export async function useBackend(name: string): Promise<string> {
  await registerOptional();
  if (name === 'auto') {
    for (const candidate of ['native', 'cpu']) {
      if (!soma.listBackends().includes(candidate)) continue;
      try {
        await soma.setBackend(candidate);
        return candidate;
      } catch {
        // try the next one
      }
    }
    throw new Error('no backend loads on this machine (run soma info)');
  }
  if (!['cpu', 'native', 'webgpu'].includes(name)) throw new UsageError(`--backend must be auto, cpu, native or webgpu, got '${name}'`);
  if (!soma.listBackends().includes(name)) throw new Error(`backend '${name}' is not installed here (run soma info)`);
  await soma.setBackend(name);
  return name;
}
