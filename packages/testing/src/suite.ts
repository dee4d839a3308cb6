import { getEngine } from '@soma/core/internal';
import { setBackend } from '@soma/core';
import { grads } from '@soma/core';
import { tidy } from '@soma/core';
import * as ops from '@soma/core';
import type { Tensor } from '@soma/core';
import { check, expectTensor, settleChecks, type Tolerance } from './assertions.js';
import { fixtureCases, fixtureGenerator, FIXTURE_RUNNERS, opAttrs, prepareInputs, type FixtureCase, type FixtureTensor } from './fixture_cases.js';
import { checkGradients } from './grad_check.js';
import { manualCases, type ConformanceCase } from './cases/index.js';

/** The three test-runner functions the suite needs (vitest, jest and mocha all have them). */
export interface TestApi {
  /** Groups cases (vitest's, jest's or mocha's describe). */
  describe(name: string, fn: () => void): void;
  /** Registers one case. */
  it(name: string, fn: () => void | Promise<void>): void;
  /** Runs once before the cases (selects the backend). */
  beforeAll(fn: () => void | Promise<void>): void;
}

const DEFAULT_TOL: Tolerance = { rtol: 1e-4, atol: 1e-5 };
const DISCONTINUOUS = new Set(['round', 'floor', 'ceil', 'sign', 'step', 'mod', 'floorDiv']);

function upload(t: FixtureTensor): Tensor {
  const data = t.data.map((v) => (v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v)) as (number | boolean)[];
  return ops.tensor(data, t.shape, t.dtype);
}

function runFixture(c: FixtureCase, inputs: Record<string, Tensor>): Tensor[] {
  const runner = FIXTURE_RUNNERS[c.op];
  check(runner, () => `no runner for fixture op '${c.op}'`);
  const out = runner(prepareInputs(c, inputs), opAttrs(c));
  return Array.isArray(out) ? out : [out];
}

/** Every conformance check, as a flat list: PyTorch fixtures (forward, gradient, numerical gradient) and hand-written cases. */
export function conformanceCases(): ConformanceCase[] {
  const list: ConformanceCase[] = [];
  for (const c of fixtureCases) {
    const tol = c.tol ?? DEFAULT_TOL;
    list.push({
      group: `op ${c.op}`,
      name: `${c.name}: forward matches PyTorch`,
      run: () => {
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, upload(v)]));
        const outs = runFixture(c, inputs);
        check(outs.length === c.outputs.length, () => `expected ${c.outputs.length} outputs, got ${outs.length}`);
        outs.forEach((o, i) => expectTensor(o, { shape: c.outputs[i].shape, dtype: c.outputs[i].dtype, values: c.outputs[i].data as number[] }, tol, `output ${i}`));
      },
    });
    if (!c.grads || !c.weights) continue;
    const floatNames = Object.keys(c.grads);
    list.push({
      group: `op ${c.op}`,
      name: `${c.name}: gradient matches PyTorch`,
      run: () => {
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, upload(v)]));
        const weights = c.weights!.map(upload);
        const gs = grads((...xs: Tensor[]) => {
          const all = { ...inputs };
          floatNames.forEach((k, i) => (all[k] = xs[i]));
          const outs = runFixture(c, all);
          return outs.map((o, i) => o.mul(weights[i]).sum()).reduce((a, b) => a.add(b));
        })(floatNames.map((k) => inputs[k]));
        floatNames.forEach((k, i) => {
          const g = c.grads![k];
          expectTensor(gs[i], { shape: g.shape, values: g.data as number[] }, { rtol: 1e-3, atol: 1e-4 }, `gradient of ${k}`);
        });
      },
    });
    // Piecewise-constant functions have zero gradient almost everywhere, and their fixtures sit on
    // the jumps on purpose (ties, .5 rounding), where central differences are meaningless.
    if (DISCONTINUOUS.has(c.op)) continue;
    list.push({
      group: `op ${c.op}`,
      name: `${c.name}: gradient matches central differences`,
      runAsync: async () => {
        const inputs = Object.entries(c.inputs).map(([, v]) => upload(v));
        const names = Object.keys(c.inputs);
        await checkGradients((...xs) => runFixture(c, Object.fromEntries(names.map((k, i) => [k, xs[i]]))), inputs);
      },
    });
  }
  return [...list, ...manualCases];
}

/**
 * Registers the whole conformance suite with the test runner for backend `backend`. Each case runs
 * in tidy() and must leave memory().numTensors where it found it.
 */
export function runConformanceSuite(backend: string, t: TestApi): void {
  const cases = conformanceCases();
  t.describe(`conformance suite on '${backend}': ${cases.length} cases (PyTorch fixtures from ${fixtureGenerator})`, () => {
    t.beforeAll(async () => {
      await setBackend(backend);
    });
    const groups = new Map<string, ConformanceCase[]>();
    for (const c of cases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
    for (const [group, list] of groups) {
      t.describe(group, () => {
        for (const c of list) {
          t.it(c.name, async () => {
            await setBackend(backend);
            const engine = getEngine();
            const before = engine.memory().numTensors;
            if (c.runAsync) {
              // An async case's tensors are scoped by hand: tidy() takes only synchronous functions.
              engine.startScope();
              try {
                await c.runAsync();
              } finally {
                engine.endScope(new Set());
              }
            } else {
              tidy(() => c.run!());
            }
            await settleChecks();
            const after = getEngine().memory().numTensors;
            check(after === before, () => `leaked ${after - before} tensor(s): memory().numTensors went from ${before} to ${after}`);
          });
        }
      });
    }
  });
}
