export * as scalers from './scalers';
export { Scaler } from './scalers';
export type { ScalerKind, ScalerOptions, ScalerState } from './scalers';
export * as encoders from './encoders';
export { LabelEncoder, OneHotEncoder, Tokenizer, slidingWindows } from './encoders';
export type { TokenizerOptions, WindowOptions } from './encoders';
export * as image from './image';
