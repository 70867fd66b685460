/**
 * `${VAR}` substitution in connection strings, so passwords come from the environment (Kubernetes
 * Secrets, compose env) instead of the tenants file. `$${` is a literal `${`. A variable that is
 * unset or empty is an error naming the tenant and the variable; values are inserted as is.
 */
import { ConfigError } from '../errors';

export interface ExpandContext {
  /** Where the text comes from, for messages: e.g. "tenants file /etc/tqw/tenants.json: tenants[0] (id 'acme'): connectionString". */
  where: string;
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}?/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function expandEnv(text: string, env: NodeJS.ProcessEnv, context: ExpandContext): string {
  return text.replace(REFERENCE, (match: string, name: string | undefined) => {
    if (match === '$${') return '${';
    if (!match.endsWith('}')) {
      throw new ConfigError(`${context.where}: '\${' is not closed by '}' (write $\${ for a literal \${)`, 'TQW_TENANTS_INVALID');
    }
    if (name === undefined || !VARIABLE_NAME.test(name)) {
      throw new ConfigError(
        `${context.where}: \${${name ?? ''}} is not a valid variable reference (names are letters, digits and _, not starting with a digit; write $\${ for a literal \${)`,
        'TQW_TENANTS_INVALID',
      );
    }
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ConfigError(
        `${context.where}: environment variable ${name} is ${value === undefined ? 'not set' : 'empty'} (set it, e.g. from a Kubernetes Secret, or remove \${${name}})`,
        'TQW_ENV_VAR_UNSET',
      );
    }
    return value;
  });
}
