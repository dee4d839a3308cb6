export * as scalers from './scalers.js';
export { Scaler } from './scalers.js';
export type { ScalerKind, ScalerOptions, ScalerState } from './scalers.js';
export * as encoders from './encoders.js';
export { LabelEncoder, OneHotEncoder, Tokenizer, slidingWindows } from './encoders.js';
export type { TokenizerOptions, WindowOptions, Label } from './encoders.js';
export * as image from './image.js';
export { wordTokens, WordVocabulary, skipgramPairs, cbowExamples, NegativeSampler, subsampleFrequent } from './skipgrams.js';
