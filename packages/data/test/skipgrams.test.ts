import { describe, expect, it } from 'vitest';
import '@soma/backend-cpu';
import { cbowExamples, NegativeSampler, skipgramPairs, subsampleFrequent, wordTokens, WordVocabulary } from '@soma/data';

describe('the word2vec pipeline', () => {
  it('wordTokens splits on punctuation and lowercases; WordVocabulary counts, orders and drops rare words', () => {
    expect(wordTokens("The cat's hat, the CAT.")).toEqual(['the', "cat's", 'hat', 'the', 'cat']);
    const v = WordVocabulary.fromTokens('b a b c a b d', { minCount: 2 });
    expect(v.words).toEqual(['<pad>', 'b', 'a']);
    expect(v.counts).toEqual([0, 3, 2]);
    expect(Array.from(v.encode('a c b'))).toEqual([2, 1]);
    expect(v.id('c')).toBeUndefined();
    expect(() => WordVocabulary.fromTokens('a b', { minCount: 5 })).toThrow(/WordVocabulary\.fromTokens: no word occurs 5 or more times in 2 tokens/);
    expect(() => new WordVocabulary(['a'], [1])).toThrow(/id 0 must be '<pad>'/);
  });

  it('skipgramPairs: every word within the window, both sides; a seed shrinks windows as word2vec.c does', () => {
    const full = skipgramPairs([1, 2, 3, 4], { window: 1 });
    expect(Array.from(full.centers)).toEqual([1, 2, 2, 3, 3, 4]);
    expect(Array.from(full.contexts)).toEqual([2, 1, 3, 2, 4, 3]);
    const ids = Array.from({ length: 200 }, (_, i) => i % 7 + 1);
    const shrunk = skipgramPairs(ids, { window: 4, seed: 1 });
    const all = skipgramPairs(ids, { window: 4 });
    // Windows drawn from 1…4 average 2.5 of the 4 positions each side.
    expect(shrunk.centers.length / all.centers.length).toBeGreaterThan(0.5);
    expect(shrunk.centers.length / all.centers.length).toBeLessThan(0.75);
    expect(Array.from(skipgramPairs(ids, { window: 4, seed: 1 }).contexts)).toEqual(Array.from(shrunk.contexts));
    expect(() => skipgramPairs(ids, { window: 0 })).toThrow(/skipgramPairs: window must be a positive integer, got 0/);
    expect(() => skipgramPairs(ids, { windowSize: 2 } as never)).toThrow(/skipgramPairs: unknown option 'windowSize'/);
    expect(() => WordVocabulary.fromTokens('a b', { min_count: 1 } as never)).toThrow(/WordVocabulary\.fromTokens: unknown option 'min_count'/);
  });

  it('cbowExamples: 2·window context ids around each word, 0 past the ends', () => {
    const ex = cbowExamples([5, 6, 7], { window: 1 });
    expect(Array.from(ex.centers)).toEqual([5, 6, 7]);
    expect(Array.from(ex.contexts)).toEqual([0, 6, 5, 7, 6, 0]);
  });

  it('NegativeSampler draws ∝ count^¾, never padding, and avoids the true context', () => {
    const counts = [0, 16, 1, 81];
    const s = new NegativeSampler(counts, { seed: 3 });
    const n = 60000;
    const seen = [0, 0, 0, 0];
    for (const id of s.sample(n)) seen[id]++;
    const weights = counts.map((c) => c ** 0.75);
    const total = weights.reduce((a, b) => a + b);
    expect(seen[0]).toBe(0);
    for (const id of [1, 2, 3]) expect(seen[id] / n).toBeCloseTo(weights[id] / total, 2);
    expect(Array.from(s.sample(200, 3)).filter((id) => id === 3).length).toBe(0);
    expect(() => new NegativeSampler([0, 0])).toThrow(/NegativeSampler: every count is 0/);
  });

  it("subsampleFrequent keeps a word of frequency f with word2vec.c's probability (√(f/t) + 1)·t/f; rare words always", () => {
    // Id 1 is 90% of a 100,000-word text, id 2 the rest.
    const counts = [0, 90_000, 10_000];
    const ids = Int32Array.from({ length: 100_000 }, (_, i) => (i % 10 === 0 ? 2 : 1));
    const t = 0.01;
    const kept = subsampleFrequent(ids, counts, { threshold: t, seed: 4 });
    const share = (id: number) => kept.filter((v) => v === id).length / counts[id];
    const expected = (f: number) => Math.min(1, (Math.sqrt(f / t) + 1) * (t / f));
    // Within four standard deviations of the binomial share.
    expect(Math.abs(share(1) - expected(0.9))).toBeLessThan(4 * Math.sqrt(0.25 / 90_000));
    expect(Math.abs(share(2) - expected(0.1))).toBeLessThan(4 * Math.sqrt(0.25 / 10_000));
    expect(expected(0.9)).toBeLessThan(expected(0.1));
    expect(Array.from(subsampleFrequent([2, 2], [0, 1, 2], { threshold: 0.9 }))).toEqual([2, 2]);
    expect(() => subsampleFrequent(ids, counts, { threshold: 0 })).toThrow(/subsampleFrequent: threshold must be a positive number, got 0/);
    expect(() => subsampleFrequent([0], counts, { threshold: 0.1 })).toThrow(/id 0 at position 0 has no count/);
  });
});
