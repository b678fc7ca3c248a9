/**
 * The one catalogue of medibus error codes.
 *
 * Every error a user can meet has a stable code `MEDIBUS_ERR_<AREA>_<WHAT>`, says whether
 * retrying the same input can succeed (a broker outage: yes; a malformed message: no),
 * and carries a hint that tells the user what to do. Codes are never renamed or reused:
 * operators grep logs and dead-letter headers for them.
 */

interface CatalogueEntry {
  readonly retryable: boolean;
  readonly hint: string;
}

export const ERRORS = {
  // --- configuration (channels, mappings, environment) ---
  MEDIBUS_ERR_CONFIG_YAML: { retryable: false, hint: 'Fix the YAML syntax at the position shown.' },
  MEDIBUS_ERR_CONFIG_SCHEMA: { retryable: false, hint: 'Compare the value with the JSON Schema the file names in its $schema line.' },
  MEDIBUS_ERR_CONFIG_ENV: { retryable: false, hint: 'Set the environment variable, or give a default with ${VAR:-default}.' },
  MEDIBUS_ERR_CONFIG_DUPLICATE: { retryable: false, hint: 'Channel ids and listener ports must be unique across channels/.' },
  MEDIBUS_ERR_CONFIG_REFERENCE: { retryable: false, hint: 'The file refers to something that does not exist; check the name.' },
  MEDIBUS_ERR_CONFIG_IO: { retryable: false, hint: 'Check that the path exists and is readable.' },
  MEDIBUS_ERR_CONFIG_DISABLED: { retryable: false, hint: 'The channel has enabled: false; it is validated but not started. Remove the key to start it.' },
  MEDIBUS_ERR_CONFIG_EXPOSED: { retryable: false, hint: 'A listener on 0.0.0.0 or :: accepts any sender that can reach the machine; bind to one interface or restrict access with a firewall.' },

  // --- HL7 v2 parsing ---
  MEDIBUS_ERR_HL7_EMPTY: { retryable: false, hint: 'The sender sent an empty message.' },
  MEDIBUS_ERR_HL7_NO_MSH: { retryable: false, hint: 'A message must start with an MSH segment.' },
  MEDIBUS_ERR_HL7_DELIMITERS: { retryable: false, hint: 'MSH-1 and MSH-2 must declare the field separator and encoding characters, e.g. MSH|^~\\&|.' },
  MEDIBUS_ERR_HL7_REQUIRED_FIELD: { retryable: false, hint: 'The sender must fill the field named in the error.' },
  MEDIBUS_ERR_HL7_SEGMENT: { retryable: false, hint: 'Segment names are three upper-case letters or digits.' },
  MEDIBUS_ERR_HL7_CHARSET: { retryable: false, hint: 'MSH-18 names a character set medibus does not know; set the channel charset explicitly.' },
  MEDIBUS_ERR_HL7_PATH: { retryable: false, hint: 'Paths look like PID-3, PID-3[2].1, OBX-5.1.2.' },
  MEDIBUS_ERR_HL7_BATCH: { retryable: false, hint: 'Batch envelopes are FHS/BHS … BTS/FTS around MSH messages.' },

  // --- MLLP transport ---
  MEDIBUS_ERR_MLLP_FRAME_TOO_LARGE: { retryable: false, hint: 'Raise source.maxFrameSize or split the message.' },
  MEDIBUS_ERR_MLLP_TIMEOUT: { retryable: true, hint: 'The peer did not answer in time; it will be tried again.' },
  MEDIBUS_ERR_MLLP_CONNECTION: { retryable: true, hint: 'The connection failed or closed; check host, port and firewall.' },
  MEDIBUS_ERR_SOURCE_LISTEN: { retryable: false, hint: 'The listener could not bind its address: another process holds the port, or the port needs privileges. Free the port, pick another, or mark the channel optional: true.' },
  MEDIBUS_ERR_MLLP_BAD_ACK: { retryable: true, hint: 'The peer answered with something that is not an HL7 ACK for this message.' },

  // --- broker (RabbitMQ) ---
  MEDIBUS_ERR_BROKER_UNAVAILABLE: { retryable: true, hint: 'RabbitMQ is unreachable; medibus reconnects by itself. Check AMQP_URL and the broker.' },
  MEDIBUS_ERR_BROKER_AUTH: { retryable: true, hint: 'RabbitMQ refused the login (ACCESS_REFUSED): check the user and password in AMQP_URL, and that the user may use the vhost.' },
  MEDIBUS_ERR_BROKER_NACK: { retryable: true, hint: 'RabbitMQ refused the message (queue full or resource alarm); the sender should resend.' },
  MEDIBUS_ERR_BROKER_CONFIRM_TIMEOUT: { retryable: true, hint: 'RabbitMQ did not confirm the message in time; the sender should resend.' },
  MEDIBUS_ERR_BROKER_NO_QUEUE: { retryable: false, hint: 'The channel\'s queues are not on this broker: it never ran against this URL and vhost, or it was torn down.' },
  MEDIBUS_ERR_BROKER_TOPOLOGY: { retryable: false, hint: 'A queue or exchange exists with other arguments; delete it or align the channel settings.' },

  // --- filter and mapping ---
  MEDIBUS_ERR_MAPPING_COMPILE: { retryable: false, hint: 'Fix the mapping at the position shown.' },
  MEDIBUS_ERR_MAPPING_RUNTIME: { retryable: false, hint: 'The message does not fit the mapping; see the segment and field named.' },
  MEDIBUS_ERR_MAPPING_UNMAPPED_CODE: { retryable: false, hint: 'Add the code to the lookup table, or set the table to keep unmapped codes.' },
  MEDIBUS_ERR_MAPPING_SEGMENT_MISSING: { retryable: false, hint: 'The message lacks a segment its mapping needs (required in the HL7 message structure); the sender must include it.' },
  MEDIBUS_ERR_MAPPING_INVALID_FHIR: { retryable: false, hint: 'The mapping produced a resource that is not valid FHIR R4; see the FHIR path.' },
  MEDIBUS_ERR_FILTER: { retryable: false, hint: 'The filter condition could not be evaluated on this message.' },

  // --- delivery ---
  MEDIBUS_ERR_DELIVERY_TRANSIENT: { retryable: true, hint: 'The destination failed in a way that may pass (refused, timeout, 5xx, 429, AE); retried with backoff.' },
  MEDIBUS_ERR_DELIVERY_REJECTED: { retryable: false, hint: 'The destination rejected the message (4xx, AR, invalid resource); fix the cause and replay the dead letter.' },
  MEDIBUS_ERR_DELIVERY_AUTH: { retryable: true, hint: 'Authentication with the destination failed; check the credentials in the environment.' },

  // --- DICOM reading (src/dicom) ---
  MEDIBUS_ERR_DICOM_NOT_DICOM: { retryable: false, hint: 'The file is not a DICOM object: no DICM prefix at byte 128 and no data element at byte 0. Send a DICOM Part 10 file.' },
  MEDIBUS_ERR_DICOM_TRUNCATED: { retryable: false, hint: 'The object ends before its last element does; the transfer was cut off. Send the whole file again.' },
  MEDIBUS_ERR_DICOM_BAD_VR: { retryable: false, hint: 'An element has an unknown VR, or a value its VR does not allow (e.g. IS "1A"); fix the sender or the file.' },
  MEDIBUS_ERR_DICOM_TRANSFER_SYNTAX: { retryable: false, hint: 'The transfer syntax is missing or not one medibus reads; send the object in Explicit/Implicit VR Little Endian or a standard compressed syntax.' },
  MEDIBUS_ERR_DICOM_MISSING_UID: { retryable: false, hint: 'A stored object needs SOP Class UID (0008,0016) and SOP Instance UID (0008,0018).' },
  MEDIBUS_ERR_DICOM_CHARSET: { retryable: false, hint: 'Specific Character Set (0008,0005) names a character set medibus cannot decode.' },
  MEDIBUS_ERR_DICOM_TOO_LARGE: { retryable: false, hint: 'The header (everything before Pixel Data) or the inflated dataset is larger than the configured limit; raise the limit if the object is genuine.' },
  // --- DICOM C-STORE SCP (src/sources/dicom) ---
  MEDIBUS_ERR_DICOM_OBJECT_TOO_LARGE: { retryable: false, hint: 'The C-STORE object is larger than source.maxObjectSize; it was not kept. Raise maxObjectSize if such objects are expected.' },
  MEDIBUS_ERR_DICOM_STORE_IO: { retryable: true, hint: 'The received object could not be written to disk (objects.dir or the temp directory): full, read-only or missing. Free space or fix the directory; the modality retries on A700.' },
  MEDIBUS_ERR_DICOM_ABORTED: { retryable: true, hint: 'The association ended (A-ABORT, connection lost, timeout) before the object was complete; nothing was kept, and the sender resends.' },

  // --- CSV reading (src/csv) ---
  MEDIBUS_ERR_CSV_ROW: { retryable: false, hint: 'The row does not fit the header (wrong number of columns); fix the row at the line shown, the rest of the file is read.' },
  MEDIBUS_ERR_CSV_QUOTE: { retryable: false, hint: 'A quoted field is not closed or a quote stands inside an unquoted field; the rows around it cannot be trusted, so the file is refused from that line on. Fix the quoting at the line and column shown.' },
  MEDIBUS_ERR_CSV_HEADER: { retryable: false, hint: 'The header row is missing, empty or names a column twice.' },
  MEDIBUS_ERR_CSV_TOO_LARGE: { retryable: false, hint: 'A single row is larger than the configured limit (often a quote that never closes); fix the file or raise the limit.' },

  // --- operators API and dashboard (src/ops) ---
  MEDIBUS_ERR_OPS_UNAUTHENTICATED: { retryable: false, hint: 'Log in (POST /api/login) or send an API token (Authorization: Bearer …; `medibus token add`).' },
  MEDIBUS_ERR_OPS_FORBIDDEN: { retryable: false, hint: 'Your role does not allow this; an admin can give you another role (`medibus user add NAME --role R`).' },
  MEDIBUS_ERR_OPS_LOGIN: { retryable: false, hint: 'Unknown user or wrong password.' },
  MEDIBUS_ERR_OPS_NOT_FOUND: { retryable: false, hint: 'No channel, destination or message with that id; check the id in the channel list.' },
  MEDIBUS_ERR_OPS_BAD_REQUEST: { retryable: false, hint: 'The request does not fit the API; see /api/openapi.json.' },
  MEDIBUS_ERR_OPS_REASON_REQUIRED: { retryable: false, hint: 'A replay needs a reason (at least 3 characters); it goes to the audit log.' },
  MEDIBUS_ERR_OPS_RATE_LIMITED: { retryable: true, hint: 'Too many replays in a short time; wait and try again, or replay a selection at once.' },
  MEDIBUS_ERR_OPS_STORE: { retryable: true, hint: 'The message store did not answer; the engine keeps running; try again.' },

  // --- message store (src/store) ---
  MEDIBUS_ERR_STORE_CONFIG: { retryable: false, hint: 'Check MEDIBUS_STORE_URL (postgres://user@host:port/db or sqlite:PATH), MEDIBUS_DATA_DIR and the store: section of medibus.yaml.' },
  MEDIBUS_ERR_STORE_UNAVAILABLE: { retryable: true, hint: 'The message store is unreachable or failing; messages still flow, their history is kept in memory or the spill file and written when it returns.' },
  MEDIBUS_ERR_STORE_SCHEMA: { retryable: false, hint: 'The store holds a newer schema than this medibus knows; upgrade medibus, or point it at another database.' },

  // --- TLS (src/util/tls.ts) ---
  MEDIBUS_ERR_TLS_CONFIG: { retryable: false, hint: 'A tls block names a certificate, key or CA file that is missing, unreadable or not PEM, or a key that does not match its certificate; see docs/security.md for the openssl commands.' },
  MEDIBUS_ERR_TLS_REFUSED: { retryable: false, hint: 'The peer\'s certificate was missing, not signed by the configured CA, or its subject is not in allowedSubjects.' },

  // --- payloads at rest (src/util/at-rest.ts) ---
  MEDIBUS_ERR_AT_REST_KEY: { retryable: false, hint: 'MEDIBUS_AT_REST_KEY (or _KEY_FILE) must hold 32 bytes as base64 or hex: make one with openssl rand -base64 32.' },
  MEDIBUS_ERR_AT_REST_UNKNOWN_KEY: { retryable: false, hint: 'The data was sealed with a key that is not configured: list the old key in MEDIBUS_AT_REST_OLD_KEYS or MEDIBUS_AT_REST_OLD_KEY_FILES.' },
  MEDIBUS_ERR_AT_REST_TAMPERED: { retryable: false, hint: 'The sealed data fails its integrity check (changed, truncated or not sealed by medibus); restore it from a backup.' },
  // --- payload kinds (src/kinds) ---
  MEDIBUS_ERR_KIND_PATH: { retryable: false, hint: 'The path names nothing the payload kind can read: PID-3[1] for hl7v2, a DICOM keyword or tag such as PatientID or (0010,0020) for dicom, a column name for csv; join parts with +.' },
  MEDIBUS_ERR_KIND_BODY: { retryable: false, hint: 'The message body is not what its kind (medibus-kind header) says; was it published by medibus?' },
  MEDIBUS_ERR_KIND_MISMATCH: { retryable: false, hint: 'The payload kind differs from the one the channel takes (its source type decides it, its mapping reads one); use a channel and mapping of that kind.' },

  // --- runtime ---
  MEDIBUS_ERR_SHUTDOWN: { retryable: true, hint: 'medibus is shutting down; the sender should resend to another instance or later.' },
  MEDIBUS_ERR_WORKERS_PROCESS: { retryable: false, hint: 'The workers process of `medibus start` could not start: its last stderr line says why; `--no-workers-process` runs the workers in the main process instead.' },
  MEDIBUS_ERR_INTERNAL: { retryable: false, hint: 'This is a bug in medibus; please report it with the log line.' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERRORS;

/** Where an error happened, as precisely as the area allows. */
export interface ErrorLocation {
  /** a config or mapping file, with 1-based line and column */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** an HL7 position, e.g. segment `PID`, its 1-based occurrence, field 3, component 1 */
  readonly segment?: string;
  readonly segmentIndex?: number;
  readonly field?: number;
  readonly component?: number;
  /** a FHIR element path, e.g. `Patient.birthDate` */
  readonly fhirPath?: string;
}

export class MedibusError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly location: ErrorLocation | undefined;

  constructor(code: ErrorCode, message: string, options: { location?: ErrorLocation; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MedibusError';
    this.code = code;
    this.retryable = ERRORS[code].retryable;
    this.location = options.location;
  }

  get hint(): string {
    return ERRORS[this.code].hint;
  }
}

export function isMedibusError(value: unknown): value is MedibusError {
  return value instanceof MedibusError;
}

/** The code a failure is counted and reported under: its own, or MEDIBUS_ERR_INTERNAL. */
export function errorCodeOf(error: unknown): ErrorCode {
  return isMedibusError(error) ? error.code : 'MEDIBUS_ERR_INTERNAL';
}

/** The message of an Error, or whatever was thrown, as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `CODE: message` for a medibus error (what a CLI prints), else the message alone. */
export function codedMessage(error: unknown): string {
  return isMedibusError(error) ? `${error.code}: ${error.message}` : errorMessage(error);
}

/** `file:line:col` when known, for diagnostics that read like a compiler's. */
export function formatLocation(loc: ErrorLocation | undefined): string {
  if (!loc) return '';
  if (loc.file) {
    return loc.line === undefined ? loc.file : `${loc.file}:${loc.line}:${loc.column ?? 1}`;
  }
  if (loc.segment) {
    const occ = loc.segmentIndex && loc.segmentIndex > 1 ? `[${loc.segmentIndex}]` : '';
    const field = loc.field === undefined ? '' : `-${loc.field}`;
    const comp = loc.component === undefined ? '' : `.${loc.component}`;
    return `${loc.segment}${occ}${field}${comp}`;
  }
  return loc.fhirPath ?? '';
}
