import { existsSync } from 'node:fs';
import { beforeEach } from 'vitest';
import { setRandomSeed } from '@soma/core';

// Every test starts from the same random state, so thresholds on trained models are reproducible
// rather than true on most runs. Tests about seeding pass explicit seeds of their own.
beforeEach(() => {
  setRandomSeed(20261125);
});

// The webgpu tests run Dawn on SwiftShader, the CPU Vulkan driver Debian's chromium ships, unless
// the environment names another Vulkan driver (.ci/run installs chromium and libvulkan1).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
