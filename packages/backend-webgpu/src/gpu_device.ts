/// <reference types="@webgpu/types" preserve="true" />
/**
 * Finds a WebGPU implementation: the browser's `navigator.gpu`, else Dawn through the `webgpu` npm
 * package in Node. Each failure says which step failed and why, so `setBackend('webgpu')` never
 * just answers "undefined".
 */
export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** 'navigator.gpu' or 'webgpu (Dawn)'. */
  source: string;
  /** Vendor/architecture/description, as the adapter reports them. */
  adapterInfo: string;
  /** The GPU object itself: Dawn tears its devices down when this is garbage-collected. */
  gpu: GPU;
}

/** The `webgpu` package version this backend is tested with (its optional peer dependency). */
const DAWN_VERSION = '0.6.2';

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

async function loadDawn(): Promise<GPU | string> {
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) return 'navigator.gpu is missing (this browser has no WebGPU, or it is disabled)';
  // A variable specifier keeps browser bundlers from trying to resolve the Node-only package.
  const specifier: string = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as DawnModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      // An optional peer dependency, so browser-only apps do not install Dawn's 132 MB.
      return `the 'webgpu' package (Dawn for Node) is not installed; in Node, install it beside @soma/backend-webgpu: npm install webgpu@${DAWN_VERSION}`;
    }
    return `the 'webgpu' package (Dawn for Node) could not be loaded: ${(e as Error).message}`;
  }
  // Dawn's enum objects (GPUBufferUsage, GPUMapMode, ...) are what browsers define globally.
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  try {
    return mod.create([]);
  } catch (e) {
    return `Dawn could not start: ${(e as Error).message}`;
  }
}

function describe(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.description, info.device].filter((s) => s);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

/** What to do when no adapter is found: a browser user and a Node user have different fixes. */
export function noAdapterAdvice(source: string): string {
  if (source === 'navigator.gpu') {
    return 'the browser has WebGPU but no usable GPU for it: check chrome://gpu (or the browser\'s GPU page), update the GPU driver, ' +
      'or enable WebGPU for this GPU (Chrome: --enable-unsafe-webgpu; Linux: --enable-features=Vulkan); use the cpu backend meanwhile';
  }
  return 'no usable GPU or driver; in Node without a GPU, install a Vulkan loader (libvulkan1) and point VK_ICD_FILENAMES at SwiftShader, as .ci/run does';
}

export async function acquireDevice(name: string, powerPreference: GPUPowerPreference = 'high-performance'): Promise<AcquiredDevice> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  let gpu: GPU | undefined = nav?.gpu;
  let source = 'navigator.gpu';
  if (!gpu) {
    const dawn = await loadDawn();
    if (typeof dawn === 'string') throw new Error(`setBackend('${name}'): no WebGPU here: ${dawn}`);
    gpu = dawn;
    source = 'webgpu (Dawn)';
  }
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) throw new Error(`setBackend('${name}'): ${source} returned no GPU adapter (${noAdapterAdvice(source)})`);
  // Ask for the adapter's own limits: the defaults cap storage buffers at 128 MiB.
  const want = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage'] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    throw new Error(`setBackend('${name}'): the adapter refused a device: ${(e as Error).message}`);
  }
  return { device, adapter, source, gpu, adapterInfo: describe((adapter as { info?: GPUAdapterInfo }).info) };
}
