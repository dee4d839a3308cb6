// Runs core's conformance suite on the webgpu backend without a test runner, for a real GPU where
// the repository's test setup is not at hand (the device script bundles this file). Prints each
// failure and a closing 'N passed, N failed' line.
import * as soma from '@soma/core';
import { conformanceCases, settleChecks } from '@soma/testing';
import '@soma/backend-webgpu';

await soma.setBackend('webgpu');
console.log(`conformance on webgpu: ${soma.backend().adapterInfo}`);
let passed = 0;
let failed = 0;
for (const c of conformanceCases()) {
  try {
    if (c.runAsync) await c.runAsync();
    else soma.tidy(() => c.run());
    await settleChecks();
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL ${c.group} > ${c.name}: ${String(e.message).slice(0, 300)}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(0);
