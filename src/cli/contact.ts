import fs from 'node:fs';
import { parse as parseCsv } from 'csv-parse';
import cliProgress from 'cli-progress';
import type { AppContext } from '../server/context.js';
import { toContactView } from '../contacts/service.js';
import { ContactExists, NotFound } from '../errors.js';
import { describeError, emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

async function orgId(ctx: AppContext, slug: string): Promise<string> {
  const org = await ctx.organizationStore.findBySlug(slug);
  if (!org) throw new NotFound(`no organization with slug "${slug}"`);
  return org.id;
}

interface ImportSummary {
  created: number;
  existing: number;
  rejected: { line: number; phone: string; reason: string }[];
}

async function importFile(ctx: AppContext, organizationId: string, file: string, io: Io): Promise<ImportSummary> {
  const size = fs.statSync(file).size;
  const summary: ImportSummary = { created: 0, existing: 0, rejected: [] };
  const bar = io.isTTY
    ? new cliProgress.SingleBar(
        { format: 'Importing [{bar}] {percentage}% | {value}/{total} bytes', stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(size, 0);
  const input = fs.createReadStream(file);
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    bar?.update(read);
  });
  const rows = input.pipe(
    parseCsv({
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
      relax_column_count: true,
    }),
  );
  for await (const record of rows as AsyncIterable<{
    record: Record<string, string | undefined>;
    info: { lines: number };
  }>) {
    const { phone = '', name, email } = record.record;
    try {
      await ctx.contacts.create(organizationId, { phone_number: phone, name, email });
      summary.created++;
    } catch (err) {
      if (err instanceof ContactExists) summary.existing++;
      else summary.rejected.push({ line: record.info.lines, phone, reason: describeError(err) });
    }
  }
  bar?.stop();
  return summary;
}

export async function contactCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'add') {
    const p = parse(rest, {
      org: { type: 'string' },
      phone: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
    });
    const slug = required(p, 'org');
    const phone = required(p, 'phone');
    const row = await withContext(async (ctx) =>
      ctx.contacts.create(await orgId(ctx, slug), {
        phone_number: phone,
        name: optionalString(p, 'name'),
        email: optionalString(p, 'email'),
      }),
    );
    emit(
      io,
      p.json,
      toContactView(row),
      `Added contact ${row.whatsapp_number}${row.name ? ` (${row.name})` : ''} to ${slug}, id=${row.id}`,
    );
    return 0;
  }
  if (sub === 'import') {
    const p = parse(rest, { org: { type: 'string' } }, true);
    const slug = required(p, 'org');
    if (p.positionals.length !== 1) throw new UsageError('usage: flowiq contact import --org SLUG FILE.csv');
    const file = p.positionals[0]!;
    if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const summary = await withContext(async (ctx) => importFile(ctx, await orgId(ctx, slug), file, io));
    const lines = [
      `Imported ${file} into ${slug}: ${summary.created} created, ${summary.existing} already existing, ${summary.rejected.length} rejected`,
    ];
    for (const r of summary.rejected) lines.push(`  line ${r.line}: "${r.phone}" rejected: ${r.reason}`);
    emit(io, p.json, summary, lines.join('\n'));
    return 0;
  }
  throw new UsageError(`usage: flowiq contact add|import …  (unknown subcommand "${sub ?? ''}")`);
}
