#!/usr/bin/env node
import { main } from '../dist/index.js';

// A reader that stops early (`soma summary model.onnx | head -1`) closes the pipe: later output is
// dropped quietly instead of ending in an unhandled EPIPE stack, and the command finishes (a
// training run still saves its model and report).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

process.exitCode = await main(process.argv.slice(2));
