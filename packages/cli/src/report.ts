import type { Tensor } from '@soma/core';

/** Accuracy and the confusion matrix (rows: true class, columns: predicted) of logits against class ids. */
export async function classification(logits: Tensor, y: Tensor, numClasses: number): Promise<{ accuracy: number; confusion: number[][] }> {
  const ids = logits.argMax(1);
  const predicted = await ids.data();
  ids.dispose();
  const truth = await y.data();
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let hits = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) hits++;
  }
  return { accuracy: hits / truth.length, confusion };
}

/** The confusion matrix as text (for up to 20 classes). */
export function formatConfusion(confusion: number[][], names: readonly string[]): string[] {
  const label = (s: string) => (s.length > 8 ? s.slice(0, 8) : s);
  const width = Math.max(5, ...confusion.flat().map((v) => String(v).length + 1), ...names.map((n) => label(n).length + 1));
  const head = ' '.repeat(10) + names.map((n) => label(n).padStart(width)).join('');
  return ['confusion matrix (rows: true class, columns: predicted)', head, ...confusion.map((row, i) => label(names[i]).padEnd(10) + row.map((v) => String(v).padStart(width)).join(''))];
}
