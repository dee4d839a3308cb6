import { checkOptions } from '@soma/core';
import { Dataset } from '../dataset.js';
import type { Element } from '../element.js';
import { checkShard, filesToRead, inShard, type ShardOptions } from './file_list.js';
import { lineTooLong, maxLineLengthOf, textChunks, type TextSource } from './text_lines.js';

/** Options of `fromJsonLines`: the line length bound. */
export interface JsonLinesOptions {
  /** The longest line read, in characters (default 2^27): a longer one is an error naming the line. */
  maxLineLength?: number;
  /** Read only this reader's share of the rows (whole files when there are at least `count` files): see ShardOptions. */
  shard?: ShardOptions;
}

/**
 * Streams JSON Lines (one JSON value per line; blank lines ignored) into a Dataset. A line that
 * spans many chunks is collected as pieces and joined once, so reading is linear in its length.
 */
export function fromJsonLines(source: TextSource | readonly (string | URL)[], options: JsonLinesOptions = {}): Dataset<Element> {
  checkOptions('fromJsonLines', options, ['maxLineLength', 'shard']);
  const limit = maxLineLengthOf('fromJsonLines', options.maxLineLength);
  const shard = checkShard('fromJsonLines', options.shard);
  const readOne = async function* (source: TextSource): AsyncGenerator<Element> {
    const name = typeof source === 'string' ? source : source instanceof URL ? source.href : 'jsonl';
    let pieces: string[] = [];
    let pending = 0;
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
        if (pending + nl - start > limit) throw lineTooLong('fromJsonLines', name, line + 1, limit);
        pieces.push(chunk.slice(start, nl));
        pending = 0;
        const text = (pieces.length === 1 ? pieces[0] : pieces.join('')).replace(/\r$/, '');
        pieces = [];
        start = nl + 1;
        line++;
        if (text.trim()) yield parse(text);
      }
      if (start < chunk.length) {
        pending += chunk.length - start;
        if (pending > limit) throw lineTooLong('fromJsonLines', name, line + 1, limit);
        pieces.push(chunk.slice(start));
      }
    }
    line++;
    const rest = pieces.join('');
    if (rest.trim()) yield parse(rest);
  };
  return Dataset.fromGenerator(async function* () {
    const { files, rowShard } = await filesToRead(source, ['.jsonl', '.ndjson', '.json'], 'fromJsonLines', shard);
    let row = 0;
    for (const file of files) {
      for await (const r of readOne(file)) if (inShard(rowShard, row++)) yield r;
    }
  });
}
