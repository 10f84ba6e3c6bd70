/**
 * Admission control (DESIGN.md §7, launch day): at most `concurrencyMax` API requests are worked on at once by this
 * process; up to `queueMax` more wait, first come first served, for at most `queueWaitMsMax`; anything beyond is
 * answered at once with 503 `overloaded` and a Retry-After. Shedding at the door, before the body is read, keeps
 * the latency of admitted requests bounded (a request waits at most `queueWaitMsMax`, then is worked on with at
 * most `concurrencyMax − 1` others) instead of letting every request slow down together until clients time out and
 * retry. A shed request did nothing, so a retry with the same Idempotency-Key is always safe.
 *
 * Only the API (`/v1/…`) is gated: health, metrics, the OpenAPI document and the pages are never shed, so a load
 * balancer keeps seeing a live process while it sheds. Each process gates itself (`mykey serve --workers N` gives
 * N gates); the counters are served at `GET /metrics`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';

export interface AdmissionOptions {
  /** API requests this process works on at once. */
  concurrencyMax: number;
  /** API requests that may wait for a free slot; beyond, `overloaded` at once. */
  queueMax: number;
  /** The longest a request waits in the queue before it is shed. */
  queueWaitMsMax: number;
}

export interface AdmissionCounters {
  admitted: number;
  shedQueueFull: number;
  shedQueueTimeout: number;
  inFlight: number;
  queued: number;
}

interface Waiter {
  admit(): void;
  timer: NodeJS.Timeout;
}

/**
 * The gate itself, without Fastify: `enter` resolves to true when the caller may go on (it must then call `leave`
 * exactly once), false when it is shed.
 *
 * @example
 * const gate = new AdmissionGate({ concurrencyMax: 2, queueMax: 0, queueWaitMsMax: 1_000 });
 * if (await gate.enter()) try { await work(); } finally { gate.leave(); }
 */
export class AdmissionGate {
  readonly #options: AdmissionOptions;
  readonly #waiters: Waiter[] = [];
  #inFlight = 0;
  #admitted = 0;
  #shedQueueFull = 0;
  #shedQueueTimeout = 0;

  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  enter(): boolean | Promise<boolean> {
    if (this.#inFlight < this.#options.concurrencyMax) {
      this.#inFlight += 1;
      this.#admitted += 1;
      return true;
    }
    if (this.#waiters.length >= this.#options.queueMax) {
      this.#shedQueueFull += 1;
      return false;
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(waiter.timer);
          this.#admitted += 1;
          resolve(true);
        },
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          this.#shedQueueTimeout += 1;
          resolve(false);
        }, this.#options.queueWaitMsMax),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Frees the caller's slot: the first waiter takes it over, or the slot is free again. */
  leave(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) next.admit();
    else this.#inFlight -= 1;
  }

  counters(): AdmissionCounters {
    return {
      admitted: this.#admitted,
      shedQueueFull: this.#shedQueueFull,
      shedQueueTimeout: this.#shedQueueTimeout,
      inFlight: this.#inFlight,
      queued: this.#waiters.length,
    };
  }
}

/** Seconds a shed client should wait: one queue wait, by which time the queue it met has turned over. */
export function retryAfterSecondsOf(options: AdmissionOptions): number {
  return Math.max(1, Math.ceil(options.queueWaitMsMax / 1_000));
}

const admittedRequests = new WeakSet<FastifyRequest>();

function isGated(request: FastifyRequest): boolean {
  return request.url.startsWith('/v1/');
}

/**
 * Registers the gate on every API request (the first onRequest hook after the Request-Id one) and `GET /metrics`
 * (Prometheus text: the gate's counters of this process). A slot is freed when the answer is sent or the client
 * goes away, whichever comes first.
 */
export function registerAdmission(app: FastifyInstance, options: AdmissionOptions): AdmissionGate {
  const gate = new AdmissionGate(options);
  const retryAfterSeconds = String(retryAfterSecondsOf(options));
  const release = (request: FastifyRequest): void => {
    if (admittedRequests.delete(request)) gate.leave();
  };
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isGated(request)) return;
    if (await gate.enter()) {
      // A client that went away while queued will never get an answer (nor an onResponse): give its slot back now.
      if (request.raw.aborted) {
        gate.leave();
        throw new ApiError('overloaded', 'the client went away while waiting for a slot');
      }
      admittedRequests.add(request);
      return;
    }
    reply.header('Retry-After', retryAfterSeconds);
    throw new ApiError('overloaded', `the platform is at capacity; nothing was done, retry in ${retryAfterSeconds} s`);
  });
  app.addHook('onResponse', async (request) => release(request));
  app.addHook('onRequestAbort', async (request) => release(request));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const c = gate.counters();
    reply.type('text/plain; version=0.0.4');
    return [
      '# HELP mykey_admission_admitted_total API requests admitted by this process.',
      '# TYPE mykey_admission_admitted_total counter',
      `mykey_admission_admitted_total ${c.admitted}`,
      '# HELP mykey_admission_shed_total API requests answered 503 overloaded by this process.',
      '# TYPE mykey_admission_shed_total counter',
      `mykey_admission_shed_total{reason="queue_full"} ${c.shedQueueFull}`,
      `mykey_admission_shed_total{reason="queue_timeout"} ${c.shedQueueTimeout}`,
      '# HELP mykey_admission_in_flight API requests being worked on now.',
      '# TYPE mykey_admission_in_flight gauge',
      `mykey_admission_in_flight ${c.inFlight}`,
      '# HELP mykey_admission_queued API requests waiting for a slot now.',
      '# TYPE mykey_admission_queued gauge',
      `mykey_admission_queued ${c.queued}`,
      `# HELP mykey_process_id The operating-system process id of this worker.`,
      '# TYPE mykey_process_id gauge',
      `mykey_process_id ${process.pid}`,
      '',
    ].join('\n');
  });
  return gate;
}
