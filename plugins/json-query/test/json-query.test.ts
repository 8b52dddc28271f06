import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { filter, map, query } from '../src/index.ts';

const harness = createTestHarness(plugin);

const orders = {
  customer: 'Ada',
  orders: [
    { id: 1, items: [{ name: 'pen', price: 2, qty: 3 }] },
    {
      id: 2,
      items: [
        { name: 'book', price: 30, qty: 1 },
        { name: 'lamp', price: 45, qty: 2 },
      ],
    },
  ],
};

describe('query', () => {
  it('selects, aggregates and reshapes', async () => {
    const total = await harness.execute(
      query,
      { data: orders },
      { config: { expression: '$sum(orders.items.(price * qty))' } },
    );
    assert.deepEqual(total, { result: 126, found: true });
    const reshaped = await harness.execute(
      query,
      { data: orders },
      {
        config: {
          expression: '{ "who": customer, "expensive": orders.items[price > 20].name }',
        },
      },
    );
    assert.deepEqual(reshaped.result, { who: 'Ada', expensive: ['book', 'lamp'] });
  });

  it('reads variables as $name', async () => {
    const result = await harness.execute(
      query,
      { data: orders, variables: { min: 40 } },
      { config: { expression: 'orders.items[price >= $min].name' } },
    );
    assert.deepEqual(result, { result: 'lamp', found: true });
  });

  it('works on arrays and scalars at the top level', async () => {
    assert.deepEqual(
      await harness.execute(query, { data: [1, 2, 3] }, { config: { expression: '$[$ > 1]' } }),
      { result: [2, 3], found: true },
    );
    assert.deepEqual(
      await harness.execute(query, { data: 'abc' }, { config: { expression: '$uppercase($)' } }),
      { result: 'ABC', found: true },
    );
  });

  it('returns null and found = false when nothing matches', async () => {
    assert.deepEqual(
      await harness.execute(query, { data: orders }, { config: { expression: 'nothing.here' } }),
      { result: null, found: false },
    );
  });

  it('reports a syntax error with its position', async () => {
    await assert.rejects(
      harness.execute(query, { data: {} }, { config: { expression: 'orders[price > ' } }),
      (error: { code: string; message: string; details: Record<string, unknown> }) => {
        assert.equal(error.code, 'INVALID_EXPRESSION');
        assert.match(error.message, /^The expression is invalid: .*position \d+/);
        assert.equal(typeof error.details['position'], 'number');
        assert.match(String(error.details['jsonataCode']), /^S0/);
        return true;
      },
    );
  });

  it('reports evaluation errors with the JSONata code', async () => {
    await assert.rejects(
      harness.execute(query, { data: { a: 'x' } }, { config: { expression: 'a + 1' } }),
      (error: { code: string; details: Record<string, unknown> }) => {
        assert.equal(error.code, 'EVALUATION_FAILED');
        assert.equal(error.details['jsonataCode'], 'T2001');
        return true;
      },
    );
    await assert.rejects(
      harness.execute(query, { data: {} }, { config: { expression: 'function($x) { $x }' } }),
      { code: 'RESULT_NOT_JSON' },
    );
  });

  it('stops runaway expressions by time and by depth', async () => {
    const started = Date.now();
    await assert.rejects(
      harness.execute(
        query,
        { data: {} },
        { config: { expression: '$count([1..1000000].($string($)))', timeoutMs: 50 } },
      ),
      { code: 'EXPRESSION_TIMEOUT' },
    );
    assert.ok(Date.now() - started < 2_000);
    await assert.rejects(
      harness.execute(
        query,
        { data: {} },
        { config: { expression: '($f := function($n) { $n + $f($n + 1) }; $f(0))' } },
      ),
      { code: 'EXPRESSION_TOO_DEEP' },
    );
  });

  it('refuses bad variable names and a missing expression', async () => {
    await assert.rejects(
      harness.execute(query, { data: 1, variables: { $x: 1 } }, { config: { expression: '$' } }),
      { code: 'PLUGIN_VALIDATION_FAILED' },
    );
    await assert.rejects(harness.execute(query, { data: 1 }), {
      code: 'PLUGIN_VALIDATION_FAILED',
    });
  });

  it('checks the expression while the workflow is edited', async () => {
    assert.equal((await harness.nodeConfig(query, { expression: 'a.b' })).ready, true);
    const broken = await harness.nodeConfig(query, { expression: 'a[' });
    assert.equal(broken.ready, false);
    assert.match(broken.message ?? '', /position/);
    assert.equal(broken.fields['expression']?.description, broken.message);
    assert.equal((await harness.nodeConfig(query, {})).ready, false);
  });
});

describe('map', () => {
  it('evaluates per item with $index and $items, skipping empty results', async () => {
    const result = await harness.execute(
      map,
      { items: [{ n: 'a', v: 1 }, { n: 'b' }, { n: 'c', v: 3 }], variables: { k: 10 } },
      {
        config: { expression: 'v ? { "name": n, "v": v * $k, "i": $index, "of": $count($items) }' },
      },
    );
    assert.deepEqual(result, {
      results: [
        { name: 'a', v: 10, i: 0, of: 3 },
        { name: 'c', v: 30, i: 2, of: 3 },
      ],
      count: 2,
    });
  });

  it('keeps empty results as null when asked', async () => {
    const result = await harness.execute(
      map,
      { items: [{ v: 1 }, {}] },
      { config: { expression: 'v', skipEmpty: false } },
    );
    assert.deepEqual(result, { results: [1, null], count: 2 });
  });

  it('fails on the first item that errors', async () => {
    await assert.rejects(
      harness.execute(map, { items: [1, 'x'] }, { config: { expression: '$ * 2' } }),
      { code: 'EVALUATION_FAILED' },
    );
    await assert.rejects(harness.execute(map, { items: [1] }, { config: { expression: '(' } }), {
      code: 'INVALID_EXPRESSION',
    });
  });
});

describe('filter', () => {
  it('splits a list into kept and rejected by a condition', async () => {
    const result = await harness.execute(
      filter,
      { items: [{ age: 17 }, { age: 30 }, { age: 65 }, {}], variables: { adult: 18 } },
      { config: { expression: 'age >= $adult' } },
    );
    assert.deepEqual(result, { kept: [{ age: 30 }, { age: 65 }], rejected: [{ age: 17 }, {}] });
  });

  it('uses JSONata truthiness for non-boolean results', async () => {
    const result = await harness.execute(
      filter,
      { items: [{ tags: [] }, { tags: ['x'] }, { tags: '' }, { tags: {} }, { tags: 0 }] },
      { config: { expression: 'tags' } },
    );
    assert.deepEqual(result.kept, [{ tags: ['x'] }]);
  });

  it('reports errors and checks the expression while editing', async () => {
    await assert.rejects(
      harness.execute(filter, { items: [1] }, { config: { expression: '$nope(' } }),
      { code: 'INVALID_EXPRESSION' },
    );
    assert.equal((await harness.nodeConfig(filter, { expression: 'x > 1' })).ready, true);
  });
});
