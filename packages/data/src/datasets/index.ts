export { makeCircles, makeMoons, makeBlobs, spirals, xor, sineSequences } from './synthetic.js';
export type { LabeledData, SyntheticOptions } from './synthetic.js';
export { readIdx, readMnist } from './idx.js';
export type { ReadIdxOptions } from './idx.js';
export { readCifar } from './cifar.js';
export { loadMnistDigits } from './mnist_package.js';
export type { BinarySource } from './binary_files.js';
