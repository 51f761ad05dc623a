// The example's checks inside a Web Worker. Import maps do not reach workers, so the package is
// imported by its served path.
// @ts-check
import { Kernels } from '/dist/index.js';
import { runAll } from './tests.js';

try {
  const k = await Kernels.create();
  const done = await runAll(k, (name, detail) => self.postMessage({ log: [name, detail] }));
  self.postMessage({ done });
} catch (e) {
  self.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
