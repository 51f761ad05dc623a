// The page controls' validation (www/controls.js) under node: the messages shown next to a
// control holding a bad value, and the first bad control of a section.
//   node --test web-demo/controls.test.mjs      (web-demo/e2e.sh runs it)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int, intList, float, choice, validate, parse } from './www/controls.js';

test('whole numbers are checked', () => {
  const c = int('m', 'M', '64', 1, 512, '');
  assert.deepEqual(validate(c, ' 7 '), { value: 7 });
  assert.match(validate(c, '0').error, /between 1 and 512/);
  assert.ok(validate(c, '513').error);
  assert.match(validate(c, 'abc').error, /not a whole number/);
  for (const bad of ['-3', '2.5', '', '1e3', '0x10']) assert.ok(validate(c, bad).error, bad);
});

test('lists are checked', () => {
  const c = intList('sizes', 'sizes', '64', [1, 1024, 3], '');
  assert.deepEqual(validate(c, '64, 128'), { value: [64, 128] });
  assert.ok(validate(c, '64,,128').error);
  assert.match(validate(c, '64,abc').error, /`abc` is not a whole number/);
  assert.match(validate(c, '1,2,3,4').error, /at most 3/);
  assert.ok(validate(c, '2000').error);
});

test('floats and choices are checked', () => {
  const d = float('density', 'density', '0.5', 0, 1, '');
  assert.deepEqual(validate(d, '0.25'), { value: 0.25 });
  assert.match(validate(d, '1.5').error, /between 0 and 1/);
  assert.ok(validate(d, 'NaN').error);
  assert.ok(validate(d, 'Infinity').error);
  const p = choice('pattern', 'pattern', 'diagonal', ['diagonal', 'stripes'], '');
  assert.deepEqual(validate(p, 'stripes'), { value: 'stripes' });
  assert.match(validate(p, 'zigzag').error, /diagonal, stripes/);
});

test('a section reports its first bad control; missing values take the default', () => {
  const cs = [int('m', 'M', '8', 1, 64, ''), int('n', 'N', '8', 1, 64, '')];
  const bad = parse(cs, { n: '99' });
  assert.equal(bad.control, 'n');
  assert.match(bad.error, /between 1 and 64/);
  assert.deepEqual(parse(cs, { n: '9' }), { params: { m: 8, n: 9 } });
});
