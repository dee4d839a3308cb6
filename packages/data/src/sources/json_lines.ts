import { Dataset } from '../dataset';
import type { Element } from '../element';
import { textChunks, type TextSource } from './text_lines';

/** Streams JSON Lines (one JSON value per line; blank lines ignored) into a Dataset. */
export function fromJsonLines(source: TextSource): Dataset<Element> {
  const name = typeof source === 'string' ? source : 'jsonl';
  return Dataset.fromGenerator(async function* () {
    let rest = '';
    let line = 0;
    const parse = (text: string): Element => {
      try {
        return JSON.parse(text) as Element;
      } catch (e) {
        throw new Error(`fromJsonLines: ${name} line ${line}: ${(e as Error).message}`);
      }
    };
    for await (const chunk of textChunks(source, 'fromJsonLines')) {
      rest += chunk;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const text = rest.slice(0, nl).replace(/\r$/, '');
        rest = rest.slice(nl + 1);
        line++;
        if (text.trim()) yield parse(text);
      }
    }
    line++;
    if (rest.trim()) yield parse(rest);
  });
}
