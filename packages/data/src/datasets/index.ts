export { makeCircles, makeMoons, makeBlobs, spirals, xor, sineSequences } from './synthetic';
export type { LabeledData } from './synthetic';
export { readIdx, readMnist } from './idx';
export { readCifar } from './cifar';
export { loadMnistDigits } from './mnist_package';
export type { BinarySource } from './binary_files';
