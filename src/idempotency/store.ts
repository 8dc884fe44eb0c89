// Idempotency-Key records: the first request with a key owns it; later ones with the same body get
// its response, with another body 422. Kept in the database, or in Redis to hold across instances.

export interface IdempotencyScope {
  organizationId: string;
  /** The route, e.g. "POST /send-whatsapp": the same key on another endpoint is another request. */
  scope: string;
  key: string;
}

export type BeginResult =
  { kind: 'owner' } | { kind: 'replay'; status: number; body: string } | { kind: 'mismatch' } | { kind: 'in_progress' };

export interface IdempotencyStore {
  /** Claims the key for this request, or says what happened to the request that claimed it. */
  begin(s: IdempotencyScope, requestHash: string): Promise<BeginResult>;
  /** Records the owner's final response, kept for the TTL. */
  complete(s: IdempotencyScope, status: number, body: string): Promise<void>;
  /** Gives the key up (the outcome was a retryable refusal: nothing was sent). */
  release(s: IdempotencyScope): Promise<void>;
  /** Deletes expired records; absent where the store expires them itself (Redis). */
  purgeExpired?(): Promise<number>;
}
