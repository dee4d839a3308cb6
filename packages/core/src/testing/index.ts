export { runConformanceSuite, conformanceCases } from './suite';
export type { TestApi } from './suite';
export type { ConformanceCase } from './cases';
export { checkGradients } from './grad_check';
export type { GradCheckOptions, GradCheckResult } from './grad_check';
export { expectTensor, expectValuesClose, expectThrows, check, AssertionFailure } from './assertions';
export type { Tolerance } from './assertions';
export { fixtureCases, FIXTURE_RUNNERS } from './fixture_cases';
export type { FixtureCase, FixtureTensor } from './fixture_cases';
