/**
 * @module Server-Sent Events over a fetch response, read by the platform contract's one reader.
 */
export {
  readEventStream as readEvents,
  type StreamEvent as SseEvent,
} from '@plugboard/platform-api/event-stream';
