export { runConformanceSuite, conformanceCases } from './suite.js';
export type { TestApi } from './suite.js';
export type { ConformanceCase } from './cases/index.js';
export { checkGradients } from './grad_check.js';
export type { GradCheckOptions, GradCheckResult } from './grad_check.js';
export { expectTensor, expectValuesClose, expectThrows, expectFails, check, settleChecks, AssertionFailure } from './assertions.js';
export type { Tolerance } from './assertions.js';
export { fixtureCases, FIXTURE_RUNNERS } from './fixture_cases.js';
export type { FixtureCase, FixtureTensor } from './fixture_cases.js';
