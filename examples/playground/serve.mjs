// Serves the built playground on http://127.0.0.1:8080 with the headers that make the page
// cross-origin isolated (SharedArrayBuffer, so the cpu backend runs threads).
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.bin': 'application/octet-stream' };

/** A server for the files of `dir`; `port` 0 picks a free one. */
export function servePlayground(dir, port = 8080) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(dir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('content-type', TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-embedder-policy', 'require-corp');
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'dist');
  if (!existsSync(join(dir, 'index.html'))) throw new Error('playground: build it first (node examples/playground/build.mjs, or pnpm run playground)');
  const port = Number(process.env.PORT ?? 8080);
  await servePlayground(dir, port);
  console.log(`Soma playground: http://127.0.0.1:${port}/ (Ctrl-C to stop)`);
}
