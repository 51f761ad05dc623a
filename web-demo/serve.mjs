// Serves web-demo/pkg/ on http://127.0.0.1:PORT (default 8000; PORT=0 picks a free one).
//   node web-demo/serve.mjs [PORT]
// A static server with the right MIME type for .wasm and cross-origin isolation headers
// (which give performance.now() its finer 5 µs resolution). Also imported by the browser test.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export function serve(root, port = 8000, host = '127.0.0.1') {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const rel = normalize(path === '/' ? '/index.html' : path);
    if (rel.includes('..')) {
      res.writeHead(400).end('bad path');
      return;
    }
    try {
      const body = await readFile(join(root, rel));
      res.writeHead(200, {
        'Content-Type': TYPES[extname(rel)] || 'application/octet-stream',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), 'pkg');
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8000);
  const server = await serve(root, port);
  console.log(`serving ${root} on http://127.0.0.1:${server.address().port}/ (Ctrl-C stops)`);
}
