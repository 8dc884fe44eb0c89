// currentAgent(), the piece other scopes (the read API) use to accept a signed-in agent: the
// agent's organization, id and role from the session cookie, or undefined; on each engine.
import type { FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { currentAgent } from '../../src/agents/current.js';
import { ENGINES } from '../helpers/db.js';
import { seedTenant, startGateway, type TestGateway } from '../helpers/app.js';
import { PASSWORD, inboxClient, linkToken } from './helpers.js';

const withCookie = (cookie: string | undefined) =>
  ({ headers: cookie === undefined ? {} : { cookie } }) as FastifyRequest;

describe.each(ENGINES)('currentAgent on %s', (engine) => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
  });

  it("names the signed-in agent's organization, id and role, and nothing once signed out", async () => {
    gw = await startGateway(engine);
    const tenant = await seedTenant(gw.ctx);
    const created = await gw.ctx.agents.create({ orgSlug: tenant.slug, email: 'ana@example.com', role: 'admin' });
    const client = inboxClient(gw.app);
    await client.post('/inbox/api/set-password', { token: linkToken(created.link), password: PASSWORD });
    const signIn = await client.signIn(tenant.slug, 'ana@example.com', PASSWORD);
    const cookie = `theme=dark; flowiq_session=${signIn.cookies.find((c) => c.name === 'flowiq_session')!.value}`;

    expect(await currentAgent(gw.ctx.agents.sessions, withCookie(cookie))).toMatchObject({
      organizationId: tenant.organizationId,
      agentId: created.agent.id,
      role: 'admin',
    });
    for (const other of [undefined, 'theme=dark', 'flowiq_session=', `flowiq_session=${'A'.repeat(43)}`])
      expect(await currentAgent(gw.ctx.agents.sessions, withCookie(other))).toBeUndefined();

    await client.post('/inbox/api/sign-out', undefined, { 'x-csrf-token': client.csrf });
    expect(await currentAgent(gw.ctx.agents.sessions, withCookie(cookie))).toBeUndefined();
  });
});
