import { parseArgs } from 'node:util';
import { loadConfig } from './platform/config.ts';

/** The `outbound` command. The only place that reads process.env. */
const USAGE = `usage: outbound <command> [options]

commands:
  serve [--port N] [--role all|api|engine|dialer|dispatcher]
                                   run the API and the dialing engine (embedded database in
                                   ./data, or DATABASE_URL); --speed N [--from ISO] runs
                                   on a clock N times faster (demonstrations, browser tests);
                                   --network FILE: rules of the simulated network
  keys create-admin [--name NAME]  create a system administrator API key and print it
  simulate SCENARIO.json [--attempts-out FILE.jsonl]
                                   run a scenario on a virtual clock and print a summary per task
  demo                             run the seed's scenario on the embedded database, with progress

environment: DATABASE_URL, OUTBOUND_DATA_DIR (default ./data), OUTBOUND_SECRET_KEY, PORT, HOST,
             LOG_LEVEL, OUTBOUND_TELEPHONY (sim|sip), OUTBOUND_SIP_CONFIG,
             OUTBOUND_LEASE_SEC (default 60: how long a dead engine's calls stay held),
             OUTBOUND_EXPORT_RETENTION_DAYS (default 7: how long export files are kept)
`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      role: { type: 'string' },
      speed: { type: 'string' },
      from: { type: 'string' },
      network: { type: 'string' },
      name: { type: 'string' },
      'attempts-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE);
    return cmd ? 0 : 1;
  }
  const config = loadConfig(process.env, process.cwd());
  switch (cmd) {
    case 'serve': {
      const { serve, ROLES } = await import('./cli/serve.ts');
      const role = (values.role ?? 'all') as (typeof ROLES)[number];
      if (!ROLES.includes(role))
        throw new Error(`--role must be one of ${ROLES.join(', ')}, not '${role}'`);
      await serve(config, {
        ...(values.port ? { port: Number(values.port) } : {}),
        role,
        ...(values.speed ? { speed: Number(values.speed) } : {}),
        ...(values.from ? { from: values.from } : {}),
        ...(values.network ? { network: values.network } : {}),
      });
      return -1; // keeps running
    }
    case 'keys':
      if (sub === 'create-admin') {
        const { createAdminKey } = await import('./cli/keys.ts');
        await createAdminKey(config, values.name ?? 'admin');
        return 0;
      }
      break;
    case 'simulate': {
      if (!sub) break;
      const { simulate } = await import('./cli/simulate.ts');
      return (await simulate(sub, { attemptsOut: values['attempts-out'] })).code;
    }
    case 'demo': {
      const { demo } = await import('./cli/demo.ts');
      return demo(config);
    }
  }
  process.stderr.write(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`outbound: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
