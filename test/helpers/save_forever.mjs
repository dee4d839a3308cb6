// Saves two distinguishable models to one folder, alternately, until it is killed. The crash test
// kills it at random moments and checks that the folder always loads as one complete model.
import * as soma from '@soma/core';
import '@soma/backend-cpu';
import { layers, sequential } from '@soma/layers';

const [dir] = process.argv.slice(2);
const make = (units, value) => {
  const m = sequential([layers.dense({ units, inputShape: [256], name: 'fc' })]);
  m.setWeights(m.weights.map((w) => soma.fill(w.shape, value)));
  return m;
};
const a = make(300, 1.5);
const b = make(200, -2.5);
await a.save(dir);
process.stdout.write('ready\n');
for (let i = 0; ; i++) await (i % 2 ? a : b).save(dir);
