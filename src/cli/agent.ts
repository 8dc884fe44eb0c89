// `flowiq agent create|list|disable|reset-password`: the inbox's accounts. create and
// reset-password print a one-time link to set a password; it is shown only then, never stored.
import type { AgentRole, AgentView, PasswordLink } from '../agents/service.js';
import { AGENT_ROLES } from '../agents/service.js';
import { emit, optionalString, parse, required, UsageError, withContext, type Io } from './io.js';

function describe(a: AgentView): string {
  return `${a.id}  ${a.email}  ${a.role}  ${a.status}  name=${a.name ?? '-'}  created=${a.created_at}`;
}

function linkText(what: string, l: PasswordLink): string {
  return `${what} ${l.agent.email} (${l.agent.role}). Send them this one-time link to set a password; it works once, until ${l.expires_at}:\n${l.link}`;
}

function role(raw: string | undefined): AgentRole | undefined {
  if (raw === undefined) return undefined;
  if (!(AGENT_ROLES as readonly string[]).includes(raw))
    throw new UsageError(`--role must be admin or agent; got "${raw}"`);
  return raw as AgentRole;
}

export async function agentCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const p = parse(rest, {
      org: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
    });
    const orgSlug = required(p, 'org');
    const email = required(p, 'email');
    const name = optionalString(p, 'name');
    const r = role(optionalString(p, 'role'));
    const link = await withContext((ctx) =>
      ctx.agents.create({ orgSlug, email, ...(name !== undefined ? { name } : {}), ...(r ? { role: r } : {}) }),
    );
    emit(io, p.json, link, linkText(`Created agent`, link));
    return 0;
  }
  if (sub === 'list') {
    const p = parse(rest, { org: { type: 'string' } });
    const agents = await withContext((ctx) => ctx.agents.list(required(p, 'org')));
    emit(io, p.json, { agents }, agents.length === 0 ? 'No agents.' : agents.map(describe).join('\n'));
    return 0;
  }
  if (sub === 'disable') {
    const p = parse(rest, { org: { type: 'string' }, email: { type: 'string' } });
    const agent = await withContext((ctx) => ctx.agents.disable(required(p, 'org'), required(p, 'email')));
    emit(io, p.json, agent, `Disabled agent ${agent.email}; their sessions have ended.`);
    return 0;
  }
  if (sub === 'reset-password') {
    const p = parse(rest, { org: { type: 'string' }, email: { type: 'string' } });
    const link = await withContext((ctx) => ctx.agents.resetPassword(required(p, 'org'), required(p, 'email')));
    emit(io, p.json, link, linkText('New set-password link for', link));
    return 0;
  }
  throw new UsageError(`usage: flowiq agent create|list|disable|reset-password …  (unknown subcommand "${sub ?? ''}")`);
}
