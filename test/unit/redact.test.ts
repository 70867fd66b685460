import { createRedactor, redactGeneric } from '../../src/log/redact';
import { redactConnectionString } from '../../src/tenants/redact-connection-string';

describe('redactConnectionString', () => {
  it.each([
    ['postgres://worker:s3cret@db:5432/app', 'postgres://worker:***@db:5432/app'],
    ['postgresql://worker:p%40ss%2Fw@db/app?sslmode=require', 'postgresql://worker:***@db/app?sslmode=require'],
    // Unencoded '@' and '/' in the password: everything up to the last '@' goes.
    ['postgres://worker:p@ss@db/app', 'postgres://worker:***@db/app'],
    ['postgres://worker:pa/ss@db/app', 'postgres://worker:***@db/app'],
    ['postgres://worker@db/app', 'postgres://worker@db/app'],
    ['postgres://db/app?user=w&password=qp-secret&sslmode=disable', 'postgres://db/app?user=w&password=***&sslmode=disable'],
    ['postgres://db/app?sslpassword=key-secret', 'postgres://db/app?sslpassword=***'],
    ['mssql://sa:Str0ng!@sql:1433/app?encrypt=true', 'mssql://sa:***@sql:1433/app?encrypt=true'],
    ['Server=sql;Database=app;User Id=sa;Password=Str0ng!;Encrypt=true', 'Server=sql;Database=app;User Id=sa;Password=***;Encrypt=true'],
    ['server=sql;pwd=Str0ng!', 'server=sql;pwd=***'],
    ['Server=sql; PWD = Str0ng! ;Database=app', 'Server=sql; PWD = ***;Database=app'],
    ['Server=sql;Password="semi;colon""quote";Database=app', 'Server=sql;Password=***;Database=app'],
    ["Server=sql;Password='single;''q';Database=app", 'Server=sql;Password=***;Database=app'],
    ['Server=sql;Password={br;ace}}s};Database=app', 'Server=sql;Password=***;Database=app'],
    ['Server=sql;Password="unterminated;Database=app', 'Server=sql;Password=***'],
    [
      'Server=sql;Authentication=Active Directory Integrated;Client Id=x;Client Secret=cs-value;Tenant Id=t',
      'Server=sql;Authentication=Active Directory Integrated;Client Id=x;Client Secret=***;Tenant Id=t',
    ],
    ['Server=sql;OldPassword=kept;Database=app', 'Server=sql;OldPassword=kept;Database=app'],
  ])('%s -> %s', (input, expected) => {
    expect(redactConnectionString(input)).toBe(expected);
  });
});

describe('redactGeneric (secrets nobody told us about)', () => {
  it('removes URL passwords inside text', () => {
    expect(redactGeneric('connect ECONNREFUSED for postgres://u:pw1@h:5432/db, retrying')).toBe(
      'connect ECONNREFUSED for postgres://u:***@h:5432/db, retrying',
    );
    expect(redactGeneric('two: mssql://a:x@h1/db and postgres://b:y@h2/db')).toBe('two: mssql://a:***@h1/db and postgres://b:***@h2/db');
    expect(redactGeneric('raw at: postgres://u:p@ss@h/db end')).toBe('raw at: postgres://u:***@h/db end');
  });

  it('removes ADO values, URL parameters and JSON fields', () => {
    expect(redactGeneric('Login failed: Server=sql;User Id=sa;Password=abc def;Database=x')).toBe(
      'Login failed: Server=sql;User Id=sa;Password=***;Database=x',
    );
    expect(redactGeneric('url http://x/?a=1&password=zz9&b=2')).toBe('url http://x/?a=1&password=***&b=2');
    expect(redactGeneric('body {"user":"u","password":"p\\"w"}')).toBe('body {"user":"u","password":"***"}');
  });

  it('leaves ordinary text alone', () => {
    const text = 'message 1f0e processed in 12 ms for tenant acme (http://localhost:9464/metrics)';
    expect(redactGeneric(text)).toBe(text);
  });
});

describe('createRedactor', () => {
  it('replaces known secrets from tenant connection strings wherever they appear', () => {
    const r = createRedactor(['postgres://w:Tr0ub4dor%26x@h/db', 'Server=sql;Password="semi;co""lon";Database=a', 'bare-secret-value']);
    expect(r.size).toBe(4); // decoded + as written for the URL, the ADO password, the bare secret
    const text = 'handler said: Tr0ub4dor&x / Tr0ub4dor%26x / semi;co"lon / semi;co""lon / bare-secret-value!';
    const out = r.redact(text);
    expect(out).toBe('handler said: *** / *** / *** / *** / ***!');
  });

  it('setSecrets replaces the known secrets (tenant map reload)', () => {
    const r = createRedactor(['postgres://w:old-password@h/db']);
    r.setSecrets(['postgres://w:new-password@h/db']);
    expect(r.redact('old-password new-password')).toBe('old-password ***');
  });

  it('skips very short known secrets but the generic patterns still catch them in connection strings', () => {
    const r = createRedactor(['postgres://w:ab@h/db']);
    expect(r.size).toBe(0);
    expect(r.redact('table tab, postgres://w:ab@h/db')).toBe('table tab, postgres://w:***@h/db');
  });

  it('a connection string without a password adds no secret', () => {
    expect(createRedactor(['postgres://w@h/db']).size).toBe(0);
  });

  it('redactJsonLine keeps the line valid JSON and removes secrets in any field', () => {
    const r = createRedactor(['postgres://w:known"quote-pw@h/db']);
    const line = `${JSON.stringify({
      msg: 'failed for Server=sql;Password="x;y"',
      nested: { err: 'known"quote-pw leaked', url: 'postgres://u:unknown-pw@h/db' },
      list: ['mssql://a:b-secret@h/db'],
      n: 5,
    })}\n`;
    const out = r.redactJsonLine(line);
    expect(out.endsWith('\n')).toBe(true);
    expect(JSON.parse(out)).toEqual({
      msg: 'failed for Server=sql;Password=***',
      nested: { err: '*** leaked', url: 'postgres://u:***@h/db' },
      list: ['mssql://a:***@h/db'],
      n: 5,
    });
    expect(out).not.toMatch(/known|unknown-pw|b-secret|x;y/);
  });

  it('describe() gives a redacted one-line description of any error', () => {
    const r = createRedactor(['postgres://w:described-pw@h/db']);
    expect(r.describe(new Error('auth failed with described-pw'))).toBe('auth failed with ***');
    expect(r.describe('postgres://x:y-secret@h/db')).toBe('postgres://x:***@h/db');
  });
});
