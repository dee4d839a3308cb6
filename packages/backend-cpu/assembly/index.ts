// The one WebAssembly module of the cpu backend: every kernel family, compiled together by
// scripts/build-wasm.mjs, sharing the backend's heap (imported memory) with JavaScript and, where
// threads run, with every worker.
export { workspaceBytes, gemmLd, gemmBlocks } from './gemm';
export { convForward, convDirect, convFilterDirect, convBackpropFilter, convBackpropInput, addInto, zero, denseMatrix, flipFilter } from './conv';
export { exp, tanh, sigmoid, binary, binaryBroadcast, unaryBasic, softmaxRows, leakyRelu, clip, compare } from './elementwise';
export { chainRun, chainScratchBytes } from './chain';
export { adamUpdate, sgdUpdate } from './optimizer';
export { avgPool2x2, avgPool2x2Grad, maxPool2x2, maxPool2x2Grad } from './pool';
export { reduceRows, sumAround } from './reduce';
export { copyStrided } from './copy';
export { channelMoments, channelSums, channelAffine } from './normalization';
export { convWinograd, winogradWorkFloats, convFilterWinograd, winogradFilterWorkFloats, skewed } from './winograd';
export { convWinograd4, winograd4WorkFloats, convFilterWinograd4, winograd4FilterWorkFloats } from './winograd4';
export { wb4Filter, wb4Input, wb4Product, wb4Output, wb4Grad, wb4FilterProduct, wb4FilterOut } from './winograd4_batch';
