import { execFileSync } from 'node:child_process';

/** The Python with PyTorch: Debian's python3-torch (.ci/run installs it), or SOMA_PYTHON. */
export const PYTHON = process.env.SOMA_PYTHON ?? '/usr/bin/python3';

function probe(): string | null {
  try {
    return execFileSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** PyTorch's version, or null (the tests that run the generated module are then skipped, saying why). */
export const torchVersion = probe();
export const hasTorch = torchVersion !== null;
if (!hasTorch) console.warn(`torch-bridge: ${PYTHON} has no torch/numpy (apt-get install python3-torch, or set SOMA_PYTHON): the PyTorch comparisons are skipped`);
