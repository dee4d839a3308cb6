import { describe, expect, it } from 'vitest';
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { encoders, image, Scaler, scalers, slidingWindows, Tokenizer } from '@soma/data';
import ref from '../../../test/fixtures/data_references.json';

const close = (a: ArrayLike<number>, b: number[], tol = 1e-5) => b.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(v))));

describe(`scalers match NumPy / scikit-learn (${ref.generator})`, () => {
  const { data, shape } = ref.scalers;
  for (const [name, make, expected] of [
    ['standard (population std)', () => scalers.standard(), ref.scalers.standard],
    ['minMax to [0, 1]', () => scalers.minMax(), ref.scalers.minMax],
    ['minMax to [-1, 1]', () => scalers.minMax({ range: [-1, 1] }), ref.scalers.minMaxSymmetric],
    ['robust (median, interquartile range)', () => scalers.robust(), ref.scalers.robust],
  ] as const) {
    it(name, () => {
      soma.tidy(() => {
        const x = soma.tensor(data, shape);
        const s = make();
        const t = s.fit(x).transform(x);
        close(t.dataSync(), expected as number[], 1e-4);
        close(s.inverseTransform(t).dataSync(), data, 1e-4);
        const back = Scaler.deserialize(JSON.parse(JSON.stringify(s.serialize())));
        close(back.transform(x).dataSync(), expected as number[], 1e-4);
      });
    });
  }

  it('per channel on NCHW images, fitted on training data only', () => {
    soma.tidy(() => {
      const train = soma.randomNormal([4, 3, 2, 2], { seed: 1 }).mul(soma.tensor([1, 10, 100], [1, 3, 1, 1]));
      const s = scalers.standard().fit(train);
      const t = s.transform(train);
      const means = t.mean([0, 2, 3]).dataSync();
      const stds = t.variance([0, 2, 3]).sqrt().dataSync();
      close(means, [0, 0, 0], 1e-5);
      close(stds, [1, 1, 1], 1e-4);
      expect(() => s.transform(soma.zeros([2, 4, 2, 2]))).toThrow('standard.transform: fitted on 3 entries along axis 1, got data of shape [2, 4, 2, 2]');
    });
  });

  it.each(['standard', 'minMax', 'robust'] as const)('%s: fitAsync learns what fit learns (an awaited read, for GPU backends), per column and pooled', async (kind) => {
    const x = soma.tensor(data, shape);
    for (const axis of [1, null]) {
      const a = scalers[kind]({ axis }).fit(x).serialize();
      const b = (await scalers[kind]({ axis }).fitAsync(x)).serialize();
      expect(b).toEqual(a);
    }
    x.dispose();
  });

  it('transforming before fitting is an error', () => {
    expect(() => scalers.minMax().transform(soma.zeros([2, 2]))).toThrow('minMax.transform: call fit() on the training data first');
  });
});

describe('encoders', () => {
  it('labelEncoder and oneHotEncoder map labels to ids and back', () => {
    soma.tidy(() => {
      const le = encoders.labelEncoder().fit(['cat', 'dog', 'ant', 'dog']);
      expect(le.classes).toEqual(['ant', 'cat', 'dog']);
      expect(Array.from(le.transform(['dog', 'ant']).dataSync())).toEqual([2, 0]);
      expect(le.inverseTransform([1, 2])).toEqual(['cat', 'dog']);
      expect(() => le.transform(['cow'])).toThrow("labelEncoder.transform: unknown label 'cow'");
      const oh = encoders.oneHotEncoder().fit([3, 1, 2]);
      const t = oh.transform([2, 3]);
      expect(t.arraySync()).toEqual([[0, 1, 0], [0, 0, 1]]);
      expect(oh.inverseTransform(t)).toEqual([2, 3]);
    });
  });

  it('the awaited forms (inverseTransformAsync, decodeAsync) give what the synchronous ones give', async () => {
    const le = encoders.labelEncoder().fit(['cat', 'dog', 'ant']);
    const ids = soma.tensor([2, 0, 1], [3], 'int32');
    expect(await le.inverseTransformAsync(ids)).toEqual(le.inverseTransform(ids));
    await expect(le.inverseTransformAsync([5])).rejects.toThrow('labelEncoder.inverseTransform: id 5 is outside [0, 3)');
    const oh = encoders.oneHotEncoder().fit([3, 1, 2]);
    const t = oh.transform([2, 3, 1]);
    expect(await oh.inverseTransformAsync(t)).toEqual([2, 3, 1]);
    const tok = new Tokenizer({ maxLength: 4 }).fit(['the cat sat']);
    const enc = tok.encode(['the cat', 'sat on the mat']);
    expect(await tok.decodeAsync(enc)).toEqual(tok.decode(enc));
    soma.dispose([ids, t, enc]);
  });

  it('tokenizer: word and character vocabularies, padding, truncation, out-of-vocabulary', () => {
    soma.tidy(() => {
      const tok = new Tokenizer({ maxLength: 4, padding: 'pre', truncation: 'pre' }).fit(['the cat sat', 'the dog sat down']);
      expect(tok.vocabulary.slice(0, 4)).toEqual(['<pad>', '<oov>', 'sat', 'the']);
      const ids = tok.encode(['the cat', 'a dog sat down now']);
      expect(ids.shape).toEqual([2, 4]);
      expect(tok.decode(ids)).toEqual(['the cat', 'dog sat down <oov>']);
      expect(Array.from(ids.dataSync()).slice(0, 2)).toEqual([0, 0]);
      const chars = encoders.tokenizer({ level: 'char', maxLength: 3 }).fit(['abca']);
      expect(chars.decode(chars.encode(['abz', 'cabbage']))).toEqual(['ab<oov>', 'cab']);
    });
  });

  it('sliding windows, many-to-one and many-to-many', () => {
    soma.tidy(() => {
      const { xs, ys } = slidingWindows([0, 1, 2, 3, 4, 5], { window: 3 });
      expect(xs.shape).toEqual([3, 3, 1]);
      expect(Array.from(ys.dataSync())).toEqual([3, 4, 5]);
      const m = slidingWindows(soma.tensor([0, 1, 2, 3, 4, 5, 6]), { window: 2, stride: 2, manyToMany: true });
      expect(m.xs.arraySync()).toEqual([[[0], [1]], [[2], [3]], [[4], [5]]]);
      expect(m.ys.arraySync()).toEqual([[[1], [2]], [[3], [4]], [[5], [6]]]);
      expect(() => slidingWindows([1, 2], { window: 3 })).toThrow('shorter than window 3');
    });
  });
});

describe('image helpers', () => {
  for (const c of ref.resize.cases) {
    it(`resizeBilinear to ${c.size.join('x')} (alignCorners ${c.alignCorners}) matches torch interpolate`, () => {
      soma.tidy(() => {
        const x = soma.tensor(ref.resize.input, ref.resize.shape);
        const y = image.resizeBilinear(x, c.size as [number, number], { alignCorners: c.alignCorners });
        expect(y.shape).toEqual([2, 3, ...c.size]);
        close(y.dataSync(), c.output, 1e-5);
      });
    });
  }

  it('normalize, seeded randomCrop and randomHorizontalFlip', () => {
    soma.tidy(() => {
      const x = soma.arange(0, 2 * 1 * 3 * 3).cast('float32').reshape([2, 1, 3, 3]);
      expect(Array.from(image.normalize(x, [4], [2]).dataSync()).slice(0, 3)).toEqual([-2, -1.5, -1]);
      const a = image.randomCrop(x, { size: [3, 3], padding: 1, seed: 7 });
      const b = image.randomCrop(x, { size: [3, 3], padding: 1, seed: 7 });
      expect(a.shape).toEqual([2, 1, 3, 3]);
      expect(a.arraySync()).toEqual(b.arraySync());
      const flipped = image.randomHorizontalFlip(x, { p: 1 });
      expect((flipped.arraySync() as number[][][][])[0][0][0]).toEqual([2, 1, 0]);
      expect(image.randomHorizontalFlip(x, { p: 0 }).arraySync()).toEqual(x.arraySync());
    });
  });
});
