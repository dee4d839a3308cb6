import { autodiffCases } from './autodiff';
import { creationCases } from './creation';
import { dispatchCases } from './dispatch';
import { dtypeCases } from './dtypes';
import { graphCases } from './graph';
import { edgeShapeCases } from './edge_shapes';
import { errorCases } from './errors';
import { memoryCases } from './memory';
import { randomCases } from './random';
import { selectionCases } from './selection';
import { volumeCases } from './volumes';

/** A hand-written conformance check. Throws on failure. */
export interface ConformanceCase {
  group: string;
  name: string;
  run?: () => void;
  runAsync?: () => Promise<void>;
}

export const manualCases: ConformanceCase[] = [
  ...creationCases, ...randomCases, ...dtypeCases, ...edgeShapeCases, ...errorCases, ...autodiffCases, ...memoryCases, ...dispatchCases, ...graphCases, ...selectionCases, ...volumeCases,
];
