import { checkElementCount } from '@soma/core';

/** While a saved model is rebuilt: how many weight elements its weights file holds, and how many are still unclaimed. */
interface Budget {
  readonly limit: number;
  left: number;
  readonly source: string;
}

let current: Budget | null = null;

const SLACK = 2 ** 24;

/**
 * Runs `build` with the weights it creates capped at `limit` elements in all: a model config from
 * a file cannot ask for more parameters than its weights file holds, so a 1 KB model.json saying
 * `units: 1e9` fails before gigabytes are allocated, naming the layer.
 */
export function withWeightBudget<T>(limit: number, source: string, build: () => T): T {
  const outer = current;
  // Some slack (64 MB of float32), so a config that differs a little from its weights still
  // builds and gets the precise message naming the weight and both shapes.
  current = { limit, left: limit + SLACK, source };
  try {
    return build();
  } finally {
    current = outer;
  }
}

/** Checks one weight's size before it is allocated: a tensor's element limit, then the budget if one is set. */
export function claimWeight(layer: string, name: string, shape: readonly number[]): void {
  const count = shape.reduce((a, b) => a * b, 1);
  checkElementCount(layer, count, () => `weight '${name}' of shape [${shape.join(', ')}]`);
  if (!current) return;
  if (count > current.left) {
    throw new Error(`${layer}: weight '${name}' of shape [${shape.join(', ')}] (${count.toLocaleString('en-US')} elements) needs far more parameters than the ${current.limit.toLocaleString('en-US')} that ${current.source} holds: the config does not match its weights`);
  }
  current.left -= count;
}
