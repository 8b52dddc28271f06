// `npm run bench:profile [-- forwarding | platform]`: CPU profiles under the benchmarks' load.
// `forwarding` (the default) profiles the Plugin Server on the forwarding hop; `platform` profiles
// the platform's process under the whole-system load, on PGlite and on PostgreSQL.
import { profileForwarding } from './profile-forwarding.ts';
import { profilePlatform } from './profile-platform.ts';

const which = process.argv[2] ?? 'forwarding';
if (which === 'forwarding') {
  await profileForwarding();
} else if (which === 'platform') {
  await profilePlatform('PGlite');
  await profilePlatform('PostgreSQL');
} else {
  process.stderr.write(`unknown profile "${which}": use forwarding or platform\n`);
  process.exitCode = 2;
}
