import { Dataset } from '../dataset.js';
import type { Element } from '../element.js';
import { textChunks, type TextSource } from './text_lines.js';

/**
 * Streams JSON Lines (one JSON value per line; blank lines ignored) into a Dataset. A line that
 * spans many chunks is collected as pieces and joined once, so reading is linear in its length.
 */
export function fromJsonLines(source: TextSource): Dataset<Element> {
  const name = typeof source === 'string' ? source : 'jsonl';
  return Dataset.fromGenerator(async function* () {
    let pieces: string[] = [];
    let line = 0;
    const parse = (text: string): Element => {
      try {
        return JSON.parse(text) as Element;
      } catch (e) {
        throw new Error(`fromJsonLines: ${name} line ${line}: ${(e as Error).message}`);
      }
    };
    for await (const chunk of textChunks(source, 'fromJsonLines')) {
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
        pieces.push(chunk.slice(start, nl));
        const text = (pieces.length === 1 ? pieces[0] : pieces.join('')).replace(/\r$/, '');
        pieces = [];
        start = nl + 1;
        line++;
        if (text.trim()) yield parse(text);
      }
      if (start < chunk.length) pieces.push(chunk.slice(start));
    }
    line++;
    const rest = pieces.join('');
    if (rest.trim()) yield parse(rest);
  });
}
