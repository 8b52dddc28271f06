/**
 * @module Plugin nodes as executable nodes: the schemas come from the plugin's manifest, and
 * execution goes through the run's RemoteNodeCaller port (`NodeCall.remote`) to the Plugin Server.
 */
import type { Manifest } from '@plugboard/protocol';
import type { ExecutableNode, RemoteNodeTarget } from './node-definition.ts';

export function remoteNodesFromManifest(manifest: Manifest): ExecutableNode[] {
  return manifest.nodes.map((node) => {
    const target: RemoteNodeTarget = {
      pluginId: manifest.id,
      version: manifest.version,
      node: node.name,
      integrations: node.integrations,
    };
    return {
      type: `${manifest.id}/${node.name}`,
      title: node.title,
      description: node.description,
      category: node.category,
      ...(node.icon === undefined ? {} : { icon: node.icon }),
      origin: {
        kind: 'plugin',
        pluginId: target.pluginId,
        node: target.node,
        integrations: target.integrations,
        dynamicConfig: node.dynamicConfig,
      },
      inputs: node.inputs,
      outputs: node.outputs,
      config: node.config,
      execute: (call) => call.remote.call(target, call),
    };
  });
}
