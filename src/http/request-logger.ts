// A stand-in for Fastify's per-request pino child logger that makes the real child only when a
// line is written: most requests write none (cost: docs/PERFORMANCE.md, "Lazy request loggers").
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

class LazyChildLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  get level(): string {
    return (this.#child ?? this.parent).level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.opts));
  }

  #write(level: Level, args: unknown[]): void {
    if (this.#child === undefined && !(this.parent as unknown as Logger).isLevelEnabled(level)) return;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it for the spread
    (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(bindings, opts);
  }
}

export function lazyChildLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  opts: ChildLoggerOptions = {},
): FastifyBaseLogger {
  // A route's own level or serializers change what the child writes: make it now. So also when
  // the parent is not pino (Fastify's silent logger when logging is off).
  const pinoParent = typeof (parent as Partial<Logger>).isLevelEnabled === 'function';
  if (!pinoParent || opts.level !== undefined || opts.serializers !== undefined) return parent.child(bindings, opts);
  return new LazyChildLogger(parent, bindings, opts);
}

export function useLazyRequestLoggers(app: FastifyInstance): void {
  app.setChildLoggerFactory((logger, bindings, opts) => lazyChildLogger(logger, bindings, opts));
}
