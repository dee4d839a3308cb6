import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line, "N passed, N failed, N skipped", that CI's log reader understands.
 * Counted at onTestRunEnd, printed at process exit so it is the very last line of the run.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
    }
    process.once('exit', () => console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`));
  }
}
