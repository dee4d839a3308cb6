import { checkOptions, importNodeModule, listBackends, registerBackend } from '@soma/core';
import { NativeBackend, type NativeBackendOptions } from './backend.js';
import { loadOrt } from './ort_binding.js';

export { NativeBackend } from './backend.js';
export type { NativeBackendOptions } from './backend.js';

/** Makes a native backend (registered as 'native' on import; register another name with other options). */
export async function createNativeBackend(name = 'native', options: NativeBackendOptions = {}): Promise<NativeBackend> {
  checkOptions('createNativeBackend', options, ['threads', 'sessionCacheSize', 'profile']);
  if (options.profile !== undefined && (typeof options.profile !== 'string' || !options.profile)) {
    throw new Error(`createNativeBackend: profile must be a file path prefix (a non-empty string), got ${JSON.stringify(options.profile)}`);
  }
  let ort;
  try {
    ort = await loadOrt();
  } catch (e) {
    throw new Error(`setBackend('${name}'): onnxruntime-node could not be loaded (${(e as Error).message}); registered backends: ${listBackends().join(', ')}`);
  }
  const os = await importNodeModule<typeof import('node:os')>('node:os');
  return new NativeBackend(ort, name, { ...options, defaultThreads: os.availableParallelism?.() ?? os.cpus().length });
}

// Importing registers 'native' (priority 0: cpu stays the default); nothing loads until setBackend('native').
registerBackend('native', () => createNativeBackend('native'), 0);
