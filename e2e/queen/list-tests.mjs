// Prints the names of Queen's client tests, one per line, in the order its run.js runs them.
// Copied next to run.js inside the build folder (it imports the suite's modules relatively).
const modules = [
  'queue', 'push', 'pop', 'consume', 'load', 'dlq', 'complete', 'transaction', 'subscription',
  'retention', 'maintenance', 'ai_error_handling', 'ai_lease_renewal', 'ai_resources',
  'ai_buffering', 'ai_priority', 'ai_ttl_retention', 'ai_mixed_scenarios',
];
for (const m of modules) {
  const exported = await import(`./${m}.js`);
  for (const fn of Object.values(exported)) {
    if (typeof fn === 'function') console.log(fn.name);
  }
}
