/**
 * Parsing of client frames: text in, a typed frame or a `ProtocolError` out.
 * No I/O here, so every rule is tested bytes-in/frames-out.
 * @module
 */
import { ProtocolError } from "./codes.ts";
import type { ClientFrame, CommandId, ResumePosition } from "./frames.ts";
import { asResponseId, type ResponseId } from "./types.ts";
import { decodePublicationCommand } from "./decode_publication.ts";

/** Longest `APPROVED.text` (characters). */
export const MAX_TEXT_CHARS = 4096;
/** Longest `REJECTED.reason` (characters). */
export const MAX_REASON_CHARS = 1024;
/** Longest string `id` (characters). */
export const MAX_ID_CHARS = 64;
/** Longest token accepted before verification (characters). */
export const MAX_TOKEN_CHARS = 4096;

/** A decoding failure, with the command id when it could be read. */
export class DecodeError extends ProtocolError {
  /** The command's `id`, when it was valid. */
  readonly commandId: CommandId | undefined;
  /**
   * Wraps a protocol error with the command id it answers.
   * @param error the protocol error
   * @param commandId the command's `id`, if valid
   */
  constructor(error: ProtocolError, commandId: CommandId | undefined) {
    super(error.code, error.message, { ...error.fields });
    this.name = "DecodeError";
    this.commandId = commandId;
  }
}

/** A parsed JSON object: a frame before it is checked. */
export type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the `id` of a parsed frame.
 * @param raw the parsed frame
 * @returns the id, `undefined` when absent
 * @throws {ProtocolError} `bad_frame` when the id is neither a string of at most `MAX_ID_CHARS` chars nor an integer
 */
export function readCommandId(raw: JsonObject): CommandId | undefined {
  const id = raw.id;
  if (id === undefined) return undefined;
  if (typeof id === "string" && id.length <= MAX_ID_CHARS) return id;
  if (typeof id === "number" && Number.isSafeInteger(id)) return id;
  throw new ProtocolError(
    "bad_frame",
    `field 'id' must be a string of at most ${MAX_ID_CHARS} characters or an integer`,
  );
}

function requireResponseId(raw: JsonObject): ResponseId {
  const v = raw.response_id;
  if (v === undefined) {
    throw new ProtocolError("bad_frame", "field 'response_id' is required");
  }
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw new ProtocolError("bad_frame", "field 'response_id' must be a positive integer");
  }
  return asResponseId(v);
}

function optionalString(raw: JsonObject, field: string, max: number): string | undefined {
  const v = raw[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    throw new ProtocolError("bad_frame", `field '${field}' must be a string`);
  }
  if (v.length > max) {
    throw new ProtocolError("too_large", `field '${field}' is longer than ${max} characters`);
  }
  return v;
}

function readResume(raw: JsonObject): ResumePosition | undefined {
  const r = raw.resume;
  if (r === undefined || r === null) return undefined;
  if (!isObject(r)) throw new ProtocolError("bad_frame", "field 'resume' must be an object");
  if (typeof r.epoch !== "string" || r.epoch.length > 128) {
    throw new ProtocolError("bad_frame", "field 'resume.epoch' must be a string");
  }
  if (typeof r.last_seq !== "number" || !Number.isSafeInteger(r.last_seq) || r.last_seq < 0) {
    throw new ProtocolError("bad_frame", "field 'resume.last_seq' must be an integer ≥ 0");
  }
  return { epoch: r.epoch, last_seq: r.last_seq };
}

/**
 * Decodes one text frame from a client.
 * @param text the frame's text
 * @returns the typed frame
 * @throws {DecodeError} `bad_json`, `bad_frame`, `unknown_type` or `too_large`
 */
export function decodeClientFrame(text: string): ClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DecodeError(new ProtocolError("bad_json", "the frame is not valid JSON"), undefined);
  }
  if (!isObject(raw)) {
    throw new DecodeError(
      new ProtocolError("bad_frame", "the frame must be a JSON object"),
      undefined,
    );
  }
  let id: CommandId | undefined;
  try {
    id = readCommandId(raw);
  } catch (e) {
    throw new DecodeError(e as ProtocolError, undefined);
  }
  try {
    return decodeObject(raw, id);
  } catch (e) {
    if (e instanceof ProtocolError) throw new DecodeError(e, id);
    throw e;
  }
}

/**
 * Decodes the body of `POST /api/sr`, `{"response_id": N}`, by the rules of
 * the `SR` frame's field.
 * @param text the request body
 * @returns the response id
 * @throws {DecodeError} `bad_json`, or `bad_frame` naming the field
 */
export function decodeSubmitBody(text: string): ResponseId {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DecodeError(new ProtocolError("bad_json", "the body is not valid JSON"), undefined);
  }
  if (!isObject(raw)) {
    throw new DecodeError(
      new ProtocolError("bad_frame", "the body must be a JSON object"),
      undefined,
    );
  }
  try {
    return requireResponseId(raw);
  } catch (e) {
    if (e instanceof ProtocolError) throw new DecodeError(e, undefined);
    throw e;
  }
}

function decodeObject(raw: JsonObject, id: CommandId | undefined): ClientFrame {
  const withId = id === undefined ? {} : { id };
  if (typeof raw.type !== "string") {
    throw new ProtocolError("bad_frame", "field 'type' must be a string");
  }
  const type = raw.type;
  switch (type) {
    case "CL": {
      if (typeof raw.token !== "string" || raw.token.length === 0) {
        throw new ProtocolError("bad_frame", "field 'token' must be a non-empty string");
      }
      if (raw.token.length > MAX_TOKEN_CHARS) {
        throw new ProtocolError("too_large", `field 'token' is longer than ${MAX_TOKEN_CHARS}`);
      }
      const resume = readResume(raw);
      return { type, ...withId, token: raw.token, ...(resume ? { resume } : {}) };
    }
    case "HEARTBEAT":
      return { type, ...withId };
    case "SR":
      return { type, ...withId, response_id: requireResponseId(raw) };
    case "APPROVED": {
      const response_id = requireResponseId(raw);
      const text = optionalString(raw, "text", MAX_TEXT_CHARS);
      return { type, ...withId, response_id, ...(text === undefined ? {} : { text }) };
    }
    case "REJECTED": {
      const response_id = requireResponseId(raw);
      const reason = optionalString(raw, "reason", MAX_REASON_CHARS);
      return { type, ...withId, response_id, ...(reason === undefined ? {} : { reason }) };
    }
    case "CLAIM":
    case "RELEASE":
      return { type, ...withId, response_id: requireResponseId(raw) };
    // v1.2: the publication pipeline's commands.
    case "UNDO":
    case "RETRY":
    case "TAKE":
    case "PUBLISHED":
    case "PUBLISH_FAILED":
      return decodePublicationCommand(type, raw, id);
    default:
      throw new ProtocolError("unknown_type", `unknown frame type '${type.slice(0, 32)}'`);
  }
}
