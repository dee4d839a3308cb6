/// <reference types="@webgpu/types" preserve="true" />
import { registerBackend } from '@soma/core';
import { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
import { acquireDevice } from './gpu_device.js';

export { WebGPUBackend } from './backend.js';
export type { WebGPUBackendOptions, GpuData } from './backend.js';

/**
 * Makes a webgpu backend on the browser's `navigator.gpu` or, in Node, on Dawn from the `webgpu`
 * package. Registered as 'webgpu' on import; call this for another name or options.
 */
export async function createWebGPUBackend(name = 'webgpu', options: WebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  return new WebGPUBackend(name, await acquireDevice(name), options);
}

// Priority 0: cpu stays the default; nothing touches the GPU until setBackend('webgpu').
registerBackend('webgpu', () => createWebGPUBackend('webgpu'), 0);
