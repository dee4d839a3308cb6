import { describe, expect, it } from 'vitest';
import { noAdapterAdvice } from '../src/gpu_device.js';

describe("webgpu's no-adapter error gives advice for where it runs", () => {
  it('a browser (navigator.gpu) gets browser advice, not Vulkan loaders; Node gets the Vulkan/SwiftShader advice', () => {
    const browser = noAdapterAdvice('navigator.gpu');
    expect(browser).toMatch(/chrome:\/\/gpu/);
    expect(browser).not.toMatch(/VK_ICD_FILENAMES|libvulkan/);
    expect(noAdapterAdvice('webgpu (Dawn)')).toMatch(/VK_ICD_FILENAMES/);
  });
});
