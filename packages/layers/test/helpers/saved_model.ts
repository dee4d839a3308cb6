import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The weights file a saved model folder's model.json names (each save writes a new one). */
export function weightsPathOf(folder: string): string {
  return join(folder, (JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as { weightsFile: string }).weightsFile);
}
