import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'purser:metrics';
const REPLY = 'purser:metrics:reply';

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: string;
}

interface MetricsReply {
  readonly type: typeof REPLY;
  readonly id: string;
  readonly contentType: string;
  readonly body: string;
}

/**
 * In a worker: the metrics text for /metrics is the primary's sum over every worker, asked for over
 * IPC, so whichever worker the request lands on answers for all of them.
 */
export function workerMetrics(registry: Registry): () => Promise<{ contentType: string; body: string }> {
  // prom-client answers the primary's collection requests with these registries; constructing an
  // AggregatorRegistry is what installs its listener in a worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const pending = new Map<string, (reply: MetricsReply) => void>();
  process.on('message', (message: unknown) => {
    const reply = message as Partial<MetricsReply>;
    if (reply?.type === REPLY && typeof reply.id === 'string') pending.get(reply.id)?.(reply as MetricsReply);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer with the metrics'));
      }, 5000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve({ contentType: reply.contentType, body: reply.body });
      });
      process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
    });
}

/** In the primary: answers workers' requests with the aggregate of all workers' metrics. */
export function serveWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    const request = message as Partial<MetricsRequest>;
    if (request?.type !== REQUEST || typeof request.id !== 'string') return;
    const id = request.id;
    aggregator.clusterMetrics().then(
      (body) => worker.send({ type: REPLY, id, contentType: aggregator.contentType, body } satisfies MetricsReply),
      (err: Error) => worker.send({ type: REPLY, id, contentType: 'text/plain', body: `# metrics unavailable: ${err.message}\n` } satisfies MetricsReply),
    );
  });
}
