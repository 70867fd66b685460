/**
 * Everything a scenario saw leave the processes under test (log lines, stderr, CLI output, /healthz,
 * /metrics and /readyz bodies, ErrorMessage columns), and every password it handed them. At the end,
 * no password may appear anywhere.
 */
export interface Leak {
  /** The secret, masked to its first 3 characters (the report must not leak it either). */
  secret: string;
  source: string;
  /** Where it appeared, with the secret masked. */
  excerpt: string;
}

export class SecretScan {
  private readonly secrets = new Set<string>();
  private readonly texts: Array<{ source: string; text: string }> = [];

  addSecret(secret: string): void {
    if (secret.length < 6) throw new Error('a secret to scan for must be at least 6 characters, or it would match by chance');
    this.secrets.add(secret);
    // A password can leave a process percent-encoded (inside a URL) as well as plain.
    this.secrets.add(encodeURIComponent(secret));
  }

  add(source: string, text: string): void {
    if (text) this.texts.push({ source, text });
  }

  get secretCount(): number {
    return this.secrets.size;
  }

  /** Characters of output scanned so far (a figure of the report). */
  get scannedChars(): number {
    return this.texts.reduce((n, t) => n + t.text.length, 0);
  }

  leaks(): Leak[] {
    const found: Leak[] = [];
    for (const { source, text } of this.texts) {
      for (const secret of this.secrets) {
        const at = text.indexOf(secret);
        if (at < 0) continue;
        const mask = `${secret.slice(0, 3)}***`;
        found.push({
          secret: mask,
          source,
          excerpt: text
            .slice(Math.max(0, at - 80), at + secret.length + 80)
            .split(secret)
            .join(mask),
        });
      }
    }
    return found;
  }
}
