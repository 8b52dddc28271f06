import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Manifest } from '@plugboard/protocol';
import {
  NodeFailure,
  type NodeCall,
  type RemoteNodeCaller,
  type RemoteNodeTarget,
} from '../src/nodes/node-definition.ts';
import { NodeRegistry } from '../src/nodes/node-registry.ts';
import {
  executeWorkflow,
  type NodeFinishedEvent,
  type NodeStartedEvent,
  type RunObserver,
} from '../src/runs/executor.ts';
import { workflowGraphSchema, type WorkflowGraphInput } from '@plugboard/platform-api';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', target: 'draft-2020-12' });

const testNode = (name: string) => ({
  name,
  title: name,
  description: '',
  category: 'test',
  inputs: schema(z.object({ value: z.unknown().optional() })),
  outputs: schema(z.object({ value: z.unknown() })),
  config: schema(z.looseObject({})),
  integrations: ['api'],
  dynamicConfig: false,
});

const manifest: Manifest = {
  manifestVersion: 1,
  protocolVersion: 1,
  sdkVersion: '0.1.0',
  id: 'test',
  version: '1.0.0',
  displayName: 'Test nodes',
  description: '',
  author: '',
  config: schema(z.object({})),
  validatesConfig: false,
  nodes: ['echo', 'rendezvous', 'gate', 'sleep', 'hang', 'fail'].map(testNode),
  integrations: [],
  contentHash: `sha256-${'0'.repeat(64)}`,
};

type Latch = PromiseWithResolvers<undefined>;

/**
 * A fake Plugin Server behind the RemoteNodeCaller port. Nodes coordinate through it: they can
 * wait for another node to have started, or for the test to open a gate.
 */
class TestPlugin implements RemoteNodeCaller {
  readonly calls: NodeCall[] = [];
  readonly signals = new Map<string, AbortSignal>();
  readonly #started = new Map<string, Latch>();
  readonly #gates = new Map<string, Latch>();
  active = 0;
  maxActive = 0;

  #entry(map: Map<string, Latch>, key: string): Latch {
    let entry = map.get(key);
    if (entry === undefined) {
      entry = Promise.withResolvers<undefined>();
      map.set(key, entry);
    }
    return entry;
  }

  started(nodeId: string): Promise<void> {
    return this.#entry(this.#started, nodeId).promise;
  }

  open(gate: string): void {
    this.#entry(this.#gates, gate).resolve(undefined);
  }

  async call(target: RemoteNodeTarget, call: NodeCall): Promise<Record<string, unknown>> {
    this.calls.push(call);
    this.signals.set(call.nodeId, call.signal);
    this.#entry(this.#started, call.nodeId).resolve(undefined);
    const aborted = new Promise<never>((_, reject) => {
      call.signal.addEventListener('abort', () => {
        reject(new NodeFailure({ code: 'TEST_ABORTED', message: 'aborted', kind: 'plugin' }));
      });
    });
    aborted.catch(() => undefined);
    const until = (p: Promise<void>) => Promise.race([p, aborted]);
    switch (target.node) {
      case 'echo':
        return { value: call.inputs['value'] ?? call.config['value'] };
      case 'rendezvous':
        // Finishes only once its partner has started too: proof that both ran at once.
        await until(this.started(String(call.config['partner'])));
        return { value: call.nodeId };
      case 'gate':
        this.active += 1;
        this.maxActive = Math.max(this.maxActive, this.active);
        try {
          await until(this.#entry(this.#gates, call.nodeId).promise);
        } finally {
          this.active -= 1;
        }
        return { value: call.nodeId };
      case 'sleep':
        await aborted;
        return {};
      case 'hang':
        // Ignores its signal entirely: the run must not wait for it.
        return new Promise(() => undefined);
      case 'fail':
        if (typeof call.config['after'] === 'string') {
          await until(this.started(call.config['after']));
        }
        throw new NodeFailure({
          code: 'ACME_BROKEN',
          message: 'the widget broke',
          kind: 'plugin',
          details: { part: 'gear' },
        });
      default:
        throw new NodeFailure({ code: 'TEST_UNKNOWN', message: target.node, kind: 'internal' });
    }
  }
}

class Recorder implements RunObserver {
  readonly events: (
    ({ kind: 'started' } & NodeStartedEvent) | ({ kind: 'finished' } & NodeFinishedEvent)
  )[] = [];
  readonly #listeners: (() => void)[] = [];

  nodeStarted(event: NodeStartedEvent): void {
    this.events.push({ kind: 'started', ...event });
    this.#listeners.forEach((l) => {
      l();
    });
  }

  async nodeFinished(event: NodeFinishedEvent): Promise<void> {
    // An asynchronous observer, as a database-backed one is.
    await new Promise((resolve) => setImmediate(resolve));
    this.events.push({ kind: 'finished', ...event });
  }

  finished(nodeId: string): NodeFinishedEvent | undefined {
    return this.events.find((e) => e.kind === 'finished' && e.nodeId === nodeId) as
      NodeFinishedEvent | undefined;
  }

  startedIds(): string[] {
    return this.events.filter((e) => e.kind === 'started').map((e) => e.nodeId);
  }

  statuses(): Record<string, string> {
    return Object.fromEntries(
      this.events.flatMap((e) => (e.kind === 'finished' ? [[e.nodeId, e.status]] : [])),
    );
  }
}

function setup(input: WorkflowGraphInput, options: { parallel?: number; timeoutMs?: number } = {}) {
  const plugin = new TestPlugin();
  const observer = new Recorder();
  const controller = new AbortController();
  const registry = NodeRegistry.build({ plugins: [{ id: 'test', manifest }] });
  const run = (inputs: Record<string, unknown> = {}) =>
    executeWorkflow({
      runId: 'run_1',
      graph: workflowGraphSchema.parse(input),
      registry,
      remote: plugin,
      inputs,
      signal: controller.signal,
      limits: { nodesInParallel: options.parallel ?? 8, nodeTimeoutMs: options.timeoutMs ?? 5000 },
      observer,
    });
  return { plugin, observer, controller, run };
}

const edge = (from: string, to: string) => {
  const [fromNode = '', output = ''] = from.split('.');
  const [toNode = '', inputName = ''] = to.split('.');
  return { from: { node: fromNode, output }, to: { node: toNode, input: inputName } };
};

describe('executeWorkflow', () => {
  it('runs independent branches at the same time and collects the outputs', async () => {
    const { run, observer } = setup({
      nodes: [
        { id: 'a', type: 'test/rendezvous', config: { partner: 'b' } },
        { id: 'b', type: 'test/rendezvous', config: { partner: 'a' } },
        { id: 'join', type: 'core/template', config: { template: '{{ x }}+{{ y }}' } },
        { id: 'out', type: 'core/output', config: { name: 'joined' } },
      ],
      edges: [edge('a.value', 'join.x'), edge('b.value', 'join.y'), edge('join.text', 'out.value')],
    });
    const result = await run();
    expect(result).toEqual({ status: 'succeeded', outputs: { joined: 'a+b' } });
    expect(observer.statuses()).toEqual({
      a: 'succeeded',
      b: 'succeeded',
      join: 'succeeded',
      out: 'succeeded',
    });
  });

  it('starts no more nodes at once than nodesInParallel', async () => {
    const ids = ['g1', 'g2', 'g3', 'g4'];
    const { run, plugin, observer } = setup(
      { nodes: ids.map((id) => ({ id, type: 'test/gate' })) },
      { parallel: 2 },
    );
    const result = run();
    await Promise.all([plugin.started('g1'), plugin.started('g2')]);
    // Let every pending task and timer phase pass: a third node would have started by now.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(observer.startedIds()).toEqual(['g1', 'g2']);
    plugin.open('g1');
    await plugin.started('g3');
    expect(observer.startedIds()).toEqual(['g1', 'g2', 'g3']);
    ids.forEach((id) => {
      plugin.open(id);
    });
    expect(await result).toMatchObject({ status: 'succeeded' });
    expect(plugin.maxActive).toBe(2);
  });

  it('fails a node that passes its deadline, even one that ignores its signal', async () => {
    const { run, plugin, observer } = setup(
      {
        nodes: [
          { id: 'slow', type: 'test/sleep', timeoutMs: 30 },
          { id: 'stuck', type: 'test/hang' },
        ],
      },
      { timeoutMs: 40 },
    );
    const result = await run();
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'PLAT_NODE_TIMEOUT' });
    const timedOut = result.error?.nodeId;
    expect(['slow', 'stuck']).toContain(timedOut);
    expect(observer.finished(timedOut ?? '')).toMatchObject({
      status: 'failed',
      error: { code: 'PLAT_NODE_TIMEOUT', kind: 'operational', retryable: true },
    });
    expect(plugin.signals.get('slow')?.aborted).toBe(true);
    expect(plugin.calls.find((c) => c.nodeId === 'slow')?.timeoutMs).toBe(30);
    expect(plugin.calls.find((c) => c.nodeId === 'stuck')?.timeoutMs).toBe(40);
  });

  it('on cancel, aborts the node in flight and ends cancelled without starting more', async () => {
    const { run, plugin, observer, controller } = setup({
      nodes: [
        { id: 'sleeper', type: 'test/sleep' },
        { id: 'after', type: 'test/echo' },
      ],
      edges: [edge('sleeper.value', 'after.value')],
    });
    const result = run();
    await plugin.started('sleeper');
    expect(plugin.signals.get('sleeper')?.aborted).toBe(false);
    controller.abort();
    expect(await result).toEqual({
      status: 'cancelled',
      outputs: {},
      error: { code: 'PLAT_CANCELLED', message: 'the run was cancelled' },
    });
    expect(plugin.signals.get('sleeper')?.aborted).toBe(true);
    expect(observer.finished('sleeper')).toMatchObject({
      status: 'cancelled',
      error: { code: 'PLAT_CANCELLED' },
    });
    // Nodes that never started get no record.
    expect(observer.finished('after')).toBeUndefined();
  });

  it('fails fast with the node’s own code and message, stopping the others', async () => {
    const { run, plugin, observer } = setup({
      nodes: [
        { id: 'sleeper', type: 'test/sleep' },
        { id: 'stuck', type: 'test/hang' },
        { id: 'broken', type: 'test/fail', config: { after: 'stuck' } },
        { id: 'after', type: 'test/echo' },
      ],
      edges: [edge('broken.value', 'after.value')],
    });
    const result = await run();
    expect(result).toEqual({
      status: 'failed',
      outputs: {},
      error: { code: 'ACME_BROKEN', message: 'the widget broke', nodeId: 'broken' },
    });
    expect(observer.finished('broken')).toMatchObject({
      status: 'failed',
      error: { code: 'ACME_BROKEN', kind: 'plugin', retryable: false, details: { part: 'gear' } },
    });
    expect(observer.statuses()).toEqual({
      broken: 'failed',
      sleeper: 'cancelled',
      stuck: 'cancelled',
    });
    expect(plugin.signals.get('sleeper')?.aborted).toBe(true);
  });

  it('takes one branch of a condition and skips the nodes fed only by the other', async () => {
    const graph: WorkflowGraphInput = {
      nodes: [
        { id: 'n', type: 'core/input', config: { name: 'n', type: 'number' } },
        { id: 'check', type: 'core/condition', config: { operator: 'greater_than', value: 5 } },
        { id: 'big', type: 'core/template', config: { template: 'big {{ v }}' } },
        { id: 'small', type: 'core/template', config: { template: 'small {{ v }}' } },
        { id: 'bigOut', type: 'core/output', config: { name: 'big' } },
        { id: 'smallOut', type: 'core/output', config: { name: 'small' } },
      ],
      edges: [
        edge('n.value', 'check.value'),
        edge('check.true', 'big.v'),
        edge('check.false', 'small.v'),
        edge('big.text', 'bigOut.value'),
        edge('small.text', 'smallOut.value'),
      ],
    };
    const high = setup(graph);
    expect(await high.run({ n: 10 })).toEqual({ status: 'succeeded', outputs: { big: 'big 10' } });
    expect(high.observer.statuses()).toMatchObject({
      check: 'succeeded',
      big: 'succeeded',
      small: 'skipped',
      smallOut: 'skipped',
    });
    expect(high.observer.finished('small')).not.toHaveProperty('startedAt');
    const low = setup(graph);
    expect(await low.run({ n: 2 })).toEqual({ status: 'succeeded', outputs: { small: 'small 2' } });
  });

  it('reports each node in order: started, then finished, before its dependents start', async () => {
    const { run, observer } = setup({
      nodes: [
        { id: 'in', type: 'core/input', config: { name: 'text', type: 'string' } },
        { id: 'e', type: 'test/echo' },
        { id: 'out', type: 'core/output', config: { name: 'echoed' } },
      ],
      edges: [edge('in.value', 'e.value'), edge('e.value', 'out.value')],
    });
    expect(await run({ text: 'hi' })).toEqual({ status: 'succeeded', outputs: { echoed: 'hi' } });
    expect(observer.events.map((e) => `${e.kind}:${e.nodeId}`)).toEqual([
      'started:in',
      'finished:in',
      'started:e',
      'finished:e',
      'started:out',
      'finished:out',
    ]);
    expect(observer.events[2]).toMatchObject({ inputs: { value: 'hi' } });
    const finished = observer.finished('e');
    expect(finished).toMatchObject({ outputs: { value: 'hi' } });
    expect(finished?.durationMs).toBeGreaterThanOrEqual(0);
    expect(finished?.finishedAt.getTime()).toBeGreaterThanOrEqual(
      finished?.startedAt?.getTime() ?? 0,
    );
  });

  it('passes config, credentials and the run id to plugin nodes', async () => {
    const { run, plugin } = setup({
      nodes: [
        { id: 'e', type: 'test/echo', config: { value: 42 }, credentials: { api: 'cred_7' } },
      ],
    });
    expect(await run()).toMatchObject({ status: 'succeeded' });
    expect(plugin.calls[0]).toMatchObject({
      runId: 'run_1',
      nodeId: 'e',
      config: { value: 42 },
      credentials: { api: 'cred_7' },
      inputs: {},
      timeoutMs: 5000,
    });
  });

  it('runs nothing for an invalid graph or invalid inputs', async () => {
    const invalid = setup({ nodes: [{ id: 'x', type: 'test/nope' }] });
    expect(await invalid.run()).toMatchObject({
      status: 'failed',
      error: {
        code: 'PLAT_WORKFLOW_INVALID',
        details: { issues: [expect.objectContaining({ code: 'unknown_node_type' })] },
      },
    });
    expect(invalid.observer.events).toEqual([]);
    const inputs = setup({
      nodes: [{ id: 'in', type: 'core/input', config: { name: 'n', type: 'number' } }],
    });
    expect(await inputs.run({ n: 'x' })).toMatchObject({
      status: 'failed',
      error: {
        code: 'PLAT_INPUTS_INVALID',
        message: expect.stringContaining('input "n" must be of type number') as unknown,
      },
    });
    expect(inputs.observer.events).toEqual([]);
  });

  it('fails the run when the observer cannot record a node', async () => {
    const plugin = new TestPlugin();
    const result = await executeWorkflow({
      runId: 'run_2',
      graph: workflowGraphSchema.parse({ nodes: [{ id: 'e', type: 'test/echo' }] }),
      registry: NodeRegistry.build({ plugins: [{ id: 'test', manifest }] }),
      remote: plugin,
      inputs: {},
      signal: new AbortController().signal,
      limits: { nodesInParallel: 1, nodeTimeoutMs: 1000 },
      observer: {
        nodeStarted: () => Promise.reject(new TypeError('database down')),
        nodeFinished: () => undefined,
      },
    });
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: 'PLAT_INTERNAL',
        nodeId: 'e',
        message: expect.stringContaining('database down') as unknown,
      },
    });
  });
});
