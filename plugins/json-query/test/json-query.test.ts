import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { createTestHarness } from '@plugboard/sdk/testing';
import plugin, { filter, map, query } from '../src/index.ts';

const exponential = '($f := function($n) { $n < 1 ? 0 : $f($n - 1) + $f($n - 1) }; $f(40))';
const endless = '($f := function($n) { $f($n + 1) }; $f(0))';

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

/**
 * Runs expressions through the query node with its default limits in a fresh Node process, and
 * says how each ended and after how long. node:test tracks every promise of the test process,
 * which makes JSONata's promise-heavy evaluation about ten times slower here than in a plugin
 * process, so timings are only meaningful outside it.
 */
async function timeWithDefaults(expressions: string[]): Promise<{ code: string; ms: number }[]> {
  const script = `
    import { createTestHarness } from ${JSON.stringify(import.meta.resolve('@plugboard/sdk/testing'))};
    const { default: plugin, query } = await import(${JSON.stringify(import.meta.resolve('../src/index.ts'))});
    const harness = createTestHarness(plugin);
    const results = [];
    for (const expression of ${JSON.stringify(expressions)}) {
      const started = performance.now();
      const code = await harness.execute(query, { data: {} }, { config: { expression } })
        .then(() => 'none', (error) => error.code);
      results.push({ code, ms: performance.now() - started });
    }
    process.stdout.write(JSON.stringify(results));`;
  const register = import.meta.resolve('@plugboard/sdk/runtime/register');
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--import',
    register,
    '--input-type=module',
    '--eval',
    script,
  ]);
  return JSON.parse(stdout) as { code: string; ms: number }[];
}

describe('bounded evaluation', () => {
  const elapsed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };

  it('ends exponential, endless and $eval-ed recursion with EXPRESSION_TOO_MANY_STEPS', async () => {
    for (const expression of [exponential, endless, `$eval(${JSON.stringify(endless)})`]) {
      await assert.rejects(
        harness.execute(query, { data: {} }, { config: { expression, maxSteps: 20_000 } }),
        (error: { code: string; message: string }) => {
          assert.equal(error.code, 'EXPRESSION_TOO_MANY_STEPS');
          assert.match(error.message, /more than 20000 evaluation steps.*raise maxSteps/);
          return true;
        },
      );
    }
  });

  it('stops them within about a second with the default limits', async () => {
    const results = await timeWithDefaults([exponential, endless]);
    for (const { code, ms } of results) {
      assert.equal(code, 'EXPRESSION_TOO_MANY_STEPS');
      // About half a second on a small server; the margin is for a busy one.
      assert.ok(ms < 2_000, `stopped after ${String(Math.round(ms))} ms`);
    }
  });

  it('counts steps the same way everywhere, with maxSteps to allow more', async () => {
    const config = { expression: '$sum([1..2000].($ * 2))' };
    await assert.rejects(
      harness.execute(query, { data: {} }, { config: { ...config, maxSteps: 1_000 } }),
      { code: 'EXPRESSION_TOO_MANY_STEPS' },
    );
    assert.deepEqual(await harness.execute(query, { data: {} }, { config }), {
      result: 4_002_000,
      found: true,
    });
  });

  it('keeps the event loop turning and stops when the execution is cancelled', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    await assert.rejects(
      harness.execute(
        query,
        { data: {} },
        { config: { expression: exponential, maxSteps: 100_000 } },
      ),
      { code: 'EXPRESSION_TOO_MANY_STEPS' },
    );
    clearInterval(timer);
    assert.ok(ticks >= 5, `only ${String(ticks)} timer ticks during the evaluation`);
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);
    const took = await elapsed(() =>
      assert.rejects(
        harness.execute(
          query,
          { data: {} },
          {
            config: { expression: endless, maxSteps: 1_000_000_000, timeoutMs: 60_000 },
            signal: controller.signal,
            timeoutMs: 60_000,
          },
        ),
      ),
    );
    assert.ok(took < 1_000, `cancelling took ${String(Math.round(took))} ms`);
  });

  it('leaves nothing running when one item of a constructor fails', async () => {
    // JSONata evaluates the items of [ ] concurrently; the endless one must stop once the execution
    // has failed, as its signal then aborts.
    await assert.rejects(
      harness.execute(query, { data: {} }, { config: { expression: `[${endless}, 1 + "a"]` } }),
      { code: 'EVALUATION_FAILED' },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const used = process.cpuUsage(before);
    assert.ok(used.user + used.system < 100_000, 'something kept evaluating');
  });

  it('bounds a whole list by timeoutMs, not each item', async () => {
    const expression = '($f := function($n) { $n < 1 ? 0 : $f($n - 1) + $f($n - 1) }; $f(14))';
    const items = Array.from({ length: 200 }, (_, i) => i);
    const took = await elapsed(() =>
      assert.rejects(harness.execute(map, { items }, { config: { expression, timeoutMs: 200 } }), {
        code: 'EXPRESSION_TIMEOUT',
      }),
    );
    assert.ok(took < 1_500, `the list ran ${String(Math.round(took))} ms`);
  });

  it('reports values too large to build', async () => {
    await assert.rejects(
      harness.execute(
        query,
        { data: {} },
        {
          config: {
            expression:
              '($d := function($s, $n) { $n = 0 ? $s : $d($s & $s, $n - 1) }; $d("x", 40))',
          },
        },
      ),
      { code: 'RESULT_TOO_LARGE' },
    );
  });

  it('runs regular expressions on RE2: no catastrophic backtracking, no lookaround', async () => {
    const took = await elapsed(async () => {
      assert.deepEqual(
        await harness.execute(
          query,
          { data: `${'a'.repeat(40)}!` },
          { config: { expression: '$match($, /(a+)+$/)' } },
        ),
        { result: null, found: false },
      );
    });
    assert.ok(took < 1_000);
    const run = async (expression: string) =>
      (await harness.execute(query, { data: {} }, { config: { expression } })).result;
    assert.equal(await run('$replace("x=1, y=22", /(\\w)=(\\d+)/, "$2:$1")'), '1:x, 22:y');
    assert.deepEqual(await run('$split("a1b22c", /\\d+/)'), ['a', 'b', 'c']);
    assert.equal(await run('$contains("Hello", /^hel/i)'), true);
    assert.deepEqual(await run('$match("😀ab", /a(b)/)'), { match: 'ab', index: 2, groups: ['b'] });
    for (const pattern of ['a(?=b)', '(?<=a)b', '(a)\\1', '(?<x>a)\\k<x>']) {
      await assert.rejects(run(`$match("ab", /${pattern}/)`), (error: Error) => {
        assert.equal((error as unknown as { code: string }).code, 'UNSUPPORTED_REGEX');
        assert.match(error.message, /cannot run on RE2.*match the surrounding text/);
        return true;
      });
    }
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
