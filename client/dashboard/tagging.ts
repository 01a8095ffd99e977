/**
 * Tags this page's own transport connections with `inspect=<pageId>`, through the client
 * library's injectable fetch / EventSource / WebSocket, so the wire inspector can show the
 * heads and frames of this page's connections rather than anyone's. The server ignores the
 * parameter everywhere but in its capture.
 */
import type { ClientOptions, FetchLike } from '../lib/types.ts';

/** A random id for this page load: 12 url-safe characters. */
export function newPageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

/** `url` with `inspect=<tag>` appended. */
export function tagUrl(url: string, tag: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}inspect=${encodeURIComponent(tag)}`;
}

/** Client options whose every connection carries the tag. */
export function taggedOptions(
  tag: string,
): Pick<ClientOptions, 'fetch' | 'EventSource' | 'WebSocket' | 'socketioQuery'> {
  const fetchImpl: FetchLike = (input, init) => fetch(tagUrl(input, tag), init);
  class TaggedEventSource extends EventSource {
    constructor(url: string) {
      super(tagUrl(url, tag));
    }
  }
  class TaggedWebSocket extends WebSocket {
    constructor(url: string) {
      super(tagUrl(url, tag));
    }
  }
  // socket.io-client makes its own requests and sockets: the tag goes in its query instead.
  return {
    fetch: fetchImpl,
    EventSource: TaggedEventSource,
    WebSocket: TaggedWebSocket,
    socketioQuery: { inspect: tag },
  };
}
