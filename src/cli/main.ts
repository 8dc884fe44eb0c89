// `flowiq <noun> <verb> [flags]`. External tooling drives these commands: names and flags are
// part of the product. Exit codes: 0 ok, 1 the command failed, 2 bad usage or bad input.
import { ConfigError, loadConfig } from '../config.js';
import { migrate, openDatabase } from '../db/database.js';
import { AppError } from '../errors.js';
import { serve } from '../server/serve.js';
import { appCommand } from './app.js';
import { contactCommand } from './contact.js';
import { endpointCommand } from './endpoint.js';
import { describeError, parse, processIo, UsageError, type Io } from './io.js';
import { keyCommand } from './key.js';
import { orgCommand } from './org.js';

const USAGE = `usage: flowiq <command>
  serve                         run the gateway (PORT, DATABASE_URL, … from the environment)
  migrate                       apply database migrations
  org create --slug S --name N [--provider meta] [--meta-phone-id ID] [--meta-token-file F | --meta-token - | --meta-token T]
             [--meta-app APP_ID] [--meta-waba-id ID]
  org update --slug S [--name N] [--provider P] [--meta-phone-id ID] [--meta-token T]
             [--meta-app APP_ID|none] [--meta-waba-id ID|none] [--window-check on|off|default]
                                --meta-app attaches the organization to a Meta app record (none detaches)
                                --window-check: refuse free-form sends outside the 24-hour window (on),
                                never (off), or as WINDOW_CHECK says (default)
  org list
  app create --app-id ID [--name N] (--app-secret-file F | --app-secret -) (--verify-token-file F | --verify-token -)
  app update --app-id ID [--name N] [--app-secret-file F | --app-secret -] [--verify-token-file F | --verify-token -]
             [--keep-previous-secret | --drop-previous-secret]
                                a Meta app; its secrets from files or standard input (only one of them as -);
                                --keep-previous-secret still accepts the replaced secret on webhooks
  app list                      Meta apps, their secrets shown only as set
  key create --org S [--label L] [--expires-in 30d]
  key revoke --id ID
  key list --org S
  agent create --org S --email E [--name N] [--role admin|agent]
                                an inbox agent; prints a one-time link to set a password
  agent list --org S
  agent disable --org S --email E
                                at once: the agent's sessions end, every request re-checks the agent
  agent reset-password --org S --email E
                                a new one-time link (the earlier one stops working)
  contact add --org S --phone +27123456789 [--name N] [--email E]
  contact import --org S FILE.csv
  endpoint create --org S --url U [--events a,b|*] [--description D]
                                a webhook endpoint for the organization's events; prints its signing
                                secret once (default events: *)
  endpoint list --org S         endpoints, why any is disabled and since when it fails (never secrets)
  endpoint update --org S --id ID [--url U] [--events a,b|*] [--description D] [--enable]
  endpoint rotate-secret --org S --id ID [--overlap 24h]
                                a new secret, printed once; the old one also signs for the overlap
  endpoint disable --org S --id ID [--reason R]
  events replay --org S --endpoint ID --since (ISO-TIME|24h) [--types a,b]
                                make the endpoint's events since then due again (receivers dedupe by id)
  events log --org S --endpoint ID [--limit N]
                                its latest delivery attempts: answer, latency, error
  events listen --port N [--secret whsec_…]
                                a local receiver on 127.0.0.1 that verifies and prints deliveries (--json: bodies)
  templates sync --org S        read the organization's message templates from Meta now
  templates list --org S [--status S] [--name N] [--language L]
                                the stored templates and the parameters each expects
  webhooks list [--state failed|pending|processed] [--limit N]
                                Meta's webhook receipts (default: those set aside as failed), never bodies
  webhooks retry --id ID        make a receipt pending again, once what failed it is fixed
  messages pending [--limit N]  messages whose outcome at Meta is unknown (never resent automatically)
  messages resolve --id ID (--sent --wamid W | --failed [--reason R])
                                settle a pending or unknown message after checking with Meta
  secret reencrypt              move Meta tokens, app and endpoint secrets to the current FLOWIQ_SECRET
                                (FLOWIQ_SECRET_PREVIOUS = old)
  meta-sim --port N             run the Meta Graph API simulator
  demo                          simulator + gateway + demo organization, key and contact
Every command accepts --json for one JSON object on stdout.`;

async function migrateCommand(argv: string[], io: Io): Promise<number> {
  const p = parse(argv, {});
  const config = loadConfig();
  const db = openDatabase(config.database);
  try {
    const applied = await migrate(db);
    io.out(
      p.json
        ? JSON.stringify({ engine: db.engine, applied })
        : `Database (${db.engine}) is up to date${applied.length ? `; applied ${applied.join(', ')}` : ''}.`,
    );
  } finally {
    await db.close();
  }
  return 0;
}

async function serveCommand(argv: string[]): Promise<number> {
  parse(argv, {});
  const close = await serve(loadConfig());
  // Runs until SIGTERM or SIGINT, then shuts down gracefully and exits with 0 (1 if that failed).
  const code = await new Promise<number>((resolve) => {
    const stop = () =>
      close().then(
        () => resolve(0),
        () => resolve(1),
      );
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });
  process.exit(code);
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'migrate':
      return migrateCommand(rest, io);
    case 'org':
      return orgCommand(rest, io);
    case 'app':
      return appCommand(rest, io);
    case 'key':
      return keyCommand(rest, io);
    case 'contact':
      return contactCommand(rest, io);
    case 'agent': {
      const { agentCommand } = await import('./agent.js');
      return agentCommand(rest, io);
    }
    case 'endpoint':
      return endpointCommand(rest, io);
    case 'events': {
      const { eventsCommand } = await import('./events.js');
      return eventsCommand(rest, io);
    }
    case 'webhooks': {
      const { webhooksCommand } = await import('./webhooks.js');
      return webhooksCommand(rest, io);
    }
    case 'templates': {
      const { templatesCommand } = await import('./templates.js');
      return templatesCommand(rest, io);
    }
    case 'secret': {
      const { secretCommand } = await import('./secret.js');
      return secretCommand(rest, io);
    }
    case 'messages': {
      const { messagesCommand } = await import('./messages.js');
      return messagesCommand(rest, io);
    }
    case 'meta-sim': {
      const { runMetaSimCli } = await import('../../meta-sim/cli.js');
      await runMetaSimCli(rest);
      return new Promise<number>(() => {});
    }
    case 'demo': {
      const { demoCommand } = await import('./demo.js');
      return demoCommand(rest, io);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  }
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`flowiq: ${err.message}`);
      return 2;
    }
    if (err instanceof AppError && err.status < 500) {
      io.err(`flowiq: ${describeError(err)}`);
      return 2;
    }
    io.err(`flowiq: ${describeError(err)}`);
    return 1;
  }
}
