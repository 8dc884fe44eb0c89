// `flowiq meta-sim inbound`: posts one customer message to a running simulator's POST /_sim/inbound
// and prints its answer (the messages posted and the webhook delivery ids) as JSON.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const INBOUND_USAGE =
  'usage: flowiq meta-sim inbound --sim URL [--phone-id ID] [--type T] [--from WA_ID] [--name NAME]\n' +
  '         [--text BODY] [--file PATH --mime TYPE] [--caption C] [--filename F] [--voice] [--reply-to WAMID]\n' +
  '         [--json BODY]   (--json is the /_sim/inbound body; the other flags are laid over it)';

class InboundUsageError extends Error {}

const MEDIA = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** The body for /_sim/inbound from the flags. Exported for tests. */
export async function inboundBody(argv: string[]): Promise<{ sim: string; body: Record<string, unknown> }> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      sim: { type: 'string' },
      'phone-id': { type: 'string' },
      type: { type: 'string' },
      from: { type: 'string' },
      name: { type: 'string' },
      text: { type: 'string' },
      file: { type: 'string' },
      mime: { type: 'string' },
      caption: { type: 'string' },
      filename: { type: 'string' },
      voice: { type: 'boolean' },
      'reply-to': { type: 'string' },
      json: { type: 'string' },
    },
  });
  if (values.sim === undefined)
    throw new InboundUsageError('--sim URL is required (the simulator, e.g. http://127.0.0.1:4010)');
  let body: Record<string, unknown> = {};
  if (values.json !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.json);
    } catch {
      throw new InboundUsageError('--json is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new InboundUsageError('--json must be a JSON object');
    body = parsed as Record<string, unknown>;
  }
  const type = values.type ?? (typeof body['type'] === 'string' ? body['type'] : 'text');
  body['type'] = type;
  if (values['phone-id'] !== undefined) body['phone_id'] = values['phone-id'];
  if (values.from !== undefined) body['from'] = values.from;
  if (values.name !== undefined) body['name'] = values.name;
  if (values['reply-to'] !== undefined) body['context'] = { id: values['reply-to'] };
  if (type === 'text' && values.text !== undefined) body['text'] = { body: values.text };
  if (MEDIA.has(type)) {
    const media: Record<string, unknown> =
      typeof body[type] === 'object' && body[type] !== null ? { ...body[type] } : {};
    if (values.file !== undefined) media['data'] = (await readFile(values.file)).toString('base64');
    if (values.mime !== undefined) media['mime_type'] = values.mime;
    if (values.caption !== undefined) media['caption'] = values.caption;
    if (values.filename !== undefined) media['filename'] = values.filename;
    if (values.voice === true) media['voice'] = true;
    body[type] = media;
  } else if (values.file !== undefined || values.mime !== undefined || values.caption !== undefined) {
    throw new InboundUsageError(
      '--file, --mime and --caption go with a media --type (image, video, audio, document, sticker)',
    );
  }
  return { sim: values.sim.replace(/\/+$/, ''), body };
}

/** Answers the exit code: 0 sent, 1 refused by the simulator or unreachable, 2 usage. */
export async function runInboundCli(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(INBOUND_USAGE + '\n');
    return 0;
  }
  let sim: string;
  let body: Record<string, unknown>;
  try {
    ({ sim, body } = await inboundBody(argv));
  } catch (err) {
    if (!(err instanceof InboundUsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`flowiq meta-sim inbound: ${err.message}\n${INBOUND_USAGE}\n`);
    return 2;
  }
  const agent = new Agent();
  try {
    const res = await request(`${sim}/_sim/inbound`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      process.stderr.write(`flowiq meta-sim inbound: the simulator answered ${res.statusCode}: ${text}\n`);
      return 1;
    }
    process.stdout.write(text + '\n');
    return 0;
  } catch (err) {
    process.stderr.write(`flowiq meta-sim inbound: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await agent.close();
  }
}
