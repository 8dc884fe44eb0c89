// @ts-check
// The live feed: Server-Sent Events from /inbox/api/stream carry hints (`event: change`,
// {conversation_id, kind, message_id?}), not messages. On each hint the page refetches what it
// shows; on each (re)connect it refetches everything, so what happened while the connection was
// down is caught up, and merging by message id keeps any message from appearing twice.

/** @typedef {{ conversation_id: string, kind: string, message_id?: string }} Hint */

/**
 * @param {{ onConnect(): void, onHint(hint: Hint): void, onState(connected: boolean): void }} hooks
 * @returns {() => void} stops the feed
 */
export function startLive(hooks) {
  const source = new EventSource('/inbox/api/stream', { withCredentials: true });
  /** @param {MessageEvent} e */
  const hint = (e) => {
    try {
      const data = JSON.parse(String(e.data));
      if (data && typeof data.conversation_id === 'string') hooks.onHint(data);
    } catch {
      // A keep-alive or a line this page does not know: nothing to refetch.
    }
  };
  source.addEventListener('open', () => hooks.onState(true));
  // `ready` opens the stream (the feed is subscribed: read what the page shows now); `resync` asks
  // for the same after a gap the server could not fill.
  source.addEventListener('ready', () => hooks.onConnect());
  source.addEventListener('resync', () => hooks.onConnect());
  // EventSource reconnects by itself after an error; the page only shows that it is offline.
  source.addEventListener('error', () => hooks.onState(false));
  source.addEventListener('change', hint);
  return () => source.close();
}

/**
 * A refetch run at most once at a time: calls that come while it runs (a burst of hints) make one
 * more run after it, not one each. A failed run is reported on the console; the next hint or
 * reconnect tries again.
 * @param {() => Promise<void>} run
 * @returns {() => Promise<void>}
 */
export function coalesced(run) {
  /** @type {Promise<void> | undefined} */
  let running;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await run();
        } catch (err) {
          console.warn('inbox: a refetch failed', err);
        }
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
