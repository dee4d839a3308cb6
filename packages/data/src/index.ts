export { Dataset } from './dataset';
export type { ShuffleOptions } from './dataset';
export { stackElements, unstackElement } from './element';
export type { Element } from './element';
