// An inbox client over inject(): keeps the session cookie and the CSRF token like a browser page.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export const PASSWORD = 'correct horse battery staple';

export function linkToken(link: string): string {
  const m = /#token=([A-Za-z0-9_-]+)$/.exec(link);
  if (!m) throw new Error(`no token in ${link}`);
  return m[1]!;
}

export function inboxClient(app: FastifyInstance) {
  const state = { cookie: '', csrf: '', savedCookie: {} as Record<string, string> };
  const keep = (res: LightMyRequestResponse) => {
    const c = res.cookies.find((x) => x.name === 'flowiq_session');
    if (c) {
      if (state.cookie) state.savedCookie = { cookie: `flowiq_session=${state.cookie}` };
      state.cookie = c.value;
    }
    return res;
  };
  const headers = (extra: Record<string, string> = {}) => ({
    ...(state.cookie ? { cookie: `flowiq_session=${state.cookie}` } : {}),
    ...extra,
  });
  return {
    get csrf() {
      return state.csrf;
    },
    /** The cookie as it was before the last Set-Cookie (e.g. the session sign-out ended). */
    get savedCookie() {
      return state.savedCookie;
    },
    async get(url: string, extra?: Record<string, string>) {
      return keep(await app.inject({ method: 'GET', url, headers: extra ?? headers() }));
    },
    async post(url: string, body?: unknown, extra: Record<string, string> = {}, remoteAddress?: string) {
      return keep(
        await app.inject({
          method: 'POST',
          url,
          headers: headers(body === undefined ? extra : { 'content-type': 'application/json', ...extra }),
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
          ...(remoteAddress ? { remoteAddress } : {}),
        }),
      );
    },
    async signIn(organization: string, email: string, password: string, remoteAddress?: string) {
      const res = await this.post('/inbox/api/sign-in', { organization, email, password }, {}, remoteAddress);
      if (res.statusCode === 200) state.csrf = res.json<{ csrf_token: string }>().csrf_token;
      return res;
    },
  };
}
