/**
 * etcd maps every flag to an environment variable: `--data-dir` ⇔ `ETCD_DATA_DIR`. A flag given on
 * the command line wins over the variable.
 */
export function flagEnvName(flag: string): string {
  return `ETCD_${flag.replace(/-/g, '_').toUpperCase()}`;
}

export function flagOrEnv(value: string | undefined, flag: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return value ?? env[flagEnvName(flag)];
}
