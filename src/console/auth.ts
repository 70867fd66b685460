/**
 * Console authentication: the configured token (console.token), compared in constant time, and the
 * sessions of signed-in pages. A session is a random id in an HttpOnly, SameSite=Strict cookie plus
 * a CSRF token the page sends back in a header on every POST (a cross-site form can neither read it
 * nor set the header). Sessions live in this object only (a restart signs everyone out).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'tqw_console_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionOptions {
  /** A session ends this long after sign-in. Default 12 hours. */
  ttlMs: number;
  /** Most live sessions; signing in beyond it ends the oldest. Default 1000. */
  maxSessions: number;
}

export const DEFAULT_SESSION_OPTIONS: Readonly<SessionOptions> = Object.freeze({ ttlMs: 12 * 60 * 60 * 1000, maxSessions: 1_000 });

export interface Session {
  id: string;
  csrf: string;
  expiresAt: number;
}

/**
 * Whether `given` equals `expected`, in time independent of where they differ and of their lengths:
 * both are hashed to 32 bytes first, so timingSafeEqual always compares equal-length buffers.
 */
export function secretMatches(given: string, expected: string): boolean {
  if (expected === '') return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** The value of one cookie of a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {}

  create(): Session {
    this.prune();
    while (this.sessions.size >= this.options.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const session = {
      id: randomBytes(32).toString('hex'),
      csrf: randomBytes(32).toString('hex'),
      expiresAt: this.now() + this.options.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id (looked up by a constant-time-safe map key: the id is 256 random bits). */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  /** The Set-Cookie value of a session (no Secure flag: the console serves plain HTTP; put TLS in front). */
  cookie(session: Session): string {
    const maxAge = Math.max(0, Math.floor((session.expiresAt - this.now()) / 1000));
    return `${SESSION_COOKIE}=${session.id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}`;
  }

  static clearedCookie(): string {
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
