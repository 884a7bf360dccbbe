// `npm run fuzz [-- --iterations N --seed S]`: a longer run of the hostile-input checks over every
// fixture than CI's bounded one (src/format/hostile.test.ts). Prints the mutation history of the
// first failure and exits 1; seeds make every failure reproducible.
import { checkHostile, mutate } from '../src/format/testing/hostile.ts';
import { fixtureBytes, manifest, prng } from '../src/format/testing/fixtures.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const iterations = arg('--iterations', 2000);
const seed = arg('--seed', Date.now() % 100000);
const budgetMs = arg('--case-ms', 10_000);

console.log(`fuzz: ${iterations} mutations per fixture, seed ${seed}`);
let cases = 0;
let slowest = 0;
for (const fx of manifest().fixtures) {
  const src = fixtureBytes(fx.file);
  const rnd = prng(seed ^ fx.file.length);
  const started = Date.now();
  for (let i = 0; i < iterations; i++) {
    // Stack up to three mutations so damage compounds.
    let bytes = src;
    const history = [];
    for (let k = 0, n = 1 + Math.floor(rnd() * 3); k < n; k++) {
      const m = mutate(bytes, rnd);
      bytes = m.bytes;
      history.push(m.mutation);
    }
    const t = Date.now();
    const { failure } = await checkHostile(bytes);
    const took = Date.now() - t;
    slowest = Math.max(slowest, took);
    cases++;
    if (failure || took > budgetMs) {
      console.error(`FAIL ${fx.file} seed ${seed} case ${i}: ${failure ?? `took ${took} ms`}\nmutations: ${JSON.stringify(history)}`);
      process.exit(1);
    }
  }
  console.log(`${fx.file}: ${iterations} cases in ${Date.now() - started} ms`);
}
console.log(`${cases} passed, 0 failed (slowest case ${slowest} ms)`);
