/**
 * `@soma/core/internal`: the engine and helpers that Soma's own packages (the conformance kit in
 * @soma/testing, backends) need and applications do not. No stability promise: these may change
 * in any minor version.
 */
export { getEngine, Engine } from './engine/engine.js';
export { fail, fmtShape } from './errors.js';
export { shapesEqual } from './shape.js';
export { variablesNamed } from './variable_registry.js';
