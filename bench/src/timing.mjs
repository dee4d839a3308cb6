/** Median wall time of `fn` in ms: warm up, then repeat until `minMs` has passed (at least `minReps`). */
export async function timeIt(fn, { warmup = 2, minMs = 1500, minReps = 5, maxReps = 200 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  const start = performance.now();
  while (times.length < minReps || (performance.now() - start < minMs && times.length < maxReps)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
