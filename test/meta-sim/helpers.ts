// Shared fixtures for the simulator's tests: a running simulator with one phone, and small clients
// for Graph's two edges. Everything talks to 127.0.0.1 only.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startMetaSim, type MetaSim, type MetaSimOptions } from '../../meta-sim/index.js';

export const PHONE_ID = '106540352242922';
export const TOKEN = 'EAAJB-test-token';
export const TO = '+16505551234';

export async function startTestSim(opts: MetaSimOptions = {}): Promise<MetaSim> {
  return startMetaSim({ phones: { [PHONE_ID]: TOKEN }, ...opts });
}

export interface GraphResponse {
  status: number;
  body: unknown;
  text: string;
}

export interface CallOptions {
  phoneId?: string;
  token?: string | null;
  version?: string;
}

export async function postMessage(sim: MetaSim, body: unknown, opts: CallOptions = {}): Promise<GraphResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const url = `${sim.url}/${opts.version ?? 'v23.0'}/${opts.phoneId ?? PHONE_ID}/messages`;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return readResponse(res);
}

export async function readResponse(res: Response): Promise<GraphResponse> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** A message envelope as Meta's examples write it. */
export function message(type: string, content: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messaging_product: 'whatsapp', recipient_type: 'individual', to: TO, type, [type]: content, ...extra };
}

export interface GraphErrorView {
  code: number;
  message: string;
  type: string;
  details: string | undefined;
  subcode: number | undefined;
}

/** The parts of Graph's error envelope tests look at; fails the test if the shape is not Graph's. */
export function graphError(res: GraphResponse): GraphErrorView {
  const env = res.body as { error?: Record<string, unknown> } | undefined;
  const e = env?.error;
  if (
    e === undefined ||
    typeof e['code'] !== 'number' ||
    typeof e['message'] !== 'string' ||
    typeof e['fbtrace_id'] !== 'string'
  ) {
    throw new Error(`not a Graph error envelope: ${res.status} ${res.text}`);
  }
  const data = e['error_data'] as { details?: string; messaging_product?: string } | undefined;
  return {
    code: e['code'],
    message: e['message'],
    type: String(e['type']),
    details: data?.details,
    subcode: typeof e['error_subcode'] === 'number' ? e['error_subcode'] : undefined,
  };
}

export interface UploadOptions {
  bytes: Uint8Array;
  /** The `type` field; omitted when null. */
  type?: string | null;
  /** The file part's Content-Type. */
  partType?: string;
  filename?: string;
  /** Where messaging_product goes. */
  product?: 'field' | 'query' | 'none';
  token?: string;
  extraFields?: Record<string, string>;
}

export async function upload(sim: MetaSim, opts: UploadOptions): Promise<GraphResponse> {
  const form = new FormData();
  const product = opts.product ?? 'field';
  if (product === 'field') form.set('messaging_product', 'whatsapp');
  if (opts.type !== null) form.set('type', opts.type ?? opts.partType ?? 'application/octet-stream');
  for (const [k, v] of Object.entries(opts.extraFields ?? {})) form.set(k, v);
  form.set(
    'file',
    new Blob([opts.bytes], { type: opts.partType ?? opts.type ?? 'application/octet-stream' }),
    opts.filename ?? 'file.bin',
  );
  const query = product === 'query' ? '?messaging_product=whatsapp' : '';
  const res = await fetch(`${sim.url}/v23.0/${PHONE_ID}/media${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${opts.token ?? TOKEN}` },
    body: form,
  });
  return readResponse(res);
}

/** Uploads and answers the media id, failing the test if the upload is refused. */
export async function uploadedId(sim: MetaSim, bytes: Uint8Array, type: string): Promise<string> {
  const res = await upload(sim, { bytes, type });
  const id = (res.body as { id?: unknown } | undefined)?.id;
  if (res.status !== 200 || typeof id !== 'string') throw new Error(`upload refused: ${res.status} ${res.text}`);
  return id;
}

function bytes(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** The smallest file starts that pass the simulator's magic-number check, per MIME type. */
export const SAMPLE = {
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 2, 3]),
  png: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13], 'IHDR'),
  mp4: bytes([0, 0, 0, 0x18], 'ftypmp42', [0, 0, 0, 0], 'isommp42'),
  threegp: bytes([0, 0, 0, 0x14], 'ftyp3gp5', [0, 0, 0, 0], '3gp5'),
  mp3: bytes('ID3', [4, 0, 0, 0, 0, 0, 0]),
  aac: bytes([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]),
  amr: bytes('#!AMR\n', [0x3c, 0x00]),
  m4a: bytes([0, 0, 0, 0x18], 'ftypM4A ', [0, 0, 0, 0], 'M4A mp42'),
  oggOpus: bytes('OggS', [0, 2], new Array<number>(20).fill(0), [1, 0x13], 'OpusHead', [1, 1]),
  /** An Ogg page whose first stream is Vorbis: OGG, but not the Opus Meta takes (padded: file-type reads past the header). */
  oggVorbis: bytes('OggS', new Array<number>(24).fill(0), '\x01vorbis', new Array<number>(64).fill(0)),
  pdf: bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'),
  text: bytes('Invoice 42\r\nTotal: 10 EUR\n'),
  doc: bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], [0, 0, 0, 0]),
  docx: bytes([0x50, 0x4b, 0x03, 0x04], [0x14, 0, 0x06, 0], '[Content_Types].xml'),
  webp: bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ', [0x18, 0, 0, 0]),
  animatedWebp: bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8X', [10, 0, 0, 0], [0x12, 0, 0, 0], [0, 0, 0, 0, 0, 0]),
} as const;

/** `size` bytes that start with `head`, the rest `fill` (zeros unless told). */
export function sized(head: Uint8Array, size: number, fill = 0): Uint8Array {
  const out = new Uint8Array(size).fill(fill);
  out.set(head.subarray(0, Math.min(head.length, size)));
  return out;
}

/** One simulator per test file, reset before each test, closed after the file. */
export function useTestSim(set: (sim: MetaSim) => void, opts: MetaSimOptions = {}): void {
  let sim: MetaSim | undefined;
  beforeAll(async () => {
    sim = await startTestSim(opts);
    set(sim);
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(() => sim?.reset());
}
