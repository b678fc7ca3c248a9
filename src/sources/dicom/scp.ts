/**
 * The C-STORE SCP listener: our own net/tls server (bound host, TLS from src/tls, connection
 * limit), each socket handed to a dcmjs-dimse Scp for the DIMSE protocol. The data set of a
 * C-STORE is never held whole: dcmjs-dimse writes its P-DATA fragments into the writable we
 * return (createStoreWritableStream), which streams them to a file behind our File Meta
 * (part10.ts); when the file's write buffer is full the socket is paused, so a slow disk
 * holds back the sender instead of filling memory.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, rename, rm, unlink } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import dimse from 'dcmjs-dimse';
import { streamDicomToFile, type StoredDicom } from '../../dicom/index.js';
import { MedibusError, errorMessage, isMedibusError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createTlsServerOptions, type TlsConfig, type TlsServerSetup } from '../../tls/index.js';
import { encodeFileMeta } from './part10.js';

const { Scp, Dataset, constants, responses } = dimse;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass } = constants;
// dcmjs-dimse logs through loglevel to the console; medibus logs through pino
dimse.log.setLevel('silent');

export interface DicomScpOptions {
  readonly host: string;
  readonly port: number;
  readonly aeTitle: string;
  readonly allowedCallingAeTitles: readonly string[];
  /** UIDs, or prefixes ending in `*` */
  readonly sopClasses: readonly string[];
  /** in order of preference */
  readonly transferSyntaxes: readonly string[];
  readonly maxPduLength: number;
  readonly maxAssociations: number;
  /** ms without a PDU before the association is aborted */
  readonly idleTimeout: number;
  /** ms from connect to A-ASSOCIATE-RQ */
  readonly associationTimeout: number;
  /** bytes; 0 = no limit */
  readonly maxObjectSize: number;
  /** where objects are kept; undefined = parsed from a temp file then deleted */
  readonly objectsDir?: string;
  readonly tls?: TlsConfig;
  readonly log: Logger;
  readonly name: string;
  /** ms the stop waits for stores in progress */
  readonly drainTimeout: number;
}

export interface ReceivedObject {
  readonly stored: StoredDicom;
  /** the kept file, when objects.dir is set */
  readonly objectRef: string | undefined;
  readonly callingAe: string;
  readonly remote: string;
  readonly receivedAt: Date;
}

export interface StoreAnswer {
  readonly status: number;
  readonly error?: MedibusError;
}

/** C-STORE statuses (PS3.4 Annex B.2.3) */
export const STATUS = { success: 0x0000, outOfResources: 0xa700, cannotUnderstand: 0xc000, processingFailure: 0x0110 } as const;

export type ObjectHandler = (object: ReceivedObject) => Promise<StoreAnswer>;

interface Pending {
  readonly result: Promise<StoredDicom | MedibusError>;
  readonly receivedAt: Date;
}

interface Peer {
  readonly socket: Socket;
  readonly remote: string;
  callingAe: string;
  readonly open: Set<PassThrough>;
}

const NO_TIMEOUT = 2 ** 31 - 1;
const UID = /^[0-9]+(\.[0-9]+)*$/;

export class DicomScpServer {
  private server: Server | undefined;
  private tls: TlsServerSetup | undefined;
  private readonly peers = new Set<Peer>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;
  private tempDir: string | undefined;

  constructor(
    private readonly options: DicomScpOptions,
    private readonly handler: ObjectHandler,
  ) {}

  async start(): Promise<void> {
    const o = this.options;
    if (o.objectsDir !== undefined) await mkdir(join(o.objectsDir, '.incoming'), { recursive: true });
    else this.tempDir = await mkdtemp(join(tmpdir(), 'medibus-dicom-'));
    const server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        this.tls?.close();
        reject(new MedibusError('MEDIBUS_ERR_SOURCE_LISTEN', `${o.name}: cannot listen on ${o.host}:${o.port} (${error.code ?? error.message})`));
      });
      server.listen({ host: o.host, port: o.port }, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    server.on('error', (error: NodeJS.ErrnoException) => o.log.error({ errCode: error.code }, 'DICOM listener error'));
    this.server = server;
    this.stopping = false;
    o.log.info({ ...this.address(), aeTitle: o.aeTitle, tls: this.tls !== undefined }, 'DICOM C-STORE SCP started');
  }

  address(): { host: string; port: number } | undefined {
    const bound = this.server?.address() as AddressInfo | string | null | undefined;
    if (bound === null || bound === undefined || typeof bound === 'string') return undefined;
    return { host: bound.address, port: bound.port };
  }

  /** stops accepting, answers the stores in progress (bounded by drainTimeout), then closes every association */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, this.options.drainTimeout)))]);
    clearTimeout(timer);
    // let the last responses reach the socket before it goes
    await new Promise((resolve) => setImmediate(resolve));
    for (const peer of this.peers) peer.socket.destroy();
    await closed;
    this.tls?.close();
    this.tls = undefined;
    this.server = undefined;
    if (this.tempDir !== undefined) await rm(this.tempDir, { recursive: true, force: true });
    this.options.log.info('DICOM C-STORE SCP stopped');
  }

  private createServer(): Server {
    if (this.options.tls === undefined) return createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    const tls = createTlsServerOptions(this.options.tls, { name: this.options.name, log: this.options.log });
    this.tls = tls;
    const server = createTlsServer({ ...tls.options }, (socket: TLSSocket) => {
      if (tls.admit(socket)) this.onConnection(socket);
    });
    tls.attach(server);
    return server;
  }

  private onConnection(socket: Socket): void {
    const o = this.options;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const peer: Peer = { socket, remote, callingAe: '', open: new Set() };
    this.peers.add(peer);
    const overLimit = this.peers.size > o.maxAssociations;
    const associationTimer = setTimeout(() => {
      o.log.warn({ remote, associationTimeout: o.associationTimeout }, 'DICOM connection closed: no A-ASSOCIATE-RQ in time');
      socket.destroy();
    }, o.associationTimeout);
    const idle = o.idleTimeout === 0 ? NO_TIMEOUT : o.idleTimeout;
    const scp = new Scp(socket, { connectTimeout: idle, pduTimeout: idle, associationTimeout: NO_TIMEOUT });
    (scp as unknown as { connected: boolean }).connected = true;
    const self = this;
    scp.associationRequested = function (association) {
      clearTimeout(associationTimer);
      self.onAssociation(this, peer, association, overLimit);
    };
    scp.associationReleaseRequested = function () {
      this.sendAssociationReleaseResponse();
    };
    scp.cEchoRequest = (request, callback) => {
      const response = responses.CEchoResponse.fromRequest(request);
      response.setStatus(STATUS.success);
      callback(response);
    };
    scp.createStoreWritableStream = (context, request) => this.openStore(peer, context, request);
    scp.createDatasetFromStoreWritableStream = (_writable, _context, callback) => callback(new Dataset());
    scp.cStoreRequest = (request, callback) => {
      const done = this.finishStore(peer, request).then((response) => callback(response));
      this.track(done);
    };
    scp.abort = () => socket.destroy();
    scp.on('networkError', (error: Error) => {
      o.log.warn({ remote, callingAe: peer.callingAe, reason: error.message }, 'DICOM association ended by a network error');
      socket.destroy();
    });
    socket.on('close', () => {
      clearTimeout(associationTimer);
      this.peers.delete(peer);
      for (const pipe of peer.open) pipe.destroy(new MedibusError('MEDIBUS_ERR_DICOM_ABORTED', 'the association ended before the object was complete'));
    });
  }

  private onAssociation(scp: InstanceType<typeof Scp>, peer: Peer, association: dimse.association.Association, overLimit: boolean): void {
    const o = this.options;
    const calling = association.getCallingAeTitle().trim();
    const called = association.getCalledAeTitle().trim();
    peer.callingAe = calling;
    const reject = (result: number, source: number, reason: number, why: string): void => {
      o.log.warn({ remote: peer.remote, callingAe: calling, calledAe: called, reason: why }, 'DICOM association rejected');
      scp.sendAssociationReject(result, source, reason);
    };
    if (this.stopping) return reject(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.TemporaryCongestion, 'the listener is stopping');
    if (overLimit) return reject(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded, `more than maxAssociations (${o.maxAssociations})`);
    if (called !== o.aeTitle) return reject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized, `called AE title is not ${o.aeTitle}`);
    if (o.allowedCallingAeTitles.length > 0 && !o.allowedCallingAeTitles.includes(calling)) {
      return reject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized, 'calling AE title not in allowedCallingAeTitles');
    }
    association.setMaxPduLength(o.maxPduLength);
    for (const proposed of association.getPresentationContexts()) {
      const context = association.getPresentationContext(proposed.id);
      const abstract = context.getAbstractSyntaxUid();
      if (abstract !== SopClass.Verification && !this.acceptsSopClass(abstract)) {
        context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        continue;
      }
      const offered = context.getTransferSyntaxUids();
      const chosen = o.transferSyntaxes.find((ts) => offered.includes(ts));
      if (chosen === undefined) context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      else context.setResult(PresentationContextResult.Accept, chosen);
    }
    o.log.info({ remote: peer.remote, callingAe: calling }, 'DICOM association accepted');
    scp.sendAssociationAccept();
  }

  private acceptsSopClass(uid: string): boolean {
    return this.options.sopClasses.some((entry) => (entry.endsWith('*') ? uid.startsWith(entry.slice(0, -1)) : uid === entry));
  }

  /** the file a C-STORE data set streams into; the socket is paused while the file lags */
  private openStore(peer: Peer, context: dimse.association.PresentationContext, request: dimse.requests.CStoreRequest): Writable {
    const o = this.options;
    const dir = o.objectsDir !== undefined ? join(o.objectsDir, '.incoming') : this.tempDir!;
    const file = join(dir, `${randomUUID()}.dcm`);
    const pipe = new PassThrough();
    peer.open.add(pipe);
    pipe.write(
      encodeFileMeta({
        sopClassUid: request.getAffectedSopClassUid(),
        sopInstanceUid: request.getAffectedSopInstanceUid(),
        transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? '',
        sourceAeTitle: peer.callingAe,
      }),
    );
    let size = 0;
    let oversize = false;
    const result = streamDicomToFile(pipe, file, { source: `C-STORE from ${peer.callingAe || peer.remote}` }).then(
      (stored) => stored,
      async (error: unknown) => {
        await unlink(file).catch(() => undefined);
        if (isMedibusError(error)) return error;
        return new MedibusError('MEDIBUS_ERR_DICOM_STORE_IO', `cannot write the received object: ${errorMessage(error)}`);
      },
    );
    const settled: Promise<StoredDicom | MedibusError> = result.then(async (value) => {
      peer.open.delete(pipe);
      if (!oversize) return value;
      if (!isMedibusError(value)) await unlink(value.file).catch(() => undefined);
      return new MedibusError('MEDIBUS_ERR_DICOM_OBJECT_TOO_LARGE', `over maxObjectSize ${o.maxObjectSize} B`);
    });
    this.pending.set(request, { result: settled, receivedAt: new Date() });
    const socket = peer.socket;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (oversize) return callback();
        if (o.maxObjectSize > 0 && size > o.maxObjectSize) {
          oversize = true;
          pipe.end();
          return callback();
        }
        if (!pipe.write(chunk)) {
          socket.pause();
          pipe.once('drain', () => socket.resume());
        }
        callback();
      },
      final(callback) {
        if (!oversize) pipe.end();
        callback();
      },
    });
  }

  private readonly pending = new WeakMap<object, Pending>();

  private async finishStore(peer: Peer, request: dimse.requests.CStoreRequest): Promise<dimse.responses.CStoreResponse> {
    const response = responses.CStoreResponse.fromRequest(request);
    const answer = await this.answer(peer, request);
    response.setStatus(answer.status);
    if (answer.error !== undefined) response.setErrorComment(errorComment(answer.error));
    return response;
  }

  private async answer(peer: Peer, request: dimse.requests.CStoreRequest): Promise<StoreAnswer> {
    const o = this.options;
    const pending = this.pending.get(request);
    if (pending === undefined) return { status: STATUS.cannotUnderstand, error: new MedibusError('MEDIBUS_ERR_DICOM_NOT_DICOM', 'C-STORE without a data set') };
    const stored = await pending.result;
    if (isMedibusError(stored)) {
      o.log.warn({ remote: peer.remote, callingAe: peer.callingAe, errCode: stored.code, reason: stored.message }, 'DICOM object refused');
      const status = stored.code === 'MEDIBUS_ERR_DICOM_OBJECT_TOO_LARGE' || stored.retryable ? STATUS.outOfResources : STATUS.cannotUnderstand;
      return { status, error: stored };
    }
    let objectRef: string | undefined;
    try {
      if (o.objectsDir === undefined) {
        await unlink(stored.file);
      } else {
        const uid = stored.object.sopInstanceUid;
        objectRef = join(o.objectsDir, `${UID.test(uid) && uid.length <= 64 ? uid : stored.sha256}.dcm`);
        await rename(stored.file, objectRef);
        await syncDir(o.objectsDir);
      }
    } catch (error) {
      const failure = new MedibusError('MEDIBUS_ERR_DICOM_STORE_IO', `cannot keep the received object: ${errorMessage(error)}`);
      o.log.error({ remote: peer.remote, errCode: failure.code, reason: failure.message }, 'DICOM object not kept');
      return { status: STATUS.outOfResources, error: failure };
    }
    return this.handler({ stored, objectRef, callingAe: peer.callingAe, remote: peer.remote, receivedAt: pending.receivedAt });
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }
}

/**
 * The Error Comment (0000,0902) of a failure status: the MEDIBUS_ERR_* code, a space, the
 * reason, cut to the 64 characters of its VR (LO, PS3.5 §6.2); the log has the whole reason.
 */
export function errorComment(error: MedibusError): string {
  return `${error.code} ${error.message}`.replace(/[\\\r\n]/g, ' ').slice(0, 64).trimEnd();
}

/** makes a rename durable (POSIX: the directory entry is data of the directory) */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
