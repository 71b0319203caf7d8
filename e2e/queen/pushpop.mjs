// Push+pop load through Queen's HTTP API (node 20's fetch, keep-alive): producers push batches to
// random partitions of one queue, consumers pop the queue (queue-level pops choose partitions from
// partition_lookup) with autoAck. Prints one JSON line: throughput and latency percentiles over the
// measured window, which starts after the warm-up (the same load, not counted: JIT compilers, caches
// and pools settle in every mode alike).
//
//   node pushpop.mjs --url http://localhost:6632 --producers 32 --batch 20 --consumers 8
//                    --partitions 20 --seconds 30 --warmup 5 --queue bench-q
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const url = args.url ?? 'http://localhost:6632';
const producers = Number(args.producers ?? 32);
const batch = Number(args.batch ?? 20);
const consumers = Number(args.consumers ?? 8);
const partitions = Number(args.partitions ?? 20);
const seconds = Number(args.seconds ?? 30);
const warmup = Number(args.warmup ?? 5);
const popBatch = Number(args['pop-batch'] ?? 20);
const queue = args.queue ?? `bench-${Date.now()}`;

async function call(method, path, body) {
  const res = await fetch(url + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300 && res.status !== 204) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

await call('POST', '/api/v1/configure', { queue, options: {} });
let running = true;
let pushed = 0, popped = 0, pushErrors = 0, popErrors = 0, emptyPops = 0;
let pushLat = [], popLat = [];
let seq = 0;

async function producer(id) {
  while (running) {
    const partition = `p${Math.floor(Math.random() * partitions)}`;
    const items = [];
    for (let i = 0; i < batch; i++) {
      items.push({ queue, partition, payload: { n: seq++, producer: id }, transactionId: `${id}-${seq}-${Math.random()}` });
    }
    const t = performance.now();
    try {
      await call('POST', '/api/v1/push', { items });
      pushLat.push(performance.now() - t);
      pushed += batch;
    } catch (e) {
      pushErrors++;
    }
  }
}

async function consumer() {
  while (running) {
    const t = performance.now();
    try {
      const r = await call('GET', `/api/v1/pop/queue/${queue}?batch=${popBatch}&wait=false&autoAck=true`);
      popLat.push(performance.now() - t);
      const n = r && r.messages ? r.messages.length : 0;
      popped += n;
      if (n === 0) {
        emptyPops++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } catch (e) {
      popErrors++;
    }
  }
}

const all = [];
for (let i = 0; i < producers; i++) all.push(producer(i));
for (let i = 0; i < consumers; i++) all.push(consumer());
await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
// the window starts here: what the warm-up did is dropped (a call in flight now counts in the window)
pushed = 0; popped = 0; pushErrors = 0; popErrors = 0; emptyPops = 0;
pushLat = []; popLat = [];
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
running = false;
await Promise.all(all);
const elapsed = (performance.now() - started) / 1000;
pushLat.sort((a, b) => a - b);
popLat.sort((a, b) => a - b);
console.log(JSON.stringify({
  queue, producers, batch, consumers, partitions, warmup, seconds: Number(elapsed.toFixed(1)),
  push_msgs_per_s: Math.round(pushed / elapsed), pop_msgs_per_s: Math.round(popped / elapsed),
  push_p50_ms: percentile(pushLat, 0.5)?.toFixed(1), push_p99_ms: percentile(pushLat, 0.99)?.toFixed(1),
  pop_p50_ms: percentile(popLat, 0.5)?.toFixed(1), pop_p99_ms: percentile(popLat, 0.99)?.toFixed(1),
  push_max_ms: pushLat.length ? pushLat[pushLat.length - 1].toFixed(0) : null,
  empty_pops: emptyPops, push_errors: pushErrors, pop_errors: popErrors,
}));
