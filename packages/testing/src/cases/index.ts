import { autodiffCases } from './autodiff.js';
import { batchNormCases } from './batch_norm.js';
import { creationCases } from './creation.js';
import { dispatchCases } from './dispatch.js';
import { dtypeCases } from './dtypes.js';
import { graphCases } from './graph.js';
import { recurrentCases } from './recurrent.js';
import { edgeShapeCases } from './edge_shapes.js';
import { errorCases } from './errors.js';
import { memoryCases } from './memory.js';
import { randomCases } from './random.js';
import { selectionCases } from './selection.js';
import { volumeCases } from './volumes.js';

/** A hand-written conformance check. Throws on failure. */
export interface ConformanceCase {
  group: string;
  name: string;
  /** The case's body, when synchronous. */
  run?: () => void;
  /** The case's body, when asynchronous. */
  runAsync?: () => Promise<void>;
}

export const manualCases: ConformanceCase[] = [
  ...creationCases, ...randomCases, ...dtypeCases, ...edgeShapeCases, ...errorCases, ...autodiffCases, ...memoryCases, ...dispatchCases, ...graphCases, ...selectionCases, ...volumeCases, ...batchNormCases, ...recurrentCases,
];
