import { beforeEach } from 'vitest';
import { setRandomSeed } from '@soma/core';

// Every test starts from the same random state, so thresholds on trained models are reproducible
// rather than true on most runs. Tests about seeding pass explicit seeds of their own.
beforeEach(() => {
  setRandomSeed(20261125);
});
