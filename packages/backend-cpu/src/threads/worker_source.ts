import { ARGC, ARGS, DONE, FAILED, FN, SEQ, SPIN_MS, STOP } from './protocol.js';

/**
 * The source of a kernel worker, as a string so it starts from a Blob URL (browsers) or `eval`
 * (Node's worker_threads) with no file of its own to locate. It instantiates the kernel module
 * over the shared heap, then serves its mailbox (threads/protocol.ts): each call names an export
 * and its numeric arguments.
 */
export const WORKER_SOURCE = `
const start = (init) => {
  const { module, memory, slot, names } = init;
  const ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); } } }).exports;
  const fns = names.map((n) => ex[n]);
  const head = new Int32Array(memory.buffer, slot, 8);
  const args = new Float64Array(memory.buffer, slot + ${ARGS}, 30);
  let seen = 0;
  for (;;) {
    // Spin a while before sleeping: waking a sleeping thread costs tens to hundreds of
    // microseconds (more on virtual machines), and kernels of a training step come close together.
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(head, ${SEQ}) === seen && performance.now() < until);
    Atomics.wait(head, ${SEQ}, seen);
    const seq = Atomics.load(head, ${SEQ});
    if (seq === ${STOP}) return;
    if (seq === seen) continue;
    seen = seq;
    let failed = 0;
    try {
      fns[head[${FN}]](...args.subarray(0, head[${ARGC}]));
    } catch (e) {
      failed = 1;
    }
    head[${FAILED}] = failed;
    Atomics.store(head, ${DONE}, seq);
    Atomics.notify(head, ${DONE});
  }
};
if (typeof self === 'object' && typeof self.postMessage === 'function' && typeof require === 'undefined') {
  self.onmessage = (e) => { self.postMessage('ready'); start(e.data); };
} else {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (init) => { parentPort.postMessage('ready'); start(init); });
}
`;
